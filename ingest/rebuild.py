"""`iitkb reindex`: every store built again from the source files, then swapped in whole.

A damaged catalog or Chroma file cannot be trusted to say what it held, so nothing of the old
stores is reused but the embedding cache (keyed by model and text: a stale vector is never used)
and the list of source files, when the catalog can still give it. The new index is built beside
the old one in a hidden folder of the data directory and swapped in only when complete, so a
reindex that fails (a full disk, a kill) leaves the old index as it was.

Each file is ingested again with the access flag it was first ingested with: the flag is part of
its recorded content hash, so it is found by trying the three choices against that hash, and the
rebuilt index has the same index version as the one it replaces.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from iitkb.paths import on_disk, resolve_stored
from iitkb.settings import Settings
from index.backup import copy_database
from index.embedders import Embedder, make_embedder
from index.store import forget_clients
from ingest.pipeline import Ingestor
from ingest.report import RunReport

BUILD_DIR = ".reindex-new"
OLD_DIR = ".reindex-old"
# What a data directory's index consists of (users, uploads, reports and the audit log stay).
INDEX_PARTS = ("chroma", "lexical", "catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm",
               "embcache.sqlite", "embcache.sqlite-wal", "embcache.sqlite-shm")
FLAGS = (None, "public", "internal")


class ReindexError(RuntimeError):
    """Reindexing cannot start; the message says what to give it."""


def recorded_sources(settings: Settings) -> list[tuple[str, str]]:
    """(stored path, file hash) of every document the catalog records, if it can be read."""
    try:
        db = sqlite3.connect(f"file:{settings.data_dir / 'catalog.sqlite'}?mode=ro", uri=True)
        try:
            return [(r[0], r[1]) for r in db.execute("SELECT path, file_hash FROM docs ORDER BY path")]
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return []


def reindex(settings: Settings, paths: list[Path] | None = None, embedder: Embedder | None = None) -> RunReport:
    """Rebuild the index from ``paths``, or from the files the catalog records."""
    if settings.chroma_url:
        raise ReindexError("reindex builds an embedded Chroma store; unset IITKB_CHROMA_URL, or ingest "
                           "into a new collection (IITKB_COLLECTION=new-name iitkb ingest ...)")
    sources = recorded_sources(settings)
    if not paths and not sources:
        raise ReindexError(f"the catalog in {settings.data_dir} lists no source files (missing or "
                           "unreadable): give the folders to index, e.g. `iitkb reindex corpus/`")
    build = settings.data_dir / BUILD_DIR
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    _copy_cache(settings.data_dir / "embcache.sqlite", build / "embcache.sqlite")
    # the embedder of the data directory itself (its converted model files stay where they are)
    ingestor = Ingestor(settings.with_(data_dir=build), embedder=embedder or make_embedder(settings))
    try:
        report = _ingest(ingestor, paths, sources)
        ingestor.index.refresh_views()
    except BaseException:
        ingestor.close()
        shutil.rmtree(build, ignore_errors=True)      # the old index was never touched
        raise
    ingestor.close()
    _swap(settings.data_dir, build)
    forget_clients()
    return report


def _ingest(ingestor: Ingestor, paths: list[Path] | None, sources: list[tuple[str, str]]) -> RunReport:
    if paths:
        return ingestor.run(list(paths))
    groups: dict[str | None, list[Path]] = {}
    missing = []
    for stored, file_hash in sources:
        if not on_disk(stored):
            missing.append(stored)
            continue
        path = resolve_stored(stored)
        flag = next((f for f in FLAGS if ingestor._hash(path, f) == file_hash), None)
        groups.setdefault(flag, []).append(path)
    report = RunReport()
    for flag, files in groups.items():
        run = ingestor.run(files, access=flag)
        report.added += run.added
        report.chunks_embedded += run.chunks_embedded
        report.skipped += run.skipped
    for stored in missing:
        report.skip(stored, "the source file is gone, so its document is not in the rebuilt index")
    return report


def _copy_cache(source: Path, target: Path):
    """The embedding cache through SQLite's backup API (whole even in WAL mode); a damaged cache
    is left behind: everything is embedded again instead."""
    if not source.exists():
        return
    try:
        copy_database(source, target)
    except sqlite3.DatabaseError:
        target.unlink(missing_ok=True)


def _swap(data_dir: Path, build: Path):
    """Old parts aside, new parts in, old parts deleted: at each step one whole index is there."""
    old = data_dir / OLD_DIR
    shutil.rmtree(old, ignore_errors=True)
    old.mkdir()
    for name in INDEX_PARTS:
        if (data_dir / name).exists():
            (data_dir / name).rename(old / name)
    for name in INDEX_PARTS:
        if (build / name).exists():
            (build / name).rename(data_dir / name)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(build, ignore_errors=True)
