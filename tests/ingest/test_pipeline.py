"""The pipeline: incremental, idempotent, honest about what it skipped, never loses indexed data."""

import json
import subprocess
import sys

import pytest

from tests.conftest import cli_env, front, make_docx, make_pdf, write

ZH = "## 第一章 总则\n### 第一条\n医疗卫生机构是临床研究的责任主体。\n### 第二条\n研究应当通过伦理审查。\n"
EN = "## Chapter 1 General\n### Article 1\nThe institution is responsible.\n### Article 2\nStudies pass ethics review.\n"


def small_corpus(root):
    write(root / "rule.zh.md", front("rule-zh", "zh", "测试办法", ZH))
    write(root / "rule.en.md", front("rule-en", "en", "Test Measures", EN))
    make_pdf(root / "pdf" / "sop.pdf", [["1. Purpose", "Handle samples."], ["2. Chain of custody", "Sign F-COC-01."]])
    write(root / "pdf" / "sop.meta.yaml", "doc_id: sop-en\nsource_id: sop\ntitle: Sample SOP\nlang: en\n"
          "doc_type: sop\naccess: internal\n")
    make_docx(root / "guide.docx", [("Heading 1", "1. Scope"), (None, "Applies to CAR-T studies.")])
    return root


def chunk_ids(ingestor):
    return sorted(c.id for c in ingestor.index.chunks())


def chroma_ids(ingestor):
    return sorted(ingestor.index.store.collection.get(include=[])["ids"])


def test_first_run_indexes_every_format_with_metadata(ingestor, tmp_path):
    report = ingestor.run([small_corpus(tmp_path / "corpus")])
    assert (report.added, report.skipped) == (4, [])
    assert chunk_ids(ingestor) == chroma_ids(ingestor)
    metas = {c.meta["doc_id"]: c.meta for c in ingestor.index.chunks()}
    assert metas["sop-en"]["access"] == "internal" and metas["sop-en"]["page"] in (1, 2)
    assert metas["guide"]["access"] == "internal", "undeclared access must default to internal"
    assert metas["rule-zh"]["path"].endswith("corpus/rule.zh.md")


def test_second_run_embeds_nothing(ingestor, tmp_path):
    corpus = small_corpus(tmp_path / "corpus")
    ingestor.run([corpus])
    before = chunk_ids(ingestor)
    report = ingestor.run([corpus])
    assert (report.added, report.updated, report.unchanged, report.chunks_embedded) == (0, 0, 4, 0)
    assert chunk_ids(ingestor) == before == chroma_ids(ingestor)


def test_changed_file_replaces_its_chunks(ingestor, tmp_path):
    corpus = small_corpus(tmp_path / "corpus")
    ingestor.run([corpus])
    write(corpus / "rule.en.md", front("rule-en", "en", "Test Measures", EN.replace("Studies pass ethics review.",
                                                                                    "Studies pass two reviews.")))
    report = ingestor.run([corpus])
    assert (report.updated, report.chunks_embedded) == (1, 1)
    texts = [c.text for c in ingestor.index.chunks() if c.meta["doc_id"] == "rule-en"]
    assert any("two reviews" in t for t in texts) and not any("ethics review." in t for t in texts)
    documents = ingestor.index.store.collection.get(where={"doc_id": "rule-en"})["documents"]
    assert sorted(documents) == sorted(texts)


def test_prune_removes_documents_whose_files_are_gone(ingestor, tmp_path):
    corpus = small_corpus(tmp_path / "corpus")
    ingestor.run([corpus])
    (corpus / "guide.docx").unlink()
    assert ingestor.run([corpus]).removed == 0, "without --prune nothing is removed"
    report = ingestor.run([corpus], prune=True)
    assert report.removed == 1
    assert "guide" not in {c.meta["doc_id"] for c in ingestor.index.chunks()}
    assert chunk_ids(ingestor) == chroma_ids(ingestor)


def test_duplicate_doc_id_is_skipped_with_the_owner_named(ingestor, tmp_path):
    corpus = small_corpus(tmp_path / "corpus")
    write(corpus / "copy.md", front("rule-en", "en", "Copy", EN))
    report = ingestor.run([corpus])
    from iitkb.paths import stored_path as display_path

    assert report.skipped == [{"path": display_path(corpus / "rule.en.md"), "reason":
                               f"duplicate doc_id 'rule-en': already used by {display_path(corpus / 'copy.md')}; "
                               "give this file its own doc_id"}]


