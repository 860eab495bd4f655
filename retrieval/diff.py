"""What changed between two versions of a rule, clause by clause.

The core, ``diff_clauses``, works on two lists of clauses (section key, label, text), so it runs
on anything that has clauses; ``Differ`` reads them from the index for two documents named by
doc_id or source_id, visible to a role. Clauses are paired by ``retrieval.align`` (article number
and content), and each difference is one ``Change``: added, removed, changed (same place, other
words) or moved (renumbered, merged into another clause or split out of one; its wording may
have changed too), with a one-line summary in the documents' language, the word-level
difference, and a citation of each side.

Example::

    differ = Differ(Index(load_settings()))
    result = differ.diff("nhc-iit-2021", "nhc-iit-2024", role="sponsor", lang="en")
    for change in result.changes:
        print(change.kind, change.summary)
    result.to_json()         # the docs/ARCHITECTURE.md object of `iitkb diff --json`
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from iitkb.schema import LANGS, Chunk
from index.index import Index
from retrieval.align import Clause, align
from retrieval.filters import VISIBLE, check_role
from retrieval.versions import Versions
from retrieval.wording import edit_phrase, snippet, word_diff

_SENTENCE_END = re.compile(r"[。！？；.!?;]\s*$")
KINDS = ("added", "removed", "changed", "moved")
DOC_FIELDS = ("doc_id", "source_id", "title", "lang", "doc_type", "issuer", "doc_number", "issued",
              "effective", "status", "access", "path")
CITATION_FIELDS = ("doc_id", "source_id", "title", "lang", "issuer", "doc_number", "section", "page", "status", "path")
SUMMARIES = {
    "en": {"added": "Added {new}: {text}", "removed": "Removed {old}: {text}", "changed": "{new} changed: {edit}",
           "renumbered": "{old} is now {new}; {edit}", "merged": "{old} merged into {new}",
           "split": "{new} split out of {old}", "retitled": "{old} is now headed {new}; {edit}",
           "head": "the preamble"},
    "zh": {"added": "新增{new}：{text}", "removed": "删除{old}：{text}", "changed": "{new}修改：{edit}",
           "renumbered": "{old}调整为{new}；{edit}", "merged": "{old}并入{new}",
           "split": "{new}由{old}拆分而来", "retitled": "{old}标题改为{new}；{edit}",
           "head": "文件概况"},
}


class DiffError(ValueError):
    """Two documents that cannot be compared as named; the message says what to give instead."""


@dataclass
class Change:
    kind: str
    old: Clause | None
    new: Clause | None
    summary: str
    words: list[tuple[str, str]] = field(default_factory=list)
    how: str = ""                   # the alignment: same, renumbered, merged, split, added, removed
    similarity: float = 0.0

    def to_json(self) -> dict:
        return {"kind": self.kind, "old_section": self.old.label if self.old else None,
                "new_section": self.new.label if self.new else None, "summary": self.summary,
                "old_text": self.old.text if self.old else None, "new_text": self.new.text if self.new else None,
                "words": [list(w) for w in self.words], "alignment": self.how,
                "similarity": round(self.similarity, 3),
                "old_citation": _citation(self.old), "new_citation": _citation(self.new)}


@dataclass
class DocDiff:
    old: dict
    new: dict
    changes: list[Change]
    unchanged: int = 0
    linked: bool = False            # the two are versions of one rule (versions.py)

    def counts(self) -> dict:
        return {**{kind: sum(c.kind == kind for c in self.changes) for kind in KINDS}, "unchanged": self.unchanged}

    def to_json(self) -> dict:
        return {"old": {k: self.old.get(k) for k in DOC_FIELDS}, "new": {k: self.new.get(k) for k in DOC_FIELDS},
                "linked": self.linked, "counts": self.counts(), "changes": [c.to_json() for c in self.changes]}


def diff_clauses(old: list[Clause], new: list[Clause], lang: str = "en") -> tuple[list[Change], int]:
    """The changes from ``old`` to ``new`` in reading order, and how many clauses are unchanged."""
    changes, unchanged = [], 0
    for pair in align(old, new):
        a = old[pair.old] if pair.old is not None else None
        b = new[pair.new] if pair.new is not None else None
        change = _change(a, b, pair.how, lang)
        if change is None:
            unchanged += 1
            continue
        change.similarity = pair.similarity
        changes.append(change)
    return changes, unchanged


def _change(a: Clause | None, b: Clause | None, how: str, lang: str) -> Change | None:
    text = SUMMARIES[lang]
    if a is None:
        return Change("added", None, b, text["added"].format(new=_label(b, lang), text=snippet(_body(b))), how=how)
    if b is None:
        return Change("removed", a, None, text["removed"].format(old=_label(a, lang), text=snippet(_body(a))), how=how)
    same_words = _flat(a.text) == _flat(b.text)
    if how == "same" and same_words and _flat(a.label) == _flat(b.label):
        return None
    ops = [] if same_words else word_diff(a.text, b.text)
    edit = edit_phrase(ops, lang)
    if how == "same":
        template = "retitled" if same_words else "changed"
        return Change("changed", a, b, text[template].format(old=_label(a, lang), new=_label(b, lang), edit=edit),
                      ops, how)
    return Change("moved", a, b, text[how].format(old=_label(a, lang), new=_label(b, lang), edit=edit), ops, how)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _body(clause: Clause) -> str:
    """The clause's text without the heading line it starts with ("Article 1 Purpose")."""
    first, _, rest = clause.text.partition("\n")
    label = _flat(clause.label)
    heading = _flat(first).startswith((label, label.split(" ")[-1])) and not _SENTENCE_END.search(first)
    return rest if rest.strip() and heading else clause.text


