"""Gold question sets: JSONL, one question per line, checked on load so a typo fails loudly.

Fields: id, question, lang (zh|en), role (sponsor|staff), relevant (source_ids whose documents
answer it), facts (groups of alternative strings; every group must appear in a correct answer),
answerable, split (dev|test), kind (a free label: exact-number, pathway, cross-lingual, sop,
sponsor-probe, trap, unanswerable ...).

Every fact string must occur in a document of a relevant source and not in the question (a fact
the question already states measures nothing; tests/evals/test_gold.py checks both). The file is
only ever appended to, so a correction is a later line ``{"amends": ID, "facts": [...], "note":
WHY}`` that replaces the named fields (facts, relevant) of the earlier question with that id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from iitkb.schema import LANGS, ROLES

DEFAULT_GOLD = Path(__file__).resolve().parent / "gold" / "questions.jsonl"
SPLITS = ("dev", "test")
AMENDABLE = ("facts", "relevant")


class GoldError(ValueError):
    """A gold file that does not follow the schema; the message names the line and field."""


@dataclass
class GoldQuestion:
    id: str
    question: str
    lang: str
    role: str = "sponsor"
    relevant: list[str] = field(default_factory=list)
    facts: list[list[str]] = field(default_factory=list)
    answerable: bool = True
    split: str = "test"
    kind: str = ""


def load_gold(path: Path = DEFAULT_GOLD, split: str | None = None) -> list[GoldQuestion]:
    if not path.exists():
        raise GoldError(f"no gold file at {path}")
    by_id: dict[str, GoldQuestion] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
            if "amends" in row:
                _amend(by_id, row, where)
                continue
            q = GoldQuestion(**{k: v for k, v in row.items() if k in GoldQuestion.__dataclass_fields__})
        except (ValueError, TypeError) as exc:
            raise GoldError(f"{where}: {exc}") from None
        _check(q, where, set(by_id))
        by_id[q.id] = q
    return [q for q in by_id.values() if split is None or q.split == split]


def _amend(by_id: dict[str, GoldQuestion], row: dict, where: str):
    target = by_id.get(row["amends"])
    if target is None:
        raise GoldError(f"{where}: amends {row['amends']!r}, which no earlier line defines")
    unknown = set(row) - {"amends", "note", *AMENDABLE}
    if unknown:
        raise GoldError(f"{where}: an amendment may change only {', '.join(AMENDABLE)}, not {sorted(unknown)}")
    for key in AMENDABLE:
        if key in row:
            setattr(target, key, row[key])
    _check(target, where, set())


def _check(q: GoldQuestion, where: str, seen: set[str]):
    if q.id in seen:
        raise GoldError(f"{where}: duplicate id {q.id!r}")
    if not q.question.strip():
        raise GoldError(f"{where}: empty question")
    if q.lang not in LANGS or q.role not in ROLES or q.split not in SPLITS:
        raise GoldError(f"{where}: lang must be {LANGS}, role {ROLES}, split {SPLITS}")
    if not all(isinstance(g, list) and g and all(isinstance(s, str) and s for s in g) for g in q.facts):
        raise GoldError(f"{where}: facts must be a list of non-empty lists of strings")
    if q.answerable and not q.relevant:
        raise GoldError(f"{where}: an answerable question needs relevant source_ids")
