"""The bilingual termbase and cross-lingual query expansion.

A question in one language must also find documents in the other: "HGR approval" should match
人类遗传资源 ... 审批, and 伦理委员会 should match "ethics committee". Each termbase entry links
an English term, a Chinese term, abbreviations and the aliases people type; a query that mentions
any of them is expanded with the entry's English term, Chinese term and abbreviations.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from iitkb.text import has_cjk

COLUMNS = ["en", "zh", "abbr", "aliases", "note"]


class GlossaryError(ValueError):
    """The termbase file is malformed."""


@dataclass(frozen=True)
class Term:
    en: str
    zh: str
    abbr: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    note: str = ""

    @property
    def forms(self) -> tuple[str, ...]:
        return tuple(f for f in (self.en, self.zh, *self.abbr, *self.aliases) if f)

    @property
    def expansion(self) -> tuple[str, ...]:
        return tuple(f for f in (self.en, self.zh, *self.abbr) if f)


@dataclass
class Glossary:
    terms: list[Term] = field(default_factory=list)

    def __post_init__(self):
        forms = {(form.lower(), term) for term in self.terms for form in term.forms}
        self._forms = sorted(forms, key=lambda pair: -len(pair[0]))
        # forms by their first two characters: a text is checked only for the forms whose opening
        # it contains, not for all few thousand (0.9 ms of every answer otherwise)
        self._by_head: dict[str, list[int]] = {}
        for i, (form, _) in enumerate(self._forms):
            self._by_head.setdefault(form[:2], []).append(i)

    @property
    def zh_terms(self) -> tuple[str, ...]:
        return tuple(sorted({f for t in self.terms for f in t.forms if has_cjk(f)}))

    def matches(self, text: str) -> list[Term]:
        """Terms mentioned in ``text``, longest surface forms first, without overlaps."""
        lowered = text.lower()
        found: list[Term] = []
        heads = {lowered[i:i + 2] for i in range(len(lowered))} | set(lowered)   # one-character forms too
        near = sorted({i for head in heads for i in self._by_head.get(head, ())})
        for form, term in (self._forms[i] for i in near):
            if form not in lowered:             # cheap test first: a query mentions a handful of terms
                continue
            pattern = _pattern(form)
            if pattern:
                match = pattern.search(lowered)
                position = match.start() if match else -1
            else:
                position = lowered.find(form)
            if position < 0:
                continue
            lowered = lowered[:position] + "\0" * len(form) + lowered[position + len(form):]
            if term not in found:
                found.append(term)
        return found

    def expand(self, text: str) -> list[str]:
        """Extra query strings: every matched term's forms in both languages."""
        extra: list[str] = []
        for term in self.matches(text):
            extra.extend(f for f in term.expansion if f.lower() not in text.lower() and f not in extra)
        return extra


@lru_cache(maxsize=None)
def _pattern(form: str) -> re.Pattern | None:
    """Latin forms must stand as whole words (so 'ec' is not in 'spec'); Chinese forms need no pattern.
    Compiled on a form's first match: compiling all 3,000 at load took 0.07 s of every cold start."""
    if not re.search(r"[a-z0-9]", form):
        return None
    return re.compile(rf"(?<![a-z0-9]){re.escape(form)}(?![a-z0-9])")


def load_glossary(path: Path) -> Glossary:
    if not path.exists():
        return Glossary([])
    return _load(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load(path: Path, _mtime: int) -> Glossary:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    if not rows or [c.strip().lower() for c in rows[0][:5]] != COLUMNS:
        raise GlossaryError(f"{path}: the first line must be the header {' / '.join(COLUMNS)}")
    terms = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 5:
            raise GlossaryError(f"{path}:{number}: expected 5 tab-separated fields, found {len(row)}")
        en, zh, abbr, aliases, note = (cell.strip() for cell in row)
        if not (en or zh):
            raise GlossaryError(f"{path}:{number}: a term needs an English or a Chinese form")
        split = lambda cell: tuple(p.strip() for p in cell.split("|") if p.strip())
        terms.append(Term(en, zh, split(abbr), split(aliases), note))
    return Glossary(terms)
