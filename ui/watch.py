"""A watched folder, and the change report of an ingest run: which documents were added, changed
or removed, and for a changed one (or a newer version of a rule already indexed) which clauses.

Ingestion replaces a changed document's chunks, so the old clauses are read before the run
(those of the documents under the paths being ingested) and compared with the new ones after
it by ``retrieval.diff``. This glue lives here, beside the doors that call it, because ingestion
never imports retrieval. Watching polls: a folder's listing (names, sizes, modification times)
is cheap to read, and ingestion runs only when it moved; the run itself is incremental anyway.

Example::

    run, report = ingest_with_report(ingestor, [Path("inbox")])
    json_path, md_path = write_report(report, settings.data_dir / REPORT_DIR)
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Callable

from iitkb.paths import is_inside, resolve_stored
from retrieval.diff import clauses, diff_clauses
from retrieval.versions import Versions

REPORT_DIR = "change-reports"          # under the data folder, unless a door is told otherwise
# Seconds between looks at a watched folder: a new rule arrives a few times a year, and listing a
# folder of hundreds of files costs milliseconds, so half a minute is prompt and idle alike.
POLL_S = 30.0
CLAUSE_FIELDS = ("kind", "old_section", "new_section", "summary")
DOC_FIELDS = ("doc_id", "source_id", "title", "lang", "doc_type", "status", "access", "doc_number")
KIND_TITLES = {"added": "Added", "changed": "Changed", "removed": "Removed"}


class Snapshot:
    """The catalog before a run: every finished document, and the chunks of those under ``paths``."""

    def __init__(self, index, paths: list[Path]):
        self.docs = {d.doc_id: d for d in index.documents()}
        inside = {i for i, d in self.docs.items() if is_inside(resolve_stored(d.path), paths)}
        self.chunks = _chunks_of(index, inside)


def ingest_with_report(ingestor, paths: list[Path], access: str | None = None,
                       prune: bool = False) -> tuple[object, dict]:
    """Run ``ingestor`` on ``paths`` and report what changed in the catalog."""
    before = Snapshot(ingestor.index, paths)
    run = ingestor.run(paths, access=access, prune=prune)
    return run, change_report(before, ingestor.index, run, paths)


def change_report(before: Snapshot, index, run, paths: list[Path]) -> dict:
    """The report's JSON object (docs/ARCHITECTURE.md)."""
    now = {d.doc_id: d for d in index.documents()}
    added = sorted(set(now) - set(before.docs))
    changed = sorted(i for i in set(now) & set(before.docs) if now[i].file_hash != before.docs[i].file_hash)
    removed = sorted(set(before.docs) - set(now))
    versions = Versions([d.meta for d in now.values()])
    previous = {i: _previous(versions, now[i].meta) for i in added}
    wanted = set(added) | set(changed) | {p["doc_id"] for p in previous.values() if p}
    chunks = _chunks_of(index, wanted)
    documents = [_entry("added", now[i].meta, previous[i], previous[i] and (
                    before.chunks.get(previous[i]["doc_id"]) or chunks.get(previous[i]["doc_id"], [])),
                        chunks.get(i, [])) for i in added]
    documents += [_entry("changed", now[i].meta, None, before.chunks.get(i), chunks.get(i, [])) for i in changed]
    documents += [_entry("removed", before.docs[i].meta, None, None, None) for i in removed]
    return {"created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "paths": [str(p) for p in paths], "index_version": index.version(),
            "run": {k: getattr(run, k) for k in ("added", "updated", "unchanged", "removed", "skipped")},
            "documents": documents}


def _previous(versions: Versions, meta: dict) -> dict | None:
    """The version an added document follows in its rule's chain, in its language."""
    chain, version = versions.chain(meta["doc_id"]), versions.version(meta["doc_id"])
    older = chain.previous(version) if chain else None
    doc = older.docs.get(meta.get("lang")) if older else None
    return {k: doc.get(k) for k in ("doc_id", "title", "lang")} if doc else None


