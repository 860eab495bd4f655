"""Which clause of one version of a rule is which clause of the other.

Revisions renumber articles, merge two into one and split one in two, so an article number alone
pairs the wrong clauses and content alone misses an article whose wording was rewritten. Both
count here: every old/new pair is scored by the overlap of its content (stemmed words, and
character bigrams of Chinese, which need no dictionary), with a bonus when the two sit at the
same article number or section key; pairs are then taken best first, one to one. A clause left
over whose content lies mostly inside a clause already paired was merged into it (or split out
of it). What is still left was added or removed.

Example::

    pairs = align([Clause("art:5", "Article 5", "..."), ...], [Clause("art:6", "Article 6", "..."), ...])
    [(p.old, p.new, p.how) for p in pairs]        # (0, 0, "renumbered"), (None, 1, "added") ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import Stemmer

from iitkb.schema import Chunk
from iitkb.text import CJK_RUN
from iitkb.tokenize import EN_STOP

# Content overlap (Dice of the feature sets) that pairs two clauses at different places: a
# renumbered article keeps most of its words. 0.5 pairs the renumbered, lightly edited articles of
# the test pair and no two different topic sections of the corpus's version pairs (tests/retrieval).
MATCH_MIN = 0.5
# At the same article number a rewritten article still shares some words with its old text;
# below this, the number was reused for something else.
ARTICLE_MIN = 0.2
# Under the same heading (article numbers aside), the evidence of place is weaker than a shared
# article number, so more shared wording is asked for. A bare section number is weaker still: it
# only breaks ties, and the pair needs MATCH_MIN ("5. What changed in the 2024 final text" and "5.
# Scientific review ..." of the IIT summaries share a number and 0.3 of their words).
PLACE_MIN = 0.3
# How much sitting at the same place counts against a better content match elsewhere: an exact
# copy at another number (1.0) beats a weak match at the same number (0.2 + 0.4), and the part of a
# split article that keeps its number (0.53 + 0.4) beats the larger part moved away (0.83; the
# split test pair in tests/retrieval/test_diff.py).
SAME_PLACE_BONUS = 0.4
# Headings this alike (the share of the shorter heading's words found in the other, numbers and
# article references left out) count as the same heading: "Practical notes" is all inside
# "Practical notes for sponsors and investigators", 实务提示 inside 对申办方和研究者的实务提示.
HEADING_MIN = 0.6
# Share of a left-over clause's features found in one clause of the other version for it to
# count as merged into (or split out of) that clause; the preamble takes part in neither, since
# a document's overview mentions most of its clauses.
CONTAINED_MIN = 0.7

_LATIN = re.compile(r"[^\W\d_]+|\d+(?:\.\d+)?")
_ART_KEY = re.compile(r"^art:(\d+)$")
_ART_LABEL = re.compile(r"\b(?:Art\.|Arts\.|Article)\s*(\d+)\b|第\s*([零〇一二两三四五六七八九十百千\d]+)\s*条")
_HEADING_NOISE = re.compile(r"[（(][^（()）]*(?:Art\.|Article|条)[^（()）]*[）)]|^\s*(?:第\s*\S+?\s*[编章节条]|"
                            r"(?:Article|Chapter|Section|Part)\s+\w+|Q?\d+(?:\.\d+)*\.?)", re.I)
_STEM = Stemmer.Stemmer("english").stemWord
_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


@dataclass(frozen=True)
class Clause:
    """One unit of a version: its section key (``art:12``, ``sec:3.1``), its label, its text, and
    the chunk it came from (for citations)."""

    key: str
    label: str
    text: str
    chunk: Chunk | None = field(default=None, compare=False, repr=False)

    @cached_property
    def number(self) -> int | None:
        """The article number: from an ``art:`` key, or the one article a label names ("3.1
        Decisions (Art. 23)", "（第二十三条）"), so a summary keyed by topic still aligns."""
        match = _ART_KEY.match(self.key)
        if match:
            return int(match.group(1))
        found = {int(m.group(1)) if m.group(1) else _cn_number(m.group(2)) for m in _ART_LABEL.finditer(self.label)}
        return found.pop() if len(found) == 1 else None

    @cached_property
    def heading(self) -> str:
        """The label's words without its number or article references: "Composition"."""
        return _HEADING_NOISE.sub(" ", _HEADING_NOISE.sub(" ", self.label)).strip()

    @cached_property
    def heading_features(self) -> frozenset[str]:
        return features(self.heading)


@dataclass(frozen=True)
class Pair:
    """Indexes into the old and new lists (None: no counterpart) and how they correspond:
    same (same place), renumbered, merged (old into new), split (new out of old), added, removed."""

    old: int | None
    new: int | None
    how: str
    similarity: float = 0.0


def features(text: str) -> frozenset[str]:
    """Stemmed Latin words (stop words dropped) and Chinese character bigrams."""
    out = {_STEM(w) for w in (m.lower() for m in _LATIN.findall(CJK_RUN.sub(" ", text))) if w not in EN_STOP}
    for run in CJK_RUN.findall(text):
        out.update(run[i:i + 2] for i in range(max(1, len(run) - 1)))
    return frozenset(out)


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def contained(part: frozenset[str], whole: frozenset[str]) -> float:
    return len(part & whole) / len(part) if part else 0.0


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def same_place(a: Clause, b: Clause) -> bool:
    """Same article number where both have one, else the same section key."""
    if a.number is not None and b.number is not None:
        return a.number == b.number
    return a.key == b.key


def _threshold(a: Clause, b: Clause, here: bool) -> tuple[float, bool]:
    """The overlap a pair needs, and whether its place (number, heading, key) counts for it.
    The two preambles always pair: each is its document's overview, however rewritten."""
    if a.key == b.key == "head":
        return 0.0, True
    if here and a.number is not None and b.number is not None:
        return ARTICLE_MIN, True
    if a.heading and b.heading and _overlap(a.heading_features, b.heading_features) >= HEADING_MIN:
        return PLACE_MIN, True
    return MATCH_MIN, here


def align(old: list[Clause], new: list[Clause]) -> list[Pair]:
    """Every old and every new clause exactly once, in the new version's reading order (a removed
    clause comes after the clause that preceded it in the old version)."""
    old_f, new_f = [features(c.text) for c in old], [features(c.text) for c in new]
    pairs = _one_to_one(old, new, old_f, new_f)
    pairs += _merged_and_split(pairs, old, new, old_f, new_f)
    taken_old = {p.old for p in pairs}
    taken_new = {p.new for p in pairs}
    pairs += [Pair(i, None, "removed") for i in range(len(old)) if i not in taken_old]
    pairs += [Pair(None, j, "added") for j in range(len(new)) if j not in taken_new]
    return sorted(pairs, key=_reading_order(pairs))


def _one_to_one(old, new, old_f, new_f) -> list[Pair]:
    candidates = []
    for i, (a, fa) in enumerate(zip(old, old_f)):
        for j, (b, fb) in enumerate(zip(new, new_f)):
            similarity = dice(fa, fb)
            if similarity < ARTICLE_MIN and not a.key == b.key == "head":
                continue                        # below every floor: most pairs stop here, cheaply
            here = same_place(a, b)
            floor, placed = _threshold(a, b, here)
            if similarity >= floor:
                candidates.append((similarity + (SAME_PLACE_BONUS if placed else 0.0), i, j, similarity, here))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_old, used_new, pairs = set(), set(), []
    for _, i, j, similarity, here in candidates:
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        pairs.append(Pair(i, j, "same" if here else "renumbered", similarity))
    return pairs


def _merged_and_split(pairs: list[Pair], old, new, old_f, new_f) -> list[Pair]:
    """Left-over clauses that live on inside a paired clause of the other version."""
    merged = _inside([p.old for p in pairs], [p.new for p in pairs], old, new, old_f, new_f)
    split = _inside([p.new for p in pairs], [p.old for p in pairs], new, old, new_f, old_f)
    return ([Pair(i, j, "merged", dice(old_f[i], new_f[j])) for i, j in merged]
            + [Pair(i, j, "split", dice(old_f[i], new_f[j])) for j, i in split])


def _inside(paired_here: list[int], paired_there: list[int], here, there, here_f, there_f):
    """(left-over index here, index there) where the left-over clause's features lie mostly in
    one paired clause there; preambles take part on neither side."""
    targets = sorted(j for j in set(paired_there) if there[j].key != "head")
    found = []
    for i in sorted(set(range(len(here))) - set(paired_here)):
        if here[i].key == "head" or not targets:
            continue
        best = max(targets, key=lambda j: (contained(here_f[i], there_f[j]), -j))
        if contained(here_f[i], there_f[best]) >= CONTAINED_MIN:
            found.append((i, best))
    return found


def _reading_order(pairs: list[Pair]):
    """Sort key: a pair by its new position; a removed clause just after the new position of the
    nearest old clause before it that has one."""
    new_of_old: dict[int, int] = {}
    for p in pairs:
        if p.old is not None and p.new is not None and p.how != "split":
            new_of_old.setdefault(p.old, p.new)

    def key(p: Pair):
        if p.new is not None:
            return (p.new, 0, p.old if p.old is not None else -1)
        before = [new_of_old[i] for i in new_of_old if i < p.old]
        return (max(before) if before else -1, 1, p.old)

    return key


def _cn_number(text: str) -> int:
    """二十三 -> 23 (retrieval may not import ingest, whose parser reads the same numerals)."""
    if text.isdigit():
        return int(text)
    total = digit = 0
    for char in text:
        if char in _CN_UNIT:
            total, digit = total + (digit or 1) * _CN_UNIT[char], 0
        else:
            digit = _CN_DIGIT.get(char, 0)
    return total + digit
