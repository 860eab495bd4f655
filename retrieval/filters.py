"""Roles and filters, turned into conditions that both the dense and the lexical path apply.

One list of conditions feeds Chroma's ``where`` and the BM25 mask alike, so a sponsor query is
restricted to public documents on both paths before anything is ranked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from iitkb.schema import ACCESS, LANGS, ROLES, STATUSES
from index.conditions import Condition

VISIBLE = {"sponsor": ("public",), "staff": ACCESS, "admin": ACCESS}


class FilterError(ValueError):
    """A filter value that can match nothing; the message lists what is allowed."""


class QueryError(FilterError):
    """A question that cannot be searched as given (empty, or over the length limit)."""


@dataclass(frozen=True)
class Filters:
    lang: str | None = None
    doc_type: str | None = None
    status: tuple[str, ...] | None = None
    issuer: str | None = None          # case-insensitive substring of the issuer
    as_of: str | None = None           # YYYY-MM-DD: leave out rules not in force on that date

    def __post_init__(self):
        if self.lang is not None and self.lang not in LANGS:
            raise FilterError(f"lang must be one of {', '.join(LANGS)}, not {self.lang!r}")
        for status in self.status or ():
            if status not in STATUSES:
                raise FilterError(f"status must be among {', '.join(STATUSES)}, not {status!r}")
        if self.as_of:
            try:
                dt.date.fromisoformat(self.as_of)
            except ValueError:
                raise FilterError(f"as_of must be a date in YYYY-MM-DD form, not {self.as_of!r}") from None


def check_role(role: str) -> str:
    if role not in ROLES:
        raise FilterError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def not_in_force(docs: list[dict], as_of: str) -> set[str]:
    """doc_ids of rules not yet effective on ``as_of`` or replaced by a rule effective by then."""
    effective = {d["source_id"]: d.get("effective") or d.get("issued") or "" for d in docs}
    replaced: set[str] = set()
    for d in docs:
        for old in d.get("supersedes") or ():
            if effective.get(d["source_id"]) and effective[d["source_id"]] <= as_of:
                replaced.add(old)
        for new in d.get("superseded_by") or ():
            if effective.get(new) and effective[new] <= as_of:
                replaced.add(d["source_id"])
    return {d["doc_id"] for d in docs
            if d["source_id"] in replaced or (d.get("effective") or "") > as_of}


def conditions(role: str, filters: Filters, docs: list[dict]) -> list[Condition]:
    """(field, op, value) triples; op is eq, in or nin. Access always comes first."""
    conds: list[Condition] = [("access", "in", list(VISIBLE[check_role(role)]))]
    if filters.lang:
        conds.append(("lang", "eq", filters.lang))
    if filters.doc_type:
        conds.append(("doc_type", "eq", filters.doc_type))
    if filters.status:
        conds.append(("status", "in", list(filters.status)))
    if filters.issuer:
        wanted = filters.issuer.lower()
        conds.append(("doc_id", "in", [d["doc_id"] for d in docs if wanted in d.get("issuer", "").lower()]))
    if filters.as_of:
        conds.append(("doc_id", "nin", sorted(not_in_force(docs, filters.as_of))))
    return conds
