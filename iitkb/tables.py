"""Table rows in text, as every loader writes them: Markdown rows (``| a | b |`` with a ``|---|``
line under the header) and rows extracted from DOCX or PDF tables (``a | b``).

Shared by ingestion, which keeps a table's rows whole and its header with every chunk of it, and
by answers, which read each row as a sentence (retrieval/tables.py).
"""

from __future__ import annotations

import re

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def cells(line: str) -> list[str] | None:
    """The cells of a table row, or None for a line that is not one."""
    if "|" not in line or _SEPARATOR.match(line):
        return None
    parts = [c.strip() for c in line.strip().strip("|").split("|")]
    return parts if len(parts) >= 2 and sum(bool(p) for p in parts) >= 2 else None


def is_separator(line: str) -> bool:
    return bool(_SEPARATOR.match(line))


def looks_like_header(row: list[str]) -> bool:
    """A header names columns: no figures in it ("Code | Item | Unit | RMB | USD")."""
    return not any(re.search(r"\d", c) for c in row)
