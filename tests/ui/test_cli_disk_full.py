"""`iitkb ingest` on a full disk: one line saying what to do (no traceback), what was indexed
before intact, and the same command completing once space is freed. A real small tmpfs."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from iitkb.settings import PROJECT_ROOT, Settings
from tests.conftest import cli_env
from tests.ingest.test_disk_full import corpus, fill, mounted_tmpfs

IITKB = str(PROJECT_ROOT / ".venv" / "bin" / "iitkb")
# The embedder's converted model (about 21 MB) lives in the data folder, plus a small index.
FS_BYTES = 128 * 1024 * 1024


@pytest.fixture
def mount(tmp_path):
    yield from mounted_tmpfs(tmp_path, FS_BYTES)


def cli(settings, *args):
    return subprocess.run([IITKB, *args], capture_output=True, text=True, env=cli_env(settings), timeout=300)


@pytest.mark.slow
def test_ingest_on_a_full_disk_prints_one_actionable_line(mount, tmp_path, e5):
    settings = Settings(data_dir=mount / "data", glossary_path=PROJECT_ROOT / "corpus" / "glossary.tsv")
    e5.embed_query("warm")                                               # converts the model once
    shutil.copytree(e5.models_dir, settings.data_dir / "models")        # no conversion on the small disk
    old, new = corpus(tmp_path / "old", "old", 2, 4), corpus(tmp_path / "new", "new", 3, 40)
    first = cli(settings, "ingest", str(old))
    assert first.returncode == 0, first.stderr
    filler = fill(mount)
    failed = cli(settings, "ingest", str(old), str(new))
    assert failed.returncode == 2, failed.stderr
    assert "Traceback" not in failed.stderr and "╭" not in failed.stderr
    (line,) = [x for x in failed.stderr.splitlines() if x.startswith("error:")]
    assert "is full" in line and "free some space" in line and "run the same command again" in line
    filler.unlink()
    again = cli(settings, "ingest", str(old), str(new))
    assert again.returncode == 0, again.stderr
    checked = cli(settings, "check", "--json")
    assert checked.returncode == 0, checked.stdout
    stats = cli(settings, "stats", "--json")
    assert '"documents": 5' in stats.stdout
