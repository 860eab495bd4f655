"""kill -9 at the worst moment, then a re-run: the index equals the index of one clean run."""

import sqlite3
import subprocess
import sys
import time

from tests.conftest import cli_env, front, write


def corpus(root, n=12):
    for i in range(n):
        body = "".join(f"### Article {a}\nClause {a} of document {i}: the institution keeps records "
                       f"for {a + i} years and reports within {a} days.\n" for a in range(1, 9))
        write(root / f"doc{i:02d}.en.md", front(f"doc{i:02d}-en", "en", f"Document {i}", body))
    return root


def index_state(data_dir):
    db = sqlite3.connect(data_dir / "catalog.sqlite")
    chunks = sorted(r[0] for r in db.execute("SELECT id FROM chunks"))
    states = sorted(r[0] for r in db.execute("SELECT state FROM docs"))
    db.close()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(data_dir / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    vectors = sorted(client.get_collection("iitkb").get(include=[])["ids"])
    return chunks, vectors, states


def ingest(settings, root):
    # Two documents per store write, so a kill can land between writes, with documents done and pending.
    return subprocess.Popen([sys.executable, "-m", "ui.cli", "ingest", str(root), "--json"],
                            env=cli_env(settings, IITKB_WRITE_BATCH="16"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def kill_when_pending(proc, data_dir, timeout=240):
    """Poll the catalog and kill -9 the moment a document is half-written."""
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            db = sqlite3.connect(f"file:{data_dir / 'catalog.sqlite'}?mode=ro", uri=True, timeout=1)
            pending = db.execute("SELECT COUNT(*) FROM docs WHERE state = 'pending'").fetchone()[0]
            done = db.execute("SELECT COUNT(*) FROM docs WHERE state = 'done'").fetchone()[0]
            db.close()
        except sqlite3.Error:
            pending = done = 0
        if pending and done >= 2:
            proc.kill()
            proc.wait()
            return True
        time.sleep(0.005)
    proc.wait()
    return False


def test_kill_9_mid_run_then_rerun_equals_clean_run(settings, tmp_path):
    root = corpus(tmp_path / "corpus")
    clean = settings.with_(data_dir=tmp_path / "clean")
    assert ingest(clean, root).wait() == 0
    expected = index_state(clean.data_dir)

    proc = ingest(settings, root)
    assert kill_when_pending(proc, settings.data_dir), "the run ended before it could be killed mid-document"
    crashed = index_state(settings.data_dir)
    assert "pending" in crashed[2], "the kill must land while a document is half-written"

    assert ingest(settings, root).wait() == 0
    assert index_state(settings.data_dir) == expected
    assert set(expected[2]) == {"done"}
