"""Uploaded documents: save, check, ingest, remove. The admin page's one door into ingestion.

Why it is shaped this way:
- An upload's name comes from a stranger's computer, so it is saved under a slug of that name
  (no folders, no leading dots, one allowed suffix) in ``data_dir/uploads``, never where it says.
- A file the run does not index (unreadable, a duplicate doc_id, a failed run) must not stay in
  the uploads folder, where a later run would pick it up or ``/source`` could serve it. A file it
  replaced is put back, so the folder always matches the index.
- Runs go one at a time through one lock: the pipeline's pending/done bookkeeping assumes a
  single writer.

Example::

    uploads = Uploads(settings)
    report = uploads.ingest([Path("/tmp/gradio/abc/Rules v2.pdf")], access="public")
    uploads.remove("rules-v2")
"""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
from pathlib import Path
from typing import Callable

from iitkb.paths import is_inside, resolve_stored, stored_path
from iitkb.schema import DOCUMENT_TYPES, unsupported_type
from iitkb.settings import Settings
from index.embedders import Embedder
from index.index import Index
from ingest.pipeline import Ingestor, RunReport

UPLOAD_FOLDER = "uploads"
SLUG_CHARS = 80                   # long enough for any real title, short enough for every filesystem
REPLACED_PREFIX = ".replaced-"    # a hidden name: ingestion skips hidden files


class UploadError(ValueError):
    """An upload that cannot be saved as given; the message says why."""


def uploads_dir(settings: Settings) -> Path:
    return settings.data_dir / UPLOAD_FOLDER


def safe_upload_name(original: str) -> str:
    """A slug for an uploaded file's name: no folders, no dots but the allowed suffix."""
    name = Path(original.replace("\\", "/")).name
    suffix = Path(name).suffix.lower()
    if suffix not in DOCUMENT_TYPES:
        raise UploadError(unsupported_type(suffix, DOCUMENT_TYPES))
    stem = re.sub(r"[^a-z0-9]+", "-", name[: -len(suffix)].lower()).strip("-")[:SLUG_CHARS]
    return f"{stem or 'document-' + hashlib.sha1(name.encode()).hexdigest()[:8]}{suffix}"


class Uploads:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.folder = uploads_dir(settings)
        self._embedder = embedder
        self._ingestor: Ingestor | None = None
        self._lock = threading.Lock()

    @property
    def index(self) -> Index:
        """The index the uploads are written to (built on first use)."""
        return self._get_ingestor().index

    def _get_ingestor(self) -> Ingestor:
        if self._ingestor is None:
            self._ingestor = Ingestor(self.settings, embedder=self._embedder)
        return self._ingestor

    def close(self):
        if self._ingestor is not None:
            self._ingestor.close()

    # saving -------------------------------------------------------------------------------
    def check(self, source: Path, taken: set[str]) -> str:
        """The name ``source`` will be saved under, after checking its type and size."""
        name = safe_upload_name(source.name)
        size_mb = source.stat().st_size / 1e6
        limit = self.settings.max_file_mb
        if size_mb > limit:
            raise UploadError(f"file is {size_mb:.1f} MB, over the {limit:g} MB limit")
        if name in taken:
            raise UploadError(f"another file in this upload is also saved as {name}; rename one")
        return name

    def _save(self, sources: list[Path], report: RunReport) -> list[tuple[Path, Path | None]]:
        """Copy each acceptable upload into the folder: (saved file, the file it replaced)."""
        saved: list[tuple[Path, Path | None]] = []
        for source in sources:
            try:
                name = self.check(source, {target.name for target, _ in saved})
                saved.append(self._copy(source, name))
            except (UploadError, OSError) as exc:
                report.skip(source.name, str(exc))
        return saved

    def _copy(self, source: Path, name: str) -> tuple[Path, Path | None]:
        """Copy into the folder, moving a file of the same name aside until the run is done."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / name
        replaced = self.folder / f"{REPLACED_PREFIX}{name}" if target.exists() else None
        if replaced is not None:
            target.replace(replaced)
        try:
            shutil.copyfile(source, target)
        except OSError:
            target.unlink(missing_ok=True)
            if replaced is not None:
                replaced.replace(target)
            raise
        return target, replaced

    # ingesting ----------------------------------------------------------------------------
    def ingest(self, sources: list[Path], access: str,
               progress: Callable[[int, int, str], None] | None = None) -> dict:
        """Save, ingest and tidy up; the run report, with what was saved under ``saved_as``.

        Whatever happens, each saved file is either what the index now holds at its path or gone
        (the file it replaced back in its place)."""
        if access not in ("public", "internal"):
            raise UploadError("choose public or internal access")
        report = RunReport()
        with self._lock:
            saved = self._save(sources, report)
            targets = [target for target, _ in saved]
            before = self._hashes(targets)
            keep: set[Path] = set()
            try:
                if targets:
                    run = self._run(targets, access, progress)
                    skipped = {entry["path"] for entry in run.skipped}
                    keep = {t for t in targets if stored_path(t) not in skipped}
                    run.skipped = report.skipped + run.skipped
                    report = run
            except Exception:
                keep = self._after_failure(targets, before)
                raise
            finally:
                self._tidy(saved, keep)
        data = report.to_json()
        data["saved_as"] = [str(target.relative_to(self.settings.data_dir)) for target in targets]
        return data

    def _run(self, targets: list[Path], access: str, progress) -> RunReport:
        ingestor = self._get_ingestor()
        ingestor.progress = progress or (lambda done, total, path: None)
        return ingestor.run(targets, access=access)

    def _hashes(self, paths: list[Path]) -> dict[Path, str | None]:
        """The content hash the index records for each path now (None: not indexed)."""
        if not paths:
            return {}
        index = self.index
        return {p: getattr(index.document_at(stored_path(p)), "file_hash", None) for p in paths}

    def _after_failure(self, targets: list[Path], before: dict[Path, str | None]) -> set[Path]:
        """After a run that raised: clear what it left pending, start the next run afresh, and
        keep only the files it finished indexing anew."""
        ingestor, self._ingestor = self._ingestor, None
        if ingestor is None:
            return set()
        try:
            ingestor.recover()
            records = {t: ingestor.index.document_at(stored_path(t)) for t in targets}
        except Exception:       # the index is failing too; the next run's recovery tidies it
            return set()
        finally:
            ingestor.close()
        return {t for t, r in records.items() if r and r.state == "done" and r.file_hash != before.get(t)}

    @staticmethod
    def _tidy(saved: list[tuple[Path, Path | None]], keep: set[Path]):
        """Keep each file in ``keep`` (dropping what it replaced); restore or delete the rest."""
        for target, replaced in saved:
            if target in keep:
                if replaced is not None:
                    replaced.unlink(missing_ok=True)
            elif replaced is not None:
                replaced.replace(target)
            else:
                target.unlink(missing_ok=True)

    # removing -----------------------------------------------------------------------------
    def remove(self, doc_id: str) -> bool:
        """Take a document out of the index; an uploaded file goes too, so it does not return."""
        with self._lock:
            index = self.index
            record = index.document(doc_id)
            if record is None or not index.remove(doc_id):
                return False
            index.refresh_views()
        stored = resolve_stored(record.path)
        if is_inside(stored, [self.folder]):
            stored.unlink(missing_ok=True)
        return True
