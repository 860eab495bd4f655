"""The index's query language: (field, op, value) conditions on chunk metadata.

Retrieval turns a role and the user's filters into these triples (``retrieval.filters``); the
index applies the same list on every path it owns, as Chroma's ``where`` on the dense store, as a
boolean mask over the lexical index's metadata columns, and chunk by chunk as the last guard. One
definition for the three keeps a sponsor's query restricted the same way everywhere.
"""

from __future__ import annotations

import numpy as np

OPS = ("eq", "in", "nin")
Condition = tuple[str, str, object]


def chroma_where(conds: list[Condition]) -> dict:
    parts = []
    for field, op, value in conds:
        if op == "eq":
            parts.append({field: value})
        elif op in ("in", "nin"):
            if op == "nin" and not value:
                continue
            parts.append({field: {f"${op}": list(value) or ["\0"]}})
    if not parts:
        return {}
    return parts[0] if len(parts) == 1 else {"$and": parts}


def column_mask(columns: dict[str, np.ndarray], conds: list[Condition]) -> np.ndarray:
    size = len(next(iter(columns.values()))) if columns else 0
    mask = np.ones(size, dtype=bool)
    for field, op, value in conds:
        column = columns[field]
        if op == "eq":
            mask &= column == value
        elif op == "in":
            mask &= np.isin(column, list(value))
        elif op == "nin":
            mask &= ~np.isin(column, list(value))
    return mask


def passes(meta: dict, conds: list[Condition]) -> bool:
    """The same conditions on one chunk: the last guard before anything leaves the index."""
    for field, op, value in conds:
        have = meta.get(field)
        if (op == "eq" and have != value) or (op == "in" and have not in value) or \
           (op == "nin" and have in value):
            return False
    return True
