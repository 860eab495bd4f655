"""Table rows in text, as every loader writes them: Markdown rows (``| a | b |`` with a ``|---|``
line under the header) and rows extracted from DOCX or PDF tables (``a | b``).

Shared by ingestion, which keeps a table's rows whole and its header with every chunk of it, and
by answers, which read each row as a sentence (retrieval/tables.py).
"""

from __future__ import annotations

import re

# A wrapped cell's tail is a few words; a longer line between two rows is a paragraph of its own.
WRAPPED_MAX = 60
# A numbered heading or a caption between two tables starts a new one ("4.3 Flow panel", "表 2").
_CAPTION = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s|第[一二三四五六七八九十百零〇\d]+[条章节]|(?:Table|表)\s*\d|#)")

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


def continues_cell(line: str, following: str) -> bool:
    """A PDF table's cell wrapped onto a line of its own ("... over 36 h not" / "tested"): the
    line sits between two rows, or goes on in lower case. Taken for a paragraph, it ended the
    table, and every later row lost its column names."""
    text = line.strip()
    if not text or "|" in text or len(text) > WRAPPED_MAX or _CAPTION.match(text):
        return False
    return cells(following) is not None or text[0].islower()
