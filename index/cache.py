"""Vectors keyed by (embedder, text hash): re-runs, renames and crash recovery embed nothing twice.

One connection is shared by every thread that ingests (the web app's upload handlers run in a
worker pool), so access goes through a lock and the connection is not tied to its creating thread.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

import numpy as np

from index.catalog import SQL_BATCH


class EmbeddingCache:
    def __init__(self, data_dir: Path, embedder_info: dict):
        data_dir.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(data_dir / "embcache.sqlite", timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        self._model = json.dumps(embedder_info, sort_keys=True)
        self._dim = int(embedder_info["dim"])
        self._lock = threading.Lock()

    def close(self):
        with self._lock:
            self._db.close()

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self._model}\n{text}".encode()).hexdigest()

    def get_many(self, texts: list[str]) -> tuple[np.ndarray, list[int]]:
        """A matrix with the cached rows filled in, and the positions still to embed."""
        vectors = np.zeros((len(texts), self._dim), dtype=np.float32)
        keys = [self._key(t) for t in texts]
        found = {}
        with self._lock:
            for start in range(0, len(keys), SQL_BATCH):
                part = keys[start:start + SQL_BATCH]
                rows = self._db.execute(
                    f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                found.update(rows)
        missing = []
        for i, key in enumerate(keys):
            if key in found:
                vectors[i] = np.frombuffer(found[key], dtype=np.float32)
            else:
                missing.append(i)
        return vectors, missing

    def put_many(self, texts: list[str], vectors: np.ndarray):
        rows = [(self._key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in zip(texts, vectors)]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
