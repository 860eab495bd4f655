"""`iitkb backup PATH` / `iitkb restore PATH`: a snapshot of the index that can be taken while the
app serves, and put back whole.

Copying the data folder's files while a run writes gives torn SQLite pages and an HNSW file out
of step with its metadata. So each part is read through its own consistent door instead: the
catalog and the embedding cache through SQLite's backup API (a transactionally consistent copy,
WAL included), and the vectors through Chroma's API for exactly the chunks that catalog copy
lists. A document written between the two reads is either in the catalog copy with its vectors,
or absent from both; one removed in between has lost its vectors, and restore's repair embeds
them again from the cached vectors in the same snapshot. BM25 is rebuilt from the catalog on
restore (seconds), the users file is copied as a file (it is written whole by a rename). The audit
log is appended to while the app serves, so its copy ends at its last whole line; restore never
overwrites audit records written since the backup: a backup's file is put back only where it is
missing, skipped where the data folder's file already begins with it, and otherwise kept beside
it under a new name.

Example::

    manifest = backup(index, Path("/backups/kb-2026-12-03"))
    restore(settings, Path("/backups/kb-2026-12-03"), force=False)
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from iitkb.settings import Settings

MANIFEST = "manifest.json"
FORMAT = 1
VECTORS = "vectors.npy"
VECTOR_IDS = "vector-ids.json"
DATABASES = ("catalog.sqlite", "embcache.sqlite")
# Files of the data directory that are not the index but belong in its snapshot.
AUDIT_GLOB = "audit*.jsonl"
INDEX_FILES = ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm", "embcache.sqlite",
               "embcache.sqlite-wal", "embcache.sqlite-shm")


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says what to do."""


def copy_database(source: Path, target: Path):
    """SQLite's backup API: a consistent copy even while another process writes."""
    src, dst = sqlite3.connect(source, timeout=30), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def backup(index, target: Path) -> dict:
    """Write a snapshot of ``index`` (an ``Index``) and its users and audit files to ``target``."""
    settings = index.settings
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: give a new folder for the backup")
    target.mkdir(parents=True, exist_ok=True)
    for name in DATABASES:
        if (settings.data_dir / name).exists():
            copy_database(settings.data_dir / name, target / name)
    snapshot = sqlite3.connect(target / "catalog.sqlite")
    ids = [r[0] for r in snapshot.execute("SELECT c.id FROM chunks c JOIN docs d ON c.doc_id = d.doc_id "
                                          "WHERE d.state = 'done' ORDER BY c.id")]
    documents = snapshot.execute("SELECT COUNT(*) FROM docs WHERE state = 'done'").fetchone()[0]
    snapshot.close()
    kept, vectors = index.store.vectors(ids)
    np.save(target / VECTORS, vectors)
    (target / VECTOR_IDS).write_text(json.dumps(kept))
    extras = _copy_extras(settings, target)
    manifest = {"format": FORMAT, "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "embedder": index.embedder.info, "documents": documents, "chunks": len(ids),
                "vectors": len(kept), "files": extras}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    return manifest


def _copy_extras(settings: Settings, target: Path) -> list[str]:
    """The users file and the audit log, when there are any."""
    copied = []
    if settings.users_path.exists():
        shutil.copy2(settings.users_path, target / "users.json")
        copied.append("users.json")
    for path in sorted(settings.data_dir.glob(AUDIT_GLOB)):
        data = path.read_bytes()
        (target / path.name).write_bytes(data[:data.rfind(b"\n") + 1])   # whole lines only
        shutil.copymode(path, target / path.name)                        # questions are personal data
        copied.append(path.name)
    return copied


def _restore_audit(source: Path, data_dir: Path):
    """Put back an audit file without losing any record written since (module docstring)."""
    there = data_dir / source.name
    if not there.exists():
        shutil.copy2(source, there)
        return
    ours = source.read_bytes()
    with there.open("rb") as fh:
        if fh.read(len(ours)) == ours:
            return
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    shutil.copy2(source, data_dir / f"audit-restored-{stamp}-{source.name}")


def read_manifest(source: Path) -> dict:
    try:
        return json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError(f"{source} holds no readable {MANIFEST}: it is not an iitkb backup") from None


def holds_index(settings: Settings) -> bool:
    return (settings.data_dir / "catalog.sqlite").exists() or (settings.data_dir / "chroma").exists()


def restore(settings: Settings, source: Path, force: bool = False, embedder=None):
    """Put the snapshot in ``source`` back as the index of ``settings``; returns the opened
    ``Index`` (the caller runs its repair, which needs ingestion's embedding text)."""
    from index.index import Index

    manifest = read_manifest(source)
    if holds_index(settings) and not force:
        raise BackupError(f"{settings.data_dir} already holds an index: restoring would overwrite it; "
                          "pass --force to replace it (back it up first if it may be needed)")
    index = Index(settings, embedder)
    index.close()
    if manifest["embedder"] != index.embedder.info:
        raise BackupError(f"the backup was made with the embedder {manifest['embedder']}, the configured "
                          f"one is {index.embedder.info}: set IITKB_EMBED_BACKEND and IITKB_EMBED_MODEL "
                          "to the backup's")
    _clear(settings, index.embedder.info)
    for name in DATABASES:
        if (source / name).exists():
            shutil.copyfile(source / name, settings.data_dir / name)
    for name in manifest.get("files", []):
        if name == "users.json":
            shutil.copy2(source / name, settings.users_path)
        else:
            _restore_audit(source / name, settings.data_dir)
    index = Index(settings, embedder or index.embedder)
    ids = json.loads((source / VECTOR_IDS).read_text())
    vectors = np.load(source / VECTORS)
    chunks = index.catalog.chunks(ids)
    by_id = {c.id: c for c in chunks}
    rows = [i for i, chunk_id in enumerate(ids) if chunk_id in by_id]
    index.store.upsert_chunks([by_id[ids[i]] for i in rows], vectors[rows])
    index.refresh_views()
    return index


def _clear(settings: Settings, embedder_info: dict):
    """Remove the index in the data directory (users, uploads and reports stay)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    for name in INDEX_FILES:
        (settings.data_dir / name).unlink(missing_ok=True)
    shutil.rmtree(settings.data_dir / "lexical", ignore_errors=True)
    if settings.chroma_url:
        from index.store import ChromaStore

        store = ChromaStore(settings, embedder_info)
        store.delete_chunks(store.collection.get(include=[])["ids"])
    else:
        from index.store import forget_clients

        shutil.rmtree(settings.data_dir / "chroma", ignore_errors=True)
        forget_clients()
