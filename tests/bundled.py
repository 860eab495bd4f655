"""The bundled corpus indexed once per test session, for every test that asks it real questions.

Embedding the corpus is the slow part (~25 passages/s), so the vectors are kept between runs in
test-artifacts/ (the embedding cache is keyed by model and text, so a stale entry is never used):
the first run embeds everything, later runs only what the corpus or the chunker changed.

Use it from a test module::

    @pytest.fixture(scope="module")
    def bundled(tmp_path_factory, e5):
        return bundled_index(tmp_path_factory, e5)
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from iitkb.settings import PROJECT_ROOT, Settings
from tests.conftest import ARTIFACTS

CORPUS = PROJECT_ROOT / "corpus"
VECTORS = ARTIFACTS / "bundled-embcache.sqlite"
CACHE_NAME = "embcache.sqlite"        # index/cache.py's file in a data directory
_BUILT: dict[str, tuple[Settings, object]] = {}


def bundled_index(tmp_path_factory, e5) -> tuple[Settings, object]:
    """(settings, ingest report) of the bundled corpus, built on first use in this session."""
    if "bundled" not in _BUILT:
        from ingest.pipeline import Ingestor

        settings = Settings(data_dir=tmp_path_factory.mktemp("bundled") / "data",
                            glossary_path=CORPUS / "glossary.tsv")
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        if VECTORS.exists():
            _copy(VECTORS, settings.data_dir / CACHE_NAME)
        ingestor = Ingestor(settings, embedder=e5)
        report = ingestor.run([CORPUS])
        ingestor.close()
        ARTIFACTS.mkdir(exist_ok=True)
        _copy(settings.data_dir / CACHE_NAME, VECTORS)
        _BUILT["bundled"] = (settings, report)
    return _BUILT["bundled"]


def _copy(source: Path, target: Path):
    """SQLite's own backup, so a database in WAL mode is copied whole."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
