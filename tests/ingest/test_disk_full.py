"""A disk that fills during ingest: one clear error, what was indexed before intact, and the next
run (after space is freed) completes with agreeing stores.

Two ways: a real 8 MB tmpfs filled to the brim (needs the right to mount; skipped with the reason
where it is missing), and ENOSPC raised from the Chroma write path, which always runs."""

import errno
import os
import shutil
import subprocess

import pytest

from index.check import check
from index.diskfull import StorageFullError
from ingest.pipeline import Ingestor
from tests.conftest import front, write

SMALL_FS_BYTES = 8 * 1024 * 1024     # room for a small index, little else


def corpus(root, name, n, articles):
    for i in range(n):
        body = "".join(f"### Article {a}\nClause {a} of {name} {i}: the sponsor reports every serious "
                       f"adverse event within {a} days and keeps the records. \n" for a in range(1, articles))
        write(root / f"{name}{i}.en.md", front(f"{name}{i}-en", "en", f"{name} {i}", body))
    return root


def assert_old_intact_then_next_run_completes(settings, e5, old, new, names_before):
    index = Ingestor(settings, embedder=e5).index
    assert {d.doc_id for d in index.documents()} >= names_before
    index.close()
    again = Ingestor(settings, embedder=e5)
    report = again.run([old, new])
    assert report.skipped == []
    final = check(again.index)
    assert final.ok, final.to_json()
    assert len(again.index.documents()) == len(names_before) + 3
    again.close()


def test_enospc_from_the_store_write_is_one_clear_error(settings, e5, tmp_path, monkeypatch):
    from index.store import ChromaStore

    old, new = corpus(tmp_path / "old", "old", 2, 4), corpus(tmp_path / "new", "new", 3, 4)
    first = Ingestor(settings, embedder=e5)
    first.run([old])
    first.close()

    def full(self, chunks, vectors):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(settings.data_dir / "chroma"))

    monkeypatch.setattr(ChromaStore, "upsert_chunks", full)
    failing = Ingestor(settings, embedder=e5)
    with pytest.raises(StorageFullError, match="is full .*free some space.*run the same command again"):
        failing.run([new])
    failing.close()
    monkeypatch.undo()
    assert_old_intact_then_next_run_completes(settings, e5, old, new, {"old0-en", "old1-en"})


def test_a_failed_run_leaves_nothing_for_the_next_run_of_the_same_ingestor(settings, e5, tmp_path,
                                                                           monkeypatch):
    """The web app keeps one Ingestor: documents a failed run could not write stay out of its next
    run, even when their file is gone by then."""
    from index.store import ChromaStore

    old, new = corpus(tmp_path / "old", "old", 2, 4), corpus(tmp_path / "new", "new", 3, 4)
    ingestor = Ingestor(settings, embedder=e5)
    ingestor.run([old])

    def full(self, chunks, vectors):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(settings.data_dir / "chroma"))

    monkeypatch.setattr(ChromaStore, "upsert_chunks", full)
    with pytest.raises(StorageFullError):
        ingestor.run([new])
    monkeypatch.undo()
    (new / "new2.en.md").unlink()
    report = ingestor.run([old, new])
    assert report.skipped == [] and report.added == 2
    assert {d.doc_id for d in ingestor.index.documents()} == {"old0-en", "old1-en", "new0-en", "new1-en"}
    assert check(ingestor.index).ok
    ingestor.close()


def mounted_tmpfs(tmp_path, size: int):
    """A tmpfs of ``size`` bytes under ``tmp_path`` (a generator for a fixture to yield from)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip()}); the ENOSPC test covers it")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def small_fs(tmp_path):
    yield from mounted_tmpfs(tmp_path, SMALL_FS_BYTES)


def fill(mount):
    """Fill the filesystem, then give back a few pages: enough to open, too little to ingest.
    Unbuffered writes: a buffered file's close would retry the failed write and raise."""
    filler = mount / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    finally:
        os.close(fd)
    os.truncate(filler, max(0, filler.stat().st_size - 64 * 1024))
    return filler


def test_a_real_full_filesystem(small_fs, settings, e5, tmp_path):
    settings = settings.with_(data_dir=small_fs / "data")
    old, new = corpus(tmp_path / "old", "old", 2, 4), corpus(tmp_path / "new", "new", 3, 40)
    first = Ingestor(settings, embedder=e5)
    first.run([old])
    first.close()
    filler = fill(small_fs)
    with pytest.raises(StorageFullError, match="is full"):
        failing = Ingestor(settings, embedder=e5)
        try:
            failing.run([new])
        finally:
            failing.close()
    filler.unlink()
    shutil.rmtree(settings.data_dir / "lexical.tmp", ignore_errors=True)
    assert_old_intact_then_next_run_completes(settings, e5, old, new, {"old0-en", "old1-en"})
