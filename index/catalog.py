"""The catalog: which documents are indexed, from which file and content hash, and their chunks.

It is the ingestion manifest and the lexical index's source at once, in one SQLite file, so that
"document done" and "its chunks" change in one transaction. A document is marked ``pending``
before its chunks go to Chroma and ``done`` after; a run that finds a ``pending`` document (a
crash, a kill -9) removes it everywhere and ingests it again. ``generation`` grows with every
change, and the lexical index records the generation it was built from.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from iitkb.schema import Chunk

# Rows looked up per IN (...) query: SQLite builds before 3.32 allow at most 999 bound parameters.
SQL_BATCH = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, file_hash TEXT NOT NULL,
    state TEXT NOT NULL, meta TEXT NOT NULL, chunks INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS docs_path ON docs(path);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, seq INTEGER NOT NULL, source_id TEXT NOT NULL,
    lang TEXT NOT NULL, section_key TEXT NOT NULL, text TEXT NOT NULL, meta TEXT NOT NULL,
    tokens TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS chunks_pair ON chunks(source_id, lang, section_key);
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class DocRecord:
    doc_id: str
    path: str
    file_hash: str
    state: str
    meta: dict
    chunks: int


class _Connection:
    """A thread's connection, closed when the thread ends and its thread-local goes (a server's
    worker threads come and go: their connections must not pile up)."""

    def __init__(self, path: Path):
        self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self.db.execute("PRAGMA synchronous=FULL")

    def __del__(self):
        try:
            self.db.close()
        except sqlite3.Error:
            pass


class Catalog:
    """One SQLite connection per thread. Shared by threads, one connection's read snapshot lasts
    while any of its statements is active, and with 20 answers reading at once one always is:
    answers went on citing a removed document after its removal had returned (the 60-second
    test in tests/ingest/test_serving_while_ingesting.py)."""

    def __init__(self, data_dir: Path):
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "catalog.sqlite"
        self._local = threading.local()
        self._opened: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    @property
    def _db(self) -> sqlite3.Connection:
        held = getattr(self._local, "held", None)
        if held is None:
            held = self._local.held = _Connection(self.path)
            self._opened.add(held)
        return held.db

    def close(self):
        for held in list(self._opened):
            held.db.close()
        self._opened = weakref.WeakSet()
        self._local = threading.local()

    @contextmanager
    def transaction(self):
        with self._db:
            yield self._db

    # documents ---------------------------------------------------------------------------
    def _select(self, where: str = "", args: tuple = ()) -> list[DocRecord]:
        rows = self._db.execute("SELECT doc_id, path, file_hash, state, meta, chunks FROM docs "
                                + where, args)
        return [DocRecord(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]

    def documents(self, state: str | None = "done") -> list[DocRecord]:
        return self._select("WHERE state = ?", (state,)) if state else self._select()

    def by_path(self, path: str) -> DocRecord | None:
        return next(iter(self._select("WHERE path = ?", (path,))), None)

    def get(self, doc_id: str) -> DocRecord | None:
        return next(iter(self._select("WHERE doc_id = ?", (doc_id,))), None)

    def mark_pending(self, doc_id: str, path: str, file_hash: str, meta: dict):
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, 'pending', ?, 0)",
                       (doc_id, path, file_hash, json.dumps(meta, ensure_ascii=False)))

    def commit_document(self, doc_id: str, chunks: list[Chunk], tokens: list[list[str]]):
        """The document's chunks replace its old ones and it becomes ``done``, atomically."""
        with self.transaction() as db:
            db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
            db.executemany("INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [(c.id, doc_id, i, c.meta["source_id"], c.meta["lang"], c.meta["section_key"],
                             c.text, json.dumps(c.meta, ensure_ascii=False), " ".join(t))
                            for i, (c, t) in enumerate(zip(chunks, tokens))])
            db.execute("UPDATE docs SET state = 'done', chunks = ? WHERE doc_id = ?", (len(chunks), doc_id))
            self._bump(db)

    def remove_document(self, doc_id: str):
        with self.transaction() as db:
            db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
            db.execute("DELETE FROM docs WHERE doc_id = ?", (doc_id,))
            self._bump(db)

    # chunks ------------------------------------------------------------------------------
    def chunks(self, ids: list[str] | None = None) -> list[Chunk]:
        """Chunks of finished documents, all of them or those with ``ids`` (in that order)."""
        sql = ("SELECT c.id, c.text, c.meta FROM chunks c JOIN docs d ON c.doc_id = d.doc_id "
               "WHERE d.state = 'done'")
        if ids is None:
            rows = self._db.execute(sql + " ORDER BY c.doc_id, c.seq")
            return [Chunk(r[0], r[1], json.loads(r[2])) for r in rows]
        found = {}
        for start in range(0, len(ids), SQL_BATCH):
            part = ids[start:start + SQL_BATCH]
            marks = ",".join("?" * len(part))
            for r in self._db.execute(f"{sql} AND c.id IN ({marks})", part):
                found[r[0]] = Chunk(r[0], r[1], json.loads(r[2]))
        return [found[i] for i in ids if i in found]

    def token_rows(self):
        """(chunk id, tokens, metadata) of every finished chunk, for the lexical index."""
        rows = self._db.execute("SELECT c.id, c.tokens, c.meta FROM chunks c JOIN docs d "
                                "ON c.doc_id = d.doc_id WHERE d.state = 'done' ORDER BY c.doc_id, c.seq")
        for r in rows:
            yield r[0], r[1].split(" ") if r[1] else [], json.loads(r[2])

    def counterpart(self, source_id: str, lang: str, section_key: str) -> Chunk | None:
        """The same clause in the rule's other-language document, if it has one."""
        rows = self._db.execute(
            "SELECT c.id, c.text, c.meta FROM chunks c JOIN docs d ON c.doc_id = d.doc_id "
            "WHERE d.state = 'done' AND c.source_id = ? AND c.lang = ? AND c.section_key = ? "
            # a rule's official text and our summary may share a source_id: the official wording wins
            "ORDER BY json_extract(c.meta, '$.text_kind') = 'official' DESC, c.seq LIMIT 1",
            (source_id, lang, section_key)).fetchone()
        return Chunk(rows[0], rows[1], json.loads(rows[2])) if rows else None

    def chunk_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    # checking (index/check.py) -----------------------------------------------------------
    def integrity(self) -> str:
        """SQLite's own page-level check: "ok", or what is damaged."""
        return "; ".join(r[0] for r in self._db.execute("PRAGMA integrity_check(5)"))

    def recount(self, doc_ids: list[str]):
        """Record for each document the number of chunk rows it holds."""
        with self.transaction() as db:
            db.executemany("UPDATE docs SET chunks = (SELECT COUNT(*) FROM chunks WHERE chunks.doc_id = ?) "
                           "WHERE doc_id = ?", [(d, d) for d in doc_ids])
            self._bump(db)

    def stats(self, access: tuple[str, ...] = ("public", "internal")) -> dict:
        """Documents and chunks in total and per language, type, status and access."""
        docs = [d for d in self.documents() if d.meta.get("access") in access]
        out = {"documents": len(docs), "chunks": sum(d.chunks for d in docs)}
        for name in ("lang", "doc_type", "status", "access"):
            groups: dict[str, dict] = {}
            for d in docs:
                group = groups.setdefault(str(d.meta.get(name, "")), {"documents": 0, "chunks": 0})
                group["documents"] += 1
                group["chunks"] += d.chunks
            out[f"by_{name}"] = dict(sorted(groups.items()))
        return out

    # generation --------------------------------------------------------------------------
    @property
    def generation(self) -> int:
        row = self._db.execute("SELECT value FROM info WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def _bump(db: sqlite3.Connection):
        db.execute("INSERT INTO info VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE "
                   "SET value = CAST(value AS INTEGER) + 1")
