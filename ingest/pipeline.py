"""Files -> documents -> chunks -> index, incrementally and safely.

Why it is shaped this way:
- Incremental: a file whose content hash (with its sidecar, the access flag and the chunker's
  settings) is unchanged is not read again; vectors come from a cache keyed by model and text.
- Crash-safe: a document is marked pending in the catalog before Chroma is touched and done after;
  the next run first removes whatever a killed run left pending, so kill -9 at any point followed
  by a re-run gives the index of one clean run.
- Overlapped: later files are read and chunked while earlier ones are embedded (on threads, for
  embedders that allow it), but the catalog and the store are written file by file, in order,
  only once a file's vectors exist.
- Bad input never stops the batch and never costs what is already indexed: a file that cannot be
  read is skipped with a reason, and its previously indexed version stays.

Example::

    report = Ingestor(load_settings()).run([Path("corpus")], prune=True)
    print(report.to_json())
"""

from __future__ import annotations

import fnmatch
from collections import deque
import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from iitkb.glossary import load_glossary
from iitkb.paths import is_inside, on_disk, stored_path
from iitkb.schema import DOCUMENT_TYPES, DocMeta, MetadataError, unsupported_type
from iitkb.settings import Settings
from iitkb.tokenize import tokenizer_for
from index.catalog import DocRecord
from index.embedders import Embedder, EmbedderError
from index.index import Index, Written
from ingest.chunking import CHUNKER_VERSION, Chunker, embedding_text
from ingest.docmeta import document_meta
from ingest.loaders import SIDECAR_SUFFIX, SkipFile, load, sidecar_path
from ingest.metadata import number_key
from ingest.report import RunReport, access_warning  # noqa: F401 (re-exported for callers)

IGNORE_FILE = ".iitkbignore"
# Files read and chunked ahead of the one being stored: enough that a store write (about a
# second for the first, which opens Chroma) does not leave the embedder idle; each holds only a
# file's chunks and vectors.
LOOKAHEAD = 8
# Files embedded at once: two files' windows share the embedder's worker pool, so a core does not
# wait while the other runs a file's last window (bundled corpus, 2 cores: 15.3 s with one, 14.8
# with two).
EMBEDDING_FILES = 2
NOT_DOCUMENTS = (SIDECAR_SUFFIX, IGNORE_FILE)


def discover(paths: list[Path], report: RunReport) -> list[Path]:
    """Files under ``paths``, skipping hidden ones and whatever ``.iitkbignore`` lists.

    A symbolic link is followed only when its target lies inside one of ``paths``: a link out of
    the ingested folders (to a users file, a home directory) is skipped with the reason, so it
    cannot put a file nobody chose to ingest into the index. Each file and folder is taken once
    by its resolved path, so a link loop or two links to one file index it once."""
    roots = [Path(root).resolve() for root in paths if Path(root).exists()]
    seen: set[Path] = set()
    found: list[Path] = []
    for root in paths:
        if not root.exists():
            report.skip(str(root), "no such file or directory")
        elif root.is_file():
            _take(root, seen, found)
        else:
            seen.add(root.resolve())
            found.extend(_walk(root, [], roots, seen, report))
    return found


def _take(path: Path, seen: set[Path], found: list[Path]) -> None:
    resolved = path.resolve()
    if resolved not in seen:
        seen.add(resolved)
        found.append(path)


def _walk(directory: Path, patterns: list[tuple[Path, str]], roots: list[Path], seen: set[Path],
          report: RunReport) -> list[Path]:
    ignore = directory / IGNORE_FILE
    if ignore.exists():
        patterns = patterns + [(directory, line.strip()) for line in ignore.read_text().splitlines()
                               if line.strip() and not line.startswith("#")]
    files: list[Path] = []
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith(".") or _ignored(entry, patterns):
            continue
        if entry.is_symlink() and not _link_stays_inside(entry, roots, report):
            continue
        if entry.is_dir():
            if entry.resolve() not in seen:
                seen.add(entry.resolve())
                files.extend(_walk(entry, patterns, roots, seen, report))
        elif entry.is_file() and not entry.name.endswith(NOT_DOCUMENTS):
            _take(entry, seen, files)
    return files


