"""Questions in a grid of cells: a Word table, a worksheet or a CSV file.

The header row (not always the first: forms open with a title and instructions) names the
columns in Chinese or English; the question column is the header's when it has one, and else the
column whose cells read most like questions. Rows that are numbers only, section titles, notes to
the reader, repeated headers or empty are not questions. A merged cell is one cell: a row whose
text is a single cell spanning the row is a section or an instruction, never a question.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proposals.items import Location
from proposals.cues import (MIN_QUESTION_CHARS, SECTION_NUMBER, clean, header_role, is_instruction, is_number,
                            is_section, question_score)

# Forms put a title, a logo line and instructions above the header; deeper rows are data.
HEADER_SCAN_ROWS = 15
# An answer column, when no header names one, is the next column that is this empty on question rows.
EMPTY_SHARE_FOR_ANSWER = 0.8


@dataclass
class Cell:
    text: str
    key: object             # hashable; the same key for every grid position of one merged cell


@dataclass
class Layout:
    header_row: int | None                        # 0-based index into the grid's rows
    question_col: int
    answer_col: int | None
    columns: dict[str, int] = field(default_factory=dict)   # header role -> first column with it


@dataclass
class Found:
    row: int                                      # 0-based
    text: str
    section: str | None = None
    fields: dict[str, str] = field(default_factory=dict)     # id / role cells of the row


def find_questions(rows: list[list[Cell]]) -> tuple[Layout | None, list[Found]]:
    rows = [_pad(r, max((len(r) for r in rows), default=0)) for r in rows]
    header = _header_row(rows)
    roles = _header_roles(rows[header]) if header is not None else {}
    first = 0 if header is None else header + 1
    data = [i for i in range(first, len(rows)) if not _is_header_like(rows[i])]
    column = _question_column(rows, data, roles)
    if column is None:
        return None, []
    answer = _answer_column(rows, data, roles, column)
    columns = {role: min(cols) for role, cols in roles.items()}
    layout = Layout(header, column, answer, columns)
    return layout, list(_found(rows, data, layout))


def located(layout: Layout | None, found: list[Found], kind: str, **where) -> list[dict]:
    """Found questions as intake rows, each with its 1-based Location in the file."""
    if layout is None:
        return []
    header = None if layout.header_row is None else layout.header_row + 1
    answer = None if layout.answer_col is None else layout.answer_col + 1
    return [{"question": f.text, **f.fields, "section": f.section,
             "location": Location(kind, row=f.row + 1, cell=layout.question_col + 1, answer_cell=answer,
                                  header_row=header, **where)} for f in found]


def _pad(row: list[Cell], width: int) -> list[Cell]:
    return row + [Cell("", ("pad", id(row), i)) for i in range(len(row), width)]   # ragged rows


def _header_row(rows: list[list[Cell]]) -> int | None:
    """The first row of two or more distinct labels naming a question or an answer column."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = _distinct(row)
        if len(cells) < 2:
            continue
        named = [header_role(c.text) for c in cells]
        if {"question", "answer"} & set(named) and sum(r is not None for r in named) * 2 >= len(cells):
            return index
    return None


def _header_roles(row: list[Cell]) -> dict[str, list[int]]:
    roles: dict[str, list[int]] = {}
    for col, cell in enumerate(row):
        role = header_role(cell.text)
        if role:
            roles.setdefault(role, []).append(col)    # a merged header names every column it spans
    return roles


def _is_header_like(row: list[Cell]) -> bool:
    """A second header line (sub-headers, or a vertically merged header repeated)."""
    cells = [c for c in _distinct(row) if clean(c.text)]
    return bool(cells) and all(header_role(c.text) for c in cells)


def _question_column(rows, data: list[int], roles: dict[str, list[int]]) -> int | None:
    named = roles.get("question", [])
    taken = {col for role, cols in roles.items() if role != "question" for col in cols}
    width = len(rows[0]) if rows else 0
    candidates = named or [c for c in range(width) if c not in taken]
    scores = {c: _column_score(rows, data, c) for c in candidates}
    if not scores:
        return None
    best = max(scores, key=lambda c: (scores[c], -c))
    return best if named or scores[best] > 0 else None


def _column_score(rows, data: list[int], col: int) -> float:
    seen, total = set(), 0.0
    for i in data:
        cell = rows[i][col]
        if cell.key not in seen:              # a merged cell votes once
            seen.add(cell.key)
            total += question_score(cell.text)
    return total


def _answer_column(rows, data: list[int], roles: dict[str, list[int]], question: int) -> int | None:
    named = [c for c in roles.get("answer", []) if c != question]
    if named:
        return named[0]
    if roles:
        return None           # a header that names no answer column: one will be added
    for col in range(question + 1, len(rows[0])):
        cells = [rows[i][col] for i in data if clean(rows[i][question].text)]
        empty = sum(not clean(c.text) for c in cells)
        if cells and empty >= EMPTY_SHARE_FOR_ANSWER * len(cells):
            return col
    return None


def _found(rows, data: list[int], layout: Layout):
    section, previous = None, None
    header = rows[layout.header_row] if layout.header_row is not None else []
    number = layout.columns.get("number")
    if number is not None and not any(clean(rows[i][number].text)[:1].isdigit() for i in data):
        number = None                     # letters number the questions themselves, not sections
    for i in data:
        row, cell = rows[i], rows[i][layout.question_col]
        text = clean(cell.text)
        if not text or is_number(text) or cell.key == previous:
            continue
        if header and text == clean(header[layout.question_col].text):
            continue                                  # the header repeated on a new page
        enumerator = clean(row[number].text) if number is not None else ""
        if _spans_row(row) or is_section(text) or (SECTION_NUMBER.match(enumerator) and question_score(text) < 2):
            section = text if not is_instruction(text) else section
            continue
        if is_instruction(text, in_table=True) or len(text) < MIN_QUESTION_CHARS and question_score(text) < 2:
            continue
        previous = cell.key
        fields = {r: clean(row[layout.columns[r]].text) for r in ("id", "role") if r in layout.columns}
        yield Found(i, text, section, fields)


def _spans_row(row: list[Cell]) -> bool:
    """One merged cell carries all of the row's text."""
    filled = [c for c in _distinct(row) if clean(c.text)]
    return len(filled) == 1 and sum(c.key == filled[0].key for c in row) > 1


def _distinct(row: list[Cell]) -> list[Cell]:
    cells, keys = [], set()
    for cell in row:
        if cell.key not in keys:
            cells.append(cell)
            keys.add(cell.key)
    return cells
