"""Do the three stores agree? The Chroma collection, the SQLite catalog and the BM25 files.

Each is written by ingestion in a fixed order (catalog pending, Chroma, catalog done, BM25), so a
crash, a disk that filled, a hand-deleted file or a restored half of a data folder leaves them
disagreeing in ways a query would never report: a chunk the catalog lists but Chroma lacks is
never found densely, a vector whose chunk is gone is cited from nothing. ``check`` names each
disagreement with what to do about it; ``repair`` fixes those it can in place (vectors come from
the embedding cache, else the embedder reads the catalog's text) and says when only
``iitkb reindex`` (rebuilding from the source files) can.

Example::

    report = check(index)
    if not report.ok:
        report = repair(index, report, text_of=embedding_text)
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Callable

from iitkb.schema import Chunk
from index.lexical import LexicalIndex

# Chunks read from Chroma per get(): its SQLite backend binds one parameter per id.
READ_BATCH = 1000
REINDEX = "run `iitkb reindex` to rebuild every store from the source files"
REINDEX_FROM = ("run `iitkb reindex FOLDER...` with the source folders (a damaged catalog may not list "
                "them all) to rebuild every store")


@dataclass
class Problem:
    kind: str                   # catalog | pending | chunk_count | missing_vectors | stray_vectors | ...
    message: str
    fix: str                    # what `--repair` (or the reader) does about it
    repairable: bool = True
    ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        data = asdict(self)
        data["ids"] = self.ids[:20]          # a sample: a broken store can hold thousands
        data["count"] = len(self.ids)
        return data


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {"ok": self.ok, "counts": self.counts, "problems": [p.to_json() for p in self.problems],
                "repaired": self.repaired}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check(index) -> CheckReport:
    """Every disagreement between the catalog, Chroma and BM25 (``index`` is an ``Index``)."""
    report = CheckReport()
    if not _catalog_sound(index, report):
        return report
    catalog = _catalog_chunks(index, report)
    stored = _store_chunks(index, report)
    if stored is not None:
        _compare_dense(catalog, stored, report)
    _check_lexical(index, set(catalog), report)
    return report


def _catalog_sound(index, report: CheckReport) -> bool:
    import sqlite3

    try:
        verdict = index.catalog.integrity()
    except sqlite3.DatabaseError as exc:
        verdict = str(exc)
    if verdict != "ok":
        report.problems.append(Problem("catalog", f"the catalog {index.catalog.path} is damaged ({verdict})",
                                       REINDEX_FROM, repairable=False))
        return False
    return True


def _catalog_chunks(index, report: CheckReport) -> dict[str, str]:
    """chunk id -> text hash of every finished document's chunks; pending documents and chunk
    counts that disagree with the rows are reported on the way."""
    pending = [d.doc_id for d in index.catalog.documents("pending")]
    if pending:
        report.problems.append(Problem("pending", f"{len(pending)} document(s) were left half-written "
                                       "by a run that stopped", "remove them everywhere; the next ingest "
                                       "adds them again", ids=pending))
    chunks = index.catalog.chunks()
    per_doc: dict[str, int] = {}
    for chunk in chunks:
        per_doc[chunk.meta.get("doc_id", "")] = per_doc.get(chunk.meta.get("doc_id", ""), 0) + 1
    wrong = [d.doc_id for d in index.catalog.documents() if per_doc.get(d.doc_id, 0) != d.chunks]
    if wrong:
        report.problems.append(Problem("chunk_count", f"{len(wrong)} document(s) record another number of "
                                       "chunks than the catalog holds", "record the number held", ids=wrong))
    report.counts.update(documents=len(index.catalog.documents()), catalog_chunks=len(chunks))
    return {c.id: _digest(c.text) for c in chunks}


def _store_chunks(index, report: CheckReport) -> dict[str, str] | None:
    """chunk id -> text hash of every vector in Chroma, or None when it cannot be opened."""
    from index.store import IndexMismatchError

    try:
        store = index.store
        total = store.count()
        found: dict[str, str] = {}
        for offset in range(0, total, READ_BATCH):
            part = store.collection.get(include=["documents"], limit=READ_BATCH, offset=offset)
            found.update((i, _digest(t or "")) for i, t in zip(part["ids"], part["documents"]))
    except IndexMismatchError as exc:
        report.problems.append(Problem("embedder", str(exc), REINDEX, repairable=False))
        return None
    except Exception as exc:       # a damaged Chroma file raises whatever its reader hit
        report.problems.append(Problem("store", f"the Chroma store in {index.settings.data_dir / 'chroma'} "
                                       f"cannot be read ({exc.__class__.__name__}: {exc})", REINDEX,
                                       repairable=False))
        return None
    report.counts["store_chunks"] = len(found)
    return found


def _compare_dense(catalog: dict[str, str], stored: dict[str, str], report: CheckReport):
    missing = sorted(set(catalog) - set(stored))
    stray = sorted(set(stored) - set(catalog))
    changed = sorted(i for i in set(catalog) & set(stored) if catalog[i] != stored[i])
    if missing:
        report.problems.append(Problem("missing_vectors", f"{len(missing)} chunk(s) in the catalog have no "
                                       "vector in Chroma (never found by meaning)", "embed them again "
                                       "(from the embedding cache where it has them)", ids=missing))
    if stray:
        report.problems.append(Problem("stray_vectors", f"{len(stray)} vector(s) in Chroma belong to no "
                                       "chunk in the catalog (an answer could cite nothing)",
                                       "delete them from Chroma", ids=stray))
    if changed:
        report.problems.append(Problem("changed_text", f"{len(changed)} chunk(s) hold other text in Chroma "
                                       "than in the catalog", "write them to Chroma again", ids=changed))


def _check_lexical(index, catalog_ids: set[str], report: CheckReport):
    directory = index.settings.data_dir / "lexical"
    saved = LexicalIndex.load(directory)
    generation = index.catalog.generation
    if saved is None and not catalog_ids and not directory.exists():
        return
    if saved is None:
        why = "missing, unreadable or saved by an older version"
    elif saved.generation != generation:
        why = f"built from catalog generation {saved.generation}, the catalog is at {generation}"
    elif set(saved.ids) != catalog_ids:
        why = f"holds {len(saved.ids)} chunks, the catalog {len(catalog_ids)}"
    else:
        report.counts["lexical_chunks"] = len(saved.ids)
        return
    report.problems.append(Problem("lexical", f"the BM25 index in {directory} is {why}",
                                   "rebuild it from the catalog's stored tokens"))


def repair(index, report: CheckReport, text_of: Callable[[Chunk], str]) -> CheckReport:
    """Fix what ``report`` found, then check again; ``text_of`` is what the embedder reads for a
    chunk (ingestion's ``embedding_text``: the cache is keyed by it)."""
    fixers = {"pending": lambda p: index.recover(),
              "chunk_count": lambda p: index.catalog.recount(p.ids),
              "stray_vectors": lambda p: index.store.delete_chunks(p.ids),
              "missing_vectors": lambda p: _rewrite(index, p.ids, text_of),
              "changed_text": lambda p: _rewrite(index, p.ids, text_of)}
    done = []
    for problem in report.problems:
        if problem.repairable and problem.kind in fixers:
            fixers[problem.kind](problem)
            done.append(problem.kind)
    index.refresh_views()
    after = check(index)
    after.repaired = done + (["lexical"] if any(p.kind == "lexical" for p in report.problems) else [])
    return after


def _rewrite(index, ids: list[str], text_of: Callable[[Chunk], str]):
    """Put these chunks' vectors in Chroma again, from the cache or freshly embedded."""
    for start in range(0, len(ids), READ_BATCH):
        chunks = index.catalog.chunks(ids[start:start + READ_BATCH])
        vectors, _ = index.embed_passages([text_of(c) for c in chunks])
        index.store.upsert_chunks(chunks, vectors)


def open_and_check(settings, embedder=None):
    """(the Index, or None when its catalog cannot even be opened, and the check's report)."""
    import sqlite3

    from index.index import Index

    try:
        index = Index(settings, embedder)
        index.catalog.generation
    except sqlite3.DatabaseError as exc:
        path = settings.data_dir / "catalog.sqlite"
        return None, CheckReport([Problem("catalog", f"the catalog {path} cannot be opened ({exc})",
                                          REINDEX_FROM, repairable=False)])
    return index, check(index)