def _link_stays_inside(link: Path, roots: list[Path], report: RunReport) -> bool:
    """Whether a symbolic link resolves to something inside the ingested roots (else skipped)."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError) as exc:          # a dangling link, or a loop of links
        report.skip(str(link), f"symbolic link that leads nowhere ({exc.__class__.__name__}): "
                               "fix or remove it")
        return False
    if not is_inside(target, roots):
        report.skip(str(link), f"symbolic link to {target}, outside the folders being ingested: "
                               "copy the file in instead if it belongs in the index")
        return False
    return True


def _ignored(entry: Path, patterns: list[tuple[Path, str]]) -> bool:
    for base, pattern in patterns:
        relative = entry.relative_to(base).as_posix()
        if pattern.endswith("/"):
            if entry.is_dir() and fnmatch.fnmatch(relative, pattern.rstrip("/")):
                return True
        elif fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(entry.name, pattern):
            return True
    return False


@dataclass
class _Prepared:
    """A file read and chunked, its vectors on their way (a future of ``(vectors, fresh)``);
    ``meta`` is None for a file that is unchanged since it was indexed."""

    shown: str
    file_hash: str
    previous: DocRecord | None
    meta: DocMeta | None = None
    chunks: list = field(default_factory=list)
    tokens: list = field(default_factory=list)
    ocr_pages: list = field(default_factory=list)
    vectors: Future | None = None


@dataclass
class _Step:
    """What is left to do for one file once its vectors exist."""

    finish: Callable[[dict], None]
    vectors: Future | None = None

    def __call__(self, claimed: dict):
        self.finish(claimed)

    def ready(self) -> bool:
        return self.vectors is None or self.vectors.done()


def _texts(prepared: _Prepared) -> list[str]:
    return [embedding_text(c) for c in prepared.chunks]


def _done(value) -> Future:
    future = Future()
    future.set_result(value)
    return future


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
        self._rules: dict[str, str] | None = None

    def close(self):
        self.index.close()

    def run(self, paths: list[Path], access: str | None = None, prune: bool = False) -> RunReport:
        if access not in (None, "public", "internal"):
            raise ValueError(f"access must be public or internal, not {access!r}")
        report = RunReport()
        self.recover()
        files = discover(paths, report)
        claimed: dict[str, str] = {}
        ahead = ThreadPoolExecutor(EMBEDDING_FILES, thread_name_prefix="ingest-embed") \
            if self.embedder.thread_safe else None
        try:
            waiting: deque = deque()
            for number, path in enumerate(files, start=1):
                shown = stored_path(path)
                self.progress(number, len(files), shown)
                waiting.append(self._start(path, shown, access, report, ahead))
                while waiting and (len(waiting) > LOOKAHEAD or waiting[0].ready()):
                    waiting.popleft()(claimed)
            while waiting:
                waiting.popleft()(claimed)
            self._flush()
        except EmbedderError:
            self._flush()     # files embedded before the failing one are stored; it keeps its old version
            raise
        finally:
            # a run that failed leaves its unwritten documents pending in the catalog, for the
            # next run's `recover` to clear; they must not ride along into that run's first write
            self._pending = []
            if ahead:
                ahead.shutdown(cancel_futures=True)
        if prune:
            self._prune(paths, report)
        if report.added or report.updated or report.removed or not self.index.views_current():
            self.index.refresh_views()
        return report

    def recover(self):
        self.index.recover()

    def _start(self, path: Path, shown: str, access: str | None, report: RunReport, ahead):
        """Reads and chunks one file and starts embedding its chunks (on the ``ahead`` threads
        when the embedder allows it); returns the step that finishes the file. Steps run in file
        order once a file's vectors exist, so later files are read and chunked while earlier
        ones are embedded (bundled corpus, first ingest on 2 cores: 16.6 s one file after
        another, under 15 s this way). Only the steps touch the catalog and the store."""
        try:
            prepared = self._prepare(path, shown, access)
        except (SkipFile, MetadataError) as exc:
            reason = str(exc)
            return _Step(lambda claimed: report.skip(shown, reason))
        if prepared.chunks and ahead:
            prepared.vectors = ahead.submit(self.index.embed_passages, _texts(prepared))
        elif prepared.chunks:
            prepared.vectors = _done(self.index.embed_passages(_texts(prepared)))

        def finish(claimed: dict):
            try:
                self._finish(prepared, claimed, report)
            except (SkipFile, MetadataError) as exc:
                report.skip(shown, str(exc))
        return _Step(finish, prepared.vectors)

    def _prepare(self, path: Path, shown: str, access: str | None) -> "_Prepared":
        size_mb = path.stat().st_size / 1e6
        if size_mb > self.settings.max_file_mb:
            raise SkipFile(f"file is {size_mb:.1f} MB, over the {self.settings.max_file_mb:g} MB limit "
                           "(raise IITKB_MAX_FILE_MB or split the file)")
        if path.suffix.lower() not in DOCUMENT_TYPES:
            raise SkipFile(unsupported_type(path.suffix, DOCUMENT_TYPES))
        file_hash = self._hash(path, access)
        previous = self.index.document_at(shown)
        if previous and previous.file_hash == file_hash and previous.state == "done":
            return _Prepared(shown, file_hash, previous)
        loaded = load(path)
        meta = self._metadata(path, shown, loaded, access)
        chunks = self.chunker.chunk(meta, loaded.lines)
        if not chunks:
            raise SkipFile("no text left after chunking: nothing to index")
        tokens = [self.tokenizer.tokens(f"{c.meta['section']}\n{c.text}") for c in chunks]
        return _Prepared(shown, file_hash, previous, meta, chunks, tokens, loaded.ocr_pages)

    def _finish(self, prepared: "_Prepared", claimed: dict, report: RunReport):
        shown, meta, previous = prepared.shown, prepared.meta, prepared.previous
        if meta is None:
            claimed[previous.doc_id] = shown
            report.unchanged += 1
            report.defaulted_access(shown, previous.meta.get("defaulted", []))
            return
        moved = self._check_unique(meta.doc_id, shown, claimed)
        report.note(shown, meta, prepared.chunks, prepared.ocr_pages)
        vectors, fresh = prepared.vectors.result()
        report.chunks_embedded += fresh
        if previous and previous.doc_id != meta.doc_id:
            self.index.remove(previous.doc_id)
        self.index.begin(meta.doc_id, shown, prepared.file_hash, asdict(meta))
        self._queue(Written(meta.doc_id, prepared.chunks, vectors, prepared.tokens))
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
        """Declared metadata, else read from the text, else defaults (ingest/docmeta.py)."""
        declared = loaded.meta.get("access")
        meta = document_meta(path, shown, loaded, effective_access(declared, access),
                             declared is not None or access is not None, self._known_rules())
        if meta.doc_number:
            self._rules.setdefault(number_key(meta.doc_number), meta.source_id)
        return meta

    def _known_rules(self) -> dict[str, str]:
        """Document number -> source_id of the indexed rules (declared source_ids first)."""
        if self._rules is None:
            records = sorted(self.index.documents(), key=lambda d: "source_id" in d.meta.get("defaulted", []))
            self._rules = {}
            for record in records:
                if record.meta.get("doc_number"):
                    self._rules.setdefault(number_key(record.meta["doc_number"]), record.meta["source_id"])
        return self._rules

    def preview(self, paths: list[Path], access: str | None = None) -> RunReport:
        """What ``run`` would index, per file, with where each field came from; writes nothing."""
        report = RunReport(dry_run=True)
        for path in discover(paths, report):
            shown = stored_path(path)
            try:
                loaded = load(path)
                meta = self._metadata(path, shown, loaded, access)
                report.note(shown, meta, self.chunker.chunk(meta, loaded.lines), loaded.ocr_pages)
            except (SkipFile, MetadataError) as exc:
                report.skip(shown, str(exc))
        return report

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

    def _prune(self, paths: list[Path], report: RunReport):
        roots = [stored_path(p) for p in paths]
        for record in self.index.documents(state=None):
            inside = any(record.path == r or record.path.startswith(r.rstrip("/") + "/") for r in roots)
            if inside and not on_disk(record.path):
                self.index.remove(record.doc_id)
                report.removed += 1

    def remove_document(self, doc_id: str) -> bool:
        return self.index.remove(doc_id)