def _entry(change: str, meta: dict, previous: dict | None, old_chunks, new_chunks) -> dict:
    entry = {"change": change, **{k: meta.get(k) for k in DOC_FIELDS}, "path": meta.get("path"),
             "previous": previous, "counts": None, "clauses": []}
    if old_chunks and new_chunks:
        found, unchanged = diff_clauses(clauses(old_chunks), clauses(new_chunks), meta.get("lang") or "en")
        entry["clauses"] = [{k: c.to_json()[k] for k in CLAUSE_FIELDS} for c in found]
        entry["counts"] = {**{k: sum(c.kind == k for c in found) for k in ("added", "removed", "changed", "moved")},
                           "unchanged": unchanged}
    return entry


def _chunks_of(index, doc_ids: set[str]) -> dict[str, list]:
    """The documents' chunks in reading order, read in one pass over the catalog."""
    out: dict[str, list] = {}
    if doc_ids:
        for chunk in index.chunks():
            if chunk.meta.get("doc_id") in doc_ids:
                out.setdefault(chunk.meta["doc_id"], []).append(chunk)
    return out


# writing ----------------------------------------------------------------------------------
def write_report(report: dict, directory: Path) -> tuple[Path, Path]:
    """The report as JSON and Markdown side by side, named for the time it was made."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = "changes-" + report["created"].replace(":", "").replace("-", "").replace("+0000", "Z")
    base, n = directory / stem, 1
    while base.with_suffix(".json").exists():
        n += 1
        base = directory / f"{stem}-{n}"
    json_path, md_path = base.with_suffix(".json"), base.with_suffix(".md")
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    md_path.write_text(to_markdown(report), encoding="utf-8")
    return json_path, md_path


def to_markdown(report: dict) -> str:
    run = report["run"]
    lines = [f"# Change report, {report['created']}", "",
             f"Ingested {', '.join(report['paths'])}: {run['added']} added, {run['updated']} updated, "
             f"{run['removed']} removed, {run['unchanged']} unchanged, {len(run['skipped'])} skipped. "
             f"Index version {report['index_version']}.", ""]
    for kind, heading in KIND_TITLES.items():
        entries = [d for d in report["documents"] if d["change"] == kind]
        if entries:
            lines += [f"## {heading}", ""] + [line for d in entries for line in _md_entry(d)]
    if not report["documents"]:
        lines.append("No document changed.")
    return "\n".join(lines).rstrip() + "\n"


def _md_entry(doc: dict) -> list[str]:
    head = f"- **{doc['title']}** ({doc['doc_id']}, {doc['lang']}, {doc['status']}, {doc['access']})"
    if doc["previous"]:
        head += f": a new version of **{doc['previous']['title']}** ({doc['previous']['doc_id']})"
    if doc["counts"] is not None:
        counts = doc["counts"]
        head += (f"; {counts['changed']} clause(s) changed, {counts['moved']} moved, {counts['added']} added, "
                 f"{counts['removed']} removed")
    return [head] + [f"  - {c['kind']}: {c['summary']}" for c in doc["clauses"]] + [""]


# watching ---------------------------------------------------------------------------------
def listing(paths: list[Path]) -> tuple:
    """What a poll compares: every file under ``paths`` with its size and modification time."""
    found = []
    for root in paths:
        files = [root] if root.is_file() else (p for p in root.rglob("*") if p.is_file())
        for path in files:
            stat = path.stat()
            found.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(found))


def watch(ingestor, paths: list[Path], on_report: Callable[[object, dict], None], interval: float = POLL_S,
          once: bool = False, access: str | None = None, prune: bool = True,
          sleep: Callable[[float], None] = time.sleep):
    """Ingest ``paths`` whenever their listing moves (at once on start), handing each run and its
    report to ``on_report``; ``once`` stops after the first look."""
    seen = None
    while True:
        now = listing(paths)
        if now != seen:
            run, report = ingest_with_report(ingestor, paths, access=access, prune=prune)
            on_report(run, report)
            seen = now
        if once:
            return
        sleep(interval)
