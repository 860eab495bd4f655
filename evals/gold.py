"""Gold question sets: JSONL, one question per line, checked on load so a typo fails loudly.

Fields: id, question, lang (zh|en), role (sponsor|staff), relevant (source_ids whose documents
answer it), facts (groups of alternative strings; every group must appear in a correct answer),
answerable, split (dev|test), kind (a free label: exact-number, pathway, cross-lingual, sop,
sponsor-probe, trap, unanswerable ...).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from iitkb.schema import LANGS, ROLES

DEFAULT_GOLD = Path(__file__).resolve().parent / "gold" / "questions.jsonl"
SPLITS = ("dev", "test")


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
    questions, seen = [], set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            q = GoldQuestion(**{k: v for k, v in row.items() if k in GoldQuestion.__dataclass_fields__})
        except (ValueError, TypeError) as exc:
            raise GoldError(f"{path}:{number}: {exc}") from None
        _check(q, f"{path}:{number}", seen)
        seen.add(q.id)
        if split is None or q.split == split:
            questions.append(q)
    return questions


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
