"""The clauses a pathway cites: found by address, quoted, and hashed so a change is noticed.

A pathway step is only as good as the clauses it rests on. Each reference is an address
(source_id plus the chunker's section key, or an unnumbered heading), resolved when the pathway
runs against whatever the index holds, and each clause's text is hashed per language: when a
clause's hash no longer matches the lock file written at the last review, the steps relying on it
are flagged for review instead of silently citing text nobody has re-read.

The hash must not change when only the chunking does (another token budget cuts an article in
other places, with an overlap): a clause's text is its pieces joined back together, the overlap
between neighbours removed and whitespace dropped, before hashing.

Only public clauses are ever looked at here: the pathway is a sponsor-facing door.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Protocol

from iitkb.schema import LANGS, Chunk
from iitkb.text import split_sentences
from index.conditions import passes
from index.index import Index
from retrieval.filters import Filters, conditions
from retrieval.pathway_tree import Ref, Tree

# A piece's overlap with the one before starts where the splitter cut, after a space or a
# punctuation mark; a match that starts mid-word is a coincidence between two pieces, not overlap.
_CUT_AFTER = set(" ,.;:!?，。；：！？、)）]」”\"'")
# A citation quotes the clause's opening sentences up to about this many characters: enough to
# check a step against, short enough to read in a footnote; the whole clause is in the source.
QUOTE_CHARS = 320
HASH_CHARS = 16        # 64 bits of SHA-256: no collision among a few hundred clauses
_SPACE = re.compile(r"\s+")


class ClauseSource(Protocol):
    """Where clauses come from: the index (``IndexClauses``), or chunks read from files."""

    @property
    def generation(self) -> int: ...

    def chunks(self, source_ids: set[str]) -> list[Chunk]: ...


class IndexClauses:
    """The index's chunks of the cited rules, as a sponsor may see them (public only)."""

    def __init__(self, index: Index):
        self.index = index

    @property
    def generation(self) -> int:
        return self.index.generation

    def chunks(self, source_ids: set[str]) -> list[Chunk]:
        conds = sponsor_conditions()
        return [c for c in self.index.chunks() if c.meta.get("source_id") in source_ids and passes(c.meta, conds)]


class ChunkClauses:
    """Clauses from chunks already in memory (the corpus files read by ingest's loaders)."""

    def __init__(self, chunks: list[Chunk], generation: int = 0):
        self._chunks = chunks
        self.generation = generation

    def chunks(self, source_ids: set[str]) -> list[Chunk]:
        return [c for c in self._chunks if c.meta.get("source_id") in source_ids]


def sponsor_conditions():
    return conditions("sponsor", Filters(), [])


class ClauseBook:
    """The cited rules' public clauses by address, in each language, pieces in document order."""

    def __init__(self, chunks: list[Chunk]):
        conds = sponsor_conditions()
        self._by_key: dict[tuple[str, str, str], list[Chunk]] = {}
        self._by_label: dict[tuple[str, str, str], list[Chunk]] = {}
        for chunk in sorted(chunks, key=lambda c: (c.meta.get("doc_id", ""), c.meta.get("chunk_index", 0))):
            if not passes(chunk.meta, conds):            # the last guard: a sponsor door
                continue
            m = chunk.meta
            self._by_key.setdefault((m["source_id"], m["lang"], m.get("section_key", "")), []).append(chunk)
            self._by_label.setdefault((m["source_id"], m["lang"], _squash(m.get("section", ""))), []).append(chunk)

    def pieces(self, ref: Ref, lang: str) -> list[Chunk]:
        if ref.section_key:
            return self._by_key.get((ref.source_id, lang, ref.section_key), [])
        return self._by_label.get((ref.source_id, lang, _squash(dict(ref.heading)[lang])), [])

    def hashes(self, ref: Ref) -> dict[str, str | None]:
        """The clause's hash in each language (None where that language has no such clause)."""
        return {lang: clause_hash([c.text for c in pieces]) if (pieces := self.pieces(ref, lang)) else None
                for lang in LANGS}

    def cite(self, ref: Ref, lang: str) -> Chunk | None:
        """The clause's first piece in ``lang``, or in the other language when only that exists."""
        for wanted in (lang, *[other for other in LANGS if other != lang]):
            pieces = self.pieces(ref, wanted)
            if pieces:
                return pieces[0]
        return None


def clause_text(pieces: list[str]) -> str:
    """The pieces joined back into the clause: overlaps removed, whitespace dropped."""
    merged = ""
    for piece in (" ".join(p.split()) for p in pieces):
        size = _overlap(merged, piece)
        merged += piece[size:] if size else f" {piece}"
    return _SPACE.sub("", merged)


def clause_hash(pieces: list[str]) -> str:
    return hashlib.sha256(clause_text(pieces).encode("utf-8")).hexdigest()[:HASH_CHARS]


def _overlap(before: str, piece: str) -> int:
    """The longest start of ``piece`` that ends ``before`` and begins where a splitter cuts."""
    for size in range(min(len(before), len(piece)), 0, -1):
        if before.endswith(piece[:size]) and (size == len(before) or before[-size - 1] in _CUT_AFTER):
            return size
    return 0


def quote(chunk: Chunk) -> str:
    """The clause's opening sentences, its own heading line left out (every clause but a
    document's header opens with the line that heads it)."""
    lines = chunk.text.splitlines()
    if chunk.meta.get("section_key") != "head" and len(lines) > 1:
        lines = lines[1:]
    picked: list[str] = []
    for sentence in split_sentences("\n".join(lines)):
        if picked and len(" ".join(picked + [sentence])) > QUOTE_CHARS:
            break
        picked.append(sentence)
    joiner = "" if chunk.meta.get("lang") == "zh" else " "
    return joiner.join(picked)


def _squash(text: str) -> str:
    return " ".join(str(text).split())


# the lock: the hashes the steps were last reviewed against -----------------------------------
def lock_path(tree: Tree) -> Path:
    if tree.path is None:
        raise ValueError("this tree was not read from a file, so it has no lock file")
    return tree.path.with_name(tree.path.name.removesuffix(".yaml") + ".lock.json")


def read_lock(path: Path) -> dict[str, dict[str, str | None]]:
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))["clauses"]
    except (ValueError, KeyError) as exc:
        raise ValueError(f"{path} is not a pathway lock file ({exc}); rewrite it with "
                         "`iitkb pathway --refresh-lock`") from None


def current_hashes(tree: Tree, book: ClauseBook) -> dict[str, dict[str, str | None]]:
    return {ref.id: book.hashes(ref) for ref in tree.refs()}


def changed_refs(lock: dict, hashes: dict) -> list[str]:
    """References whose clause differs from the lock (or is missing, or was never locked)."""
    return sorted(ref_id for ref_id, now in hashes.items()
                  if lock.get(ref_id) != now or any(h is None for h in now.values()))


def write_lock(tree: Tree, book: ClauseBook) -> list[str]:
    """Record the current clause hashes as reviewed; returns the references that changed."""
    path = lock_path(tree)
    hashes = current_hashes(tree, book)
    changed = changed_refs(read_lock(path), hashes)
    body = {"tree": tree.id, "version": tree.version, "clauses": dict(sorted(hashes.items()))}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return changed
