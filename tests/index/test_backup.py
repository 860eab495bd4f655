"""backup / restore: the snapshot round-trips (stats and answers identical), is consistent when
taken while ingestion writes, and restore never overwrites an index unasked."""

import json
import subprocess
import sys
import threading

import pytest

from index.backup import BackupError, backup, restore
from index.check import check, repair
from ingest.chunking import embedding_text
from ingest.pipeline import Ingestor
from tests.conftest import cli_env, front, write

QUESTION = "How many days does the ethics committee take to review the protocol?"
BODY = ("### Article 1\nThe institution keeps trial records for {n}0 years after the trial ends.\n"
        "### Article 2\nThe ethics committee reviews the protocol within {n} working days.\n")


def corpus(root, first=1, n=3):
    for i in range(first, first + n):
        write(root / f"d{i}.en.md", front(f"d{i}-en", "en", f"Review Rules {i}", BODY.format(n=i + 4)))
    return root


def answer(settings, e5):
    """The staff answer and the ranked hits, without the timing that differs run to run."""
    from retrieval.answer import Answerer
    from retrieval.search import Searcher

    searcher = Searcher(settings, embedder=e5)
    data = Answerer(settings, searcher=searcher).ask(QUESTION, role="staff").to_json()
    data.pop("latency_ms", None)
    hits = [(h.chunk.id, round(h.score, 5)) for h in searcher.search(QUESTION, role="staff", k=5).hits]
    return data, hits


@pytest.fixture
def built(ingestor, tmp_path, settings):
    write(settings.users_path, json.dumps({"users": []}))
    write(settings.data_dir / "audit.jsonl", '{"event": "ask"}\n')
    ingestor.run([corpus(tmp_path / "corpus")])
    return ingestor


def test_round_trip_gives_identical_stats_and_answers(built, settings, tmp_path, e5):
    stats, expected = built.index.stats(), answer(settings, e5)
    assert not expected[0]["abstained"] and expected[0]["citations"] and expected[1]
    manifest = backup(built.index, tmp_path / "bk")
    assert (manifest["documents"], manifest["chunks"], manifest["vectors"]) == (3, 6, 6)
    assert set(manifest["files"]) == {"users.json", "audit.jsonl"}

    other = settings.with_(data_dir=tmp_path / "restored")
    index = restore(other, tmp_path / "bk", embedder=e5)
    assert check(index).ok and index.stats() == stats and index.version() == built.index.version()
    index.close()
    assert answer(other, e5) == expected
    assert (other.data_dir / "users.json").read_text() == settings.users_path.read_text()
    assert (other.data_dir / "audit.jsonl").exists()


def test_restore_refuses_to_overwrite_without_force(built, settings, tmp_path, e5):
    backup(built.index, tmp_path / "bk")
    with pytest.raises(BackupError, match="--force"):
        restore(settings, tmp_path / "bk", embedder=e5)
    with pytest.raises(BackupError, match="not empty"):
        backup(built.index, tmp_path / "bk")
    built.index.remove("d1-en")
    index = restore(settings, tmp_path / "bk", force=True, embedder=e5)
    assert index.document("d1-en") is not None and check(index).ok
    index.close()


def test_a_backup_taken_while_ingesting_restores_consistent(built, settings, tmp_path, e5):
    """A second writer adds and removes documents while backups are taken: every snapshot
    restores to agreeing stores (repair re-embeds from the snapshot's cache what a removal took)."""
    writer = Ingestor(settings, embedder=e5)
    extra = corpus(tmp_path / "extra", first=10, n=6)
    done = threading.Event()

    def churn():
        writer.run([extra])
        for i in range(10, 16):
            writer.index.remove(f"d{i}-en")
        done.set()

    thread = threading.Thread(target=churn)
    thread.start()
    snapshots = []
    while not done.is_set() and len(snapshots) < 6:
        snapshots.append(backup(built.index, tmp_path / f"bk{len(snapshots)}"))
    thread.join()
    writer.close()
    assert len(snapshots) >= 2, "the backups must overlap the writes"
    for n, manifest in enumerate(snapshots):
        index = restore(settings.with_(data_dir=tmp_path / f"r{n}"), tmp_path / f"bk{n}", embedder=e5)
        report = repair(index, check(index), text_of=embedding_text)
        assert report.ok, report.to_json()
        assert index.stats()["documents"] == manifest["documents"]
        index.close()


def test_cli_restore_says_what_to_do(built, settings, tmp_path):
    built.index.close()
    env = cli_env(settings)
    run = lambda *a: subprocess.run([sys.executable, "-m", "ui.cli", *a], env=env, capture_output=True, text=True)
    assert run("backup", str(tmp_path / "bk")).returncode == 0
    refused = run("restore", str(tmp_path / "bk"))
    assert refused.returncode == 2 and "--force" in refused.stderr
    forced = run("restore", str(tmp_path / "bk"), "--force")
    assert forced.returncode == 0 and "consistent" in forced.stdout