def test_bad_inputs_are_skipped_and_indexed_data_survives(settings, e5, tmp_path):
    from ingest.pipeline import Ingestor

    ingestor = Ingestor(settings.with_(max_file_mb=1.0), embedder=e5)
    corpus = small_corpus(tmp_path / "corpus")
    ingestor.run([corpus])
    before = chunk_ids(ingestor)
    # break an indexed file and add every kind of bad input
    write(corpus / "rule.en.md", "---\ntitle: [broken\n---\n")
    (corpus / "empty.pdf").write_bytes(b"")
    (corpus / "blob.txt").write_bytes(b"\x00\x00\x01")
    write(corpus / "status.md", front("s-en", "en", "S", "x", status="active"))
    write(corpus / "notes.xyz", "x")
    write(corpus / "huge.txt", "x" * 2_000_000)
    report = ingestor.run([corpus])
    reasons = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in report.skipped}
    assert "not valid YAML" in reasons["rule.en.md"]
    assert "damaged or truncated PDF" in reasons["empty.pdf"]
    assert "binary content" in reasons["blob.txt"]
    assert "status 'active' is not one of" in reasons["status.md"]
    assert "unsupported file type .xyz" in reasons["notes.xyz"]
    assert "over the 1 MB limit" in reasons["huge.txt"]
    assert chunk_ids(ingestor) == before, "the broken file's indexed version must stay"


class FailsOn:
    """The real embedder, except that it fails on a text holding ``word`` (a model that cannot
    run on one input), while other files of the run are read ahead in parallel."""

    def __init__(self, embedder, word: str):
        self._e, self._word = embedder, word
        self.thread_safe = embedder.thread_safe
        self.backend, self.model, self.dim, self.max_tokens = embedder.backend, embedder.model, embedder.dim, embedder.max_tokens
        self.info, self.count_tokens = embedder.info, embedder.count_tokens

    def embed_passages(self, texts):
        if any(self._word in t for t in texts):
            from index.embedders import EmbedderError

            raise EmbedderError("cannot embed this input")
        return self._e.embed_passages(texts)


def test_a_file_whose_vectors_fail_keeps_its_indexed_version(settings, e5, tmp_path):
    from ingest.pipeline import Ingestor
    from index.embedders import EmbedderError

    corpus = small_corpus(tmp_path / "corpus")
    first = Ingestor(settings, embedder=e5)
    first.run([corpus])
    old_zh = sorted(c.text for c in first.index.chunks() if c.meta["doc_id"] == "rule-zh")
    first.close()
    assert e5.thread_safe, "the default embedder embeds while the next file is read"
    write(corpus / "rule.en.md", front("rule-en", "en", "Test Measures", EN + "### Article 3\nA new article.\n"))
    write(corpus / "rule.zh.md", front("rule-zh", "zh", "测试办法", ZH + "### 第三条\nEXPLODE 新的条款。\n"))
    failing = Ingestor(settings, embedder=FailsOn(e5, "EXPLODE"))
    with pytest.raises(EmbedderError):
        failing.run([corpus])
    failing.close()
    again = Ingestor(settings, embedder=e5)
    by_doc = lambda doc: sorted(c.text for c in again.index.chunks() if c.meta["doc_id"] == doc)
    assert by_doc("rule-zh") == old_zh, "the file that failed keeps its indexed version"
    assert any("A new article." in t for t in by_doc("rule-en")), "the file embedded before it is stored"
    report = again.run([corpus])
    assert (report.updated, report.unchanged) == (1, 3) and any("EXPLODE" in t for t in by_doc("rule-zh"))
    assert chunk_ids(again) == chroma_ids(again)
    again.close()


def run_cli(settings, *args):
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], capture_output=True, text=True,
                          env=cli_env(settings), timeout=300)


def test_cli_json_report_strict_and_stats_follow_the_contract(settings, tmp_path):
    corpus = small_corpus(tmp_path / "corpus")
    write(corpus / "notes.xyz", "x")
    done = run_cli(settings, "ingest", str(corpus), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {"added", "updated", "unchanged", "removed", "chunks_embedded", "skipped"} <= set(report)
    assert report["added"] == 4 and report["skipped"][0]["path"].endswith("notes.xyz")
    assert "skipped" in done.stderr and "notes.xyz" in done.stderr
    assert run_cli(settings, "ingest", str(corpus), "--strict").returncode == 1
    stats = json.loads(run_cli(settings, "stats", "--json").stdout)
    assert stats["documents"] == 4 and stats["chunks"] >= 7
    assert stats["by_lang"]["zh"]["documents"] == 1 and stats["by_access"]["internal"]["documents"] == 2


def test_iitkbignore_and_sidecars_are_not_documents(ingestor, tmp_path):
    corpus = small_corpus(tmp_path / "corpus")
    write(corpus / "render" / "draft.md", "not front matter")
    write(corpus / ".iitkbignore", "render/\n")
    report = ingestor.run([corpus])
    assert report.skipped == [] and report.added == 4