def _label(clause: Clause, lang: str) -> str:
    return clause.label if clause.key != "head" else SUMMARIES[lang]["head"]


def _citation(clause: Clause | None) -> dict | None:
    if clause is None or clause.chunk is None:
        return None
    return {k: clause.chunk.meta.get(k) for k in CITATION_FIELDS}


def clauses(chunks: list[Chunk]) -> list[Clause]:
    """A document's chunks (in order) as clauses: the pieces of one unit rejoined; a key that
    comes back later in the document gets a #2, so every clause has its own key."""
    out: list[Clause] = []
    seen: dict[str, int] = {}
    previous = None
    for chunk in chunks:
        key = chunk.meta.get("section_key") or ""
        if out and key and key == previous:
            last = out[-1]
            out[-1] = Clause(last.key, last.label, f"{last.text}\n{chunk.text}", last.chunk)
            continue
        previous = key
        base = key or "chunk"
        seen[base] = seen.get(base, 0) + 1
        out.append(Clause(base if seen[base] == 1 else f"{base}#{seen[base]}", chunk.meta.get("section") or "",
                          chunk.text, chunk))
    return out


class Differ:
    """Compares indexed documents; a role sees only the documents it may read, and a name it may
    not read gets the same answer as a name that does not exist."""

    def __init__(self, index: Index):
        self.index = index

    def documents(self, role: str) -> list[dict]:
        visible = VISIBLE[check_role(role)]
        return [r.meta for r in self.index.documents() if r.meta.get("access") in visible]

    def versions(self, role: str, today: str | None = None) -> Versions:
        return Versions(self.documents(role), today)

    def resolve(self, ref: str, role: str, lang: str | None = None) -> dict:
        """The document a doc_id or source_id names, in ``lang`` when given (a doc_id's own
        language otherwise, and for a source_id the first of zh, en that it has)."""
        docs = self.documents(role)
        named = [d for d in docs if d["doc_id"] == ref]
        source = named[0]["source_id"] if named else ref
        same_rule = sorted((d for d in docs if d["source_id"] == source), key=lambda d: d["doc_id"])
        if not same_rule:
            raise DiffError(f"no document or rule named {ref!r} is visible to the {role} role: give a "
                            "doc_id (nhc-iit-2024-en) or a source_id (nhc-iit-2024) from `iitkb search`")
        wanted = lang or (named[0]["lang"] if named else None)
        for candidate in ([wanted] if wanted else list(LANGS)):
            found = [d for d in named if d["lang"] == candidate] or [d for d in same_rule if d["lang"] == candidate]
            if found:
                return found[0]
        raise DiffError(f"{ref!r} has no {wanted} document; its languages are "
                        f"{', '.join(sorted({d['lang'] for d in same_rule}))}: pass --lang accordingly")

    def pick_lang(self, old_ref: str, new_ref: str, role: str) -> str:
        """A language both sides have: a doc_id's own, else the first of zh, en."""
        docs = self.documents(role)
        for ref in (old_ref, new_ref):
            for d in docs:
                if d["doc_id"] == ref:
                    return d["lang"]
        langs = [{d["lang"] for d in docs if d["source_id"] == ref} for ref in (old_ref, new_ref)]
        return next((lang for lang in LANGS if lang in langs[0] & langs[1]), LANGS[0])

    def diff(self, old_ref: str, new_ref: str, role: str = "sponsor", lang: str | None = None) -> DocDiff:
        lang = lang or self.pick_lang(old_ref, new_ref, role)
        old, new = self.resolve(old_ref, role, lang), self.resolve(new_ref, role, lang)
        if old["doc_id"] == new["doc_id"]:
            raise DiffError(f"OLD and NEW are the same document ({old['doc_id']}): name two versions")
        changes, unchanged = diff_clauses(self.clauses(old["doc_id"]), self.clauses(new["doc_id"]), lang)
        linked = self.versions(role).linked(old["doc_id"], new["doc_id"])
        return DocDiff(old, new, changes, unchanged, linked)

    def clauses(self, doc_id: str) -> list[Clause]:
        return clauses(self.index.document_chunks(doc_id))
