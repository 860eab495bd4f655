"""The vector view answers dense search as Chroma does, only while it is current, and lets a
fresh process answer without importing chromadb."""

import json
import subprocess
import sys

import numpy as np

from iitkb.settings import PROJECT_ROOT
from index.conditions import chroma_where
from tests.conftest import cli_env, front, write

ARTICLES = ["The ethics committee reviews the protocol within 30 days.",
            "Samples leaving China need human genetic resources approval.",
            "The sponsor reports a SUSAR within 7 days.", "Records are kept for 30 years.",
            "伦理委员会委员不少于七人。", "人类遗传资源出境须经审批。"]


def corpus(root, internal=False):
    body = "".join(f"### Article {n}\n{text}\n" for n, text in enumerate(ARTICLES, start=1))
    write(root / "pub.en.md", front("pub-en", "en", "Public Rules", body))
    if internal:
        write(root / "sop.en.md", front("sop-en", "en", "Internal SOP", body.replace("Article", "Step"),
                                        access="internal", doc_type="sop"))
    return root


def test_the_view_ranks_as_chroma_does_and_keeps_the_role_filter(ingestor, tmp_path):
    ingestor.run([corpus(tmp_path / "c", internal=True)])
    index = ingestor.index
    view = index.vector_view()
    assert view is not None and view.generation == index.generation and len(view.ids) == 12
    sponsor = [("access", "in", ["public"])]
    for question in ("How fast must a SUSAR be reported?", "出境审批", "How long are records kept?"):
        vector = index.embed_query(question)
        for conds in ([], sponsor):
            ours = index.dense(vector, 4, conds)
            theirs = index.store.query(vector, 4, chroma_where(conds))
            assert [cid for cid, _ in ours] == [cid for cid, _ in theirs]
            assert np.allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-4)
        assert all(index.catalog.chunks([cid])[0].meta["access"] == "public"
                   for cid, _ in index.dense(vector, 12, sponsor))


def test_a_stale_view_is_not_used_and_the_next_ingest_renews_it(ingestor, tmp_path):
    root = corpus(tmp_path / "c")
    ingestor.run([root])
    index = ingestor.index
    old = index.vector_view()
    write(root / "new.en.md", front("new-en", "en", "Cold Chain", "### Article 1\nShip cells at minus 150 degrees.\n"))
    ingestor.run([root])
    renewed = index.vector_view()
    assert renewed is not None and renewed.generation > old.generation and len(renewed.ids) == 7
    hits = index.dense(index.embed_query("shipping temperature for cells"), 1, [])
    assert hits[0][0].startswith("new-en")
    # a view the catalog has moved past is left for Chroma to answer
    (index.settings.data_dir / "vectors" / "vectors.json").write_text(json.dumps(
        {**json.loads((index.settings.data_dir / "vectors" / "vectors.json").read_text()), "generation": 1}))
    index._vectors = None
    assert index.vector_view() is None
    assert index.dense(index.embed_query("shipping temperature for cells"), 1, [])[0][0].startswith("new-en")


def test_an_unchanged_ingest_builds_a_missing_view(ingestor, tmp_path):
    import shutil

    root = corpus(tmp_path / "c")
    ingestor.run([root])
    shutil.rmtree(ingestor.index.settings.data_dir / "vectors")
    ingestor.index._vectors = None
    report = ingestor.run([root])
    assert report.added == report.updated == 0 and ingestor.index.vector_view() is not None


def test_a_fresh_ask_answers_without_importing_chromadb(ingestor, settings, tmp_path):
    ingestor.run([corpus(tmp_path / "c")])
    probe = ("import sys\nfrom iitkb.settings import load_settings\nfrom retrieval.answer import Answerer\n"
             "answer = Answerer(load_settings()).ask('How long are records kept?')\n"
             "print(answer.to_json()['citations'][0]['doc_id'], 'chromadb' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          env=cli_env(settings), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["pub-en", "False"]
