"""Files -> documents -> chunks -> index, incrementally and safely.

Why it is shaped this way:
- Incremental: a file whose content hash (with its sidecar, the access flag and the chunker's
  settings) is unchanged is not read again; vectors come from a cache keyed by model and text.
- Crash-safe: a document is marked pending in the catalog before Chroma is touched and done after;
  the next run first removes whatever a killed run left pending, so kill -9 at any point followed
  by a re-run gives the index of one clean run.
- Bad input never stops the batch and never costs what is already indexed: a file that cannot be
  read is skipped with a reason, and its previously indexed version stays.

Example::

    report = Ingestor(load_settings()).run([Path("corpus")], prune=True)
    print(report.to_json())
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from iitkb.glossary import load_glossary
from iitkb.paths import on_disk, stored_path
from iitkb.schema import DOCUMENT_TYPES, DocMeta, MetadataError, doc_meta_from_mapping, unsupported_type
from iitkb.settings import Settings
from iitkb.text import detect_lang
from iitkb.tokenize import tokenizer_for
from index.embedders import Embedder
from index.index import Index, Written
from ingest.chunking import CHUNKER_VERSION, Chunker, embedding_text
from ingest.loaders import SIDECAR_SUFFIX, SkipFile, load, sidecar_path

IGNORE_FILE = ".iitkbignore"
NOT_DOCUMENTS = (SIDECAR_SUFFIX, IGNORE_FILE)


@dataclass
class RunReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks_embedded: int = 0
    skipped: list[dict] = field(default_factory=list)

    def skip(self, path: str, reason: str):
        self.skipped.append({"path": path, "reason": reason})

    def to_json(self) -> dict:
        return asdict(self)


def discover(paths: list[Path], report: RunReport) -> list[Path]:
    """Files under ``paths``, skipping hidden ones and whatever ``.iitkbignore`` lists."""
    found: list[Path] = []
    for root in paths:
        if not root.exists():
            report.skip(str(root), "no such file or directory")
        elif root.is_file():
            found.append(root)
        else:
            found.extend(_walk(root, []))
    return found


def _walk(directory: Path, patterns: list[tuple[Path, str]]) -> list[Path]:
    ignore = directory / IGNORE_FILE
    if ignore.exists():
        patterns = patterns + [(directory, line.strip()) for line in ignore.read_text().splitlines()
                               if line.strip() and not line.startswith("#")]
    files = []
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith(".") or _ignored(entry, patterns):
            continue
        if entry.is_dir():
            files.extend(_walk(entry, patterns))
        elif entry.is_file() and not entry.name.endswith(NOT_DOCUMENTS):
            files.append(entry)
    return files


def _ignored(entry: Path, patterns: list[tuple[Path, str]]) -> bool:
    for base, pattern in patterns:
        relative = entry.relative_to(base).as_posix()
        if pattern.endswith("/"):
            if entry.is_dir() and fnmatch.fnmatch(relative, pattern.rstrip("/")):
                return True
        elif fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(entry.name, pattern):
            return True
    return False


def effective_access(declared: str | None, flag: str | None) -> str:
    """Most restrictive wins; a file that nobody declared public stays internal."""
    if "internal" in (declared, flag):
        return "internal"
    if "public" in (declared, flag):
        return "public"
    return "internal"


class Ingestor:
    def __init__(self, settings: Settings, embedder: Embedder | None = None,
                 progress: Callable[[int, int, str], None] | None = None, index: Index | None = None):
        self.settings = settings
        self.index = index or Index(settings, embedder)
        self.embedder = self.index.embedder
        budget = min(settings.chunk_tokens, self.embedder.max_tokens - 64)
        self.chunker = Chunker(self.embedder.count_tokens, budget, settings.chunk_overlap)
        self.tokenizer = tokenizer_for(load_glossary(settings.glossary_path).zh_terms)
        self.progress = progress or (lambda done, total, path: None)
        self._salt = f"{CHUNKER_VERSION}|{budget}|{settings.chunk_overlap}|{self.embedder.info}"
        self._pending: list[Written] = []

    def close(self):
        self.index.close()

    def run(self, paths: list[Path], access: str | None = None, prune: bool = False) -> RunReport:
        if access not in (None, "public", "internal"):
            raise ValueError(f"access must be public or internal, not {access!r}")
        report = RunReport()
        self.recover()
        files = discover(paths, report)
        claimed: dict[str, str] = {}
        for number, path in enumerate(files, start=1):
            shown = stored_path(path)
            self.progress(number, len(files), shown)
            try:
                self._ingest_file(path, shown, access, claimed, report)
            except (SkipFile, MetadataError) as exc:
                report.skip(shown, str(exc))
        self._flush()
        if prune:
            self._prune(paths, report)
        if report.added or report.updated or report.removed:
            self.index.refresh_lexical()
        return report

    def recover(self):
        self.index.recover()

    def _ingest_file(self, path: Path, shown: str, access: str | None, claimed: dict, report: RunReport):
        size_mb = path.stat().st_size / 1e6
        if size_mb > self.settings.max_file_mb:
            raise SkipFile(f"file is {size_mb:.1f} MB, over the {self.settings.max_file_mb:g} MB limit "
                           "(raise IITKB_MAX_FILE_MB or split the file)")
        if path.suffix.lower() not in DOCUMENT_TYPES:
            raise SkipFile(unsupported_type(path.suffix, DOCUMENT_TYPES))
        file_hash = self._hash(path, access)
        previous = self.index.document_at(shown)
        if previous and previous.file_hash == file_hash and previous.state == "done":
            claimed[previous.doc_id] = shown
            report.unchanged += 1
            return
        loaded = load(path)
        meta = self._metadata(path, shown, loaded, access)
        moved = self._check_unique(meta.doc_id, shown, claimed)
        chunks = self.chunker.chunk(meta, loaded.lines)
        if not chunks:
            raise SkipFile("no text left after chunking: nothing to index")
        vectors = self._embed(chunks, report)
        tokens = [self.tokenizer.tokens(f"{c.meta['section']}\n{c.text}") for c in chunks]
        if previous and previous.doc_id != meta.doc_id:
            self.index.remove(previous.doc_id)
        self.index.begin(meta.doc_id, shown, file_hash, asdict(meta))
        self._queue(Written(meta.doc_id, chunks, vectors, tokens))
        claimed[meta.doc_id] = shown
        if previous or moved:
            report.updated += 1
        else:
            report.added += 1

    def _queue(self, document: Written):
        """Documents wait, marked pending in the catalog, until `write_batch` chunks can go to the
        store in one write; a crash before the flush leaves them pending, and `recover` clears them."""
        self._pending.append(document)
        if sum(len(d.chunks) for d in self._pending) >= self.settings.write_batch:
            self._flush()

    def _flush(self):
        self.index.write(self._pending)
        self._pending = []

    def _hash(self, path: Path, access: str | None) -> str:
        digest = hashlib.sha256(path.read_bytes())
        side = sidecar_path(path)
        if side.exists() and side != path:
            digest.update(side.read_bytes())
        digest.update(f"|{access}|{self._salt}".encode())
        return digest.hexdigest()

    def _metadata(self, path: Path, shown: str, loaded, access: str | None) -> DocMeta:
        text = "\n".join(line.text for line in loaded.lines[:400])
        stem = path.name.rsplit(".", 1)[0]
        raw = dict(loaded.meta)
        raw["access"] = effective_access(raw.get("access"), access)
        defaults = {"doc_id": re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "document",
                    "title": stem, "lang": detect_lang(text), "doc_type": "document", "path": shown}
        raw["path"] = shown
        return doc_meta_from_mapping(raw, **defaults)

    def _check_unique(self, doc_id: str, shown: str, claimed: dict) -> bool:
        """A doc_id belongs to one file; a moved file (old path gone) takes its doc_id along.

        Returns whether the document moved here from another path."""
        owner = claimed.get(doc_id)
        record = self.index.document(doc_id) if owner is None else None
        if record and record.path != shown:
            if not on_disk(record.path):
                return True
            owner = record.path
        if owner and owner != shown:
            raise SkipFile(f"duplicate doc_id {doc_id!r}: already used by {owner}; give this file "
                           "its own doc_id")
        return False

    def _embed(self, chunks, report: RunReport):
        vectors, fresh = self.index.embed_passages([embedding_text(c) for c in chunks])
        report.chunks_embedded += fresh
        return vectors

    def _prune(self, paths: list[Path], report: RunReport):
        roots = [stored_path(p) for p in paths]
        for record in self.index.documents(state=None):
            inside = any(record.path == r or record.path.startswith(r.rstrip("/") + "/") for r in roots)
            if inside and not on_disk(record.path):
                self.index.remove(record.doc_id)
                report.removed += 1

    def remove_document(self, doc_id: str) -> bool:
        return self.index.remove(doc_id)
