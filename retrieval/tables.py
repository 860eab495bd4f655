"""Table rows read as sentences: "Discount or condition: over 10% to 15%; Approver: CFO."

SOPs keep thresholds, approvers and fees in tables. A row quoted as ``| over 10% to 15% | CFO |``
leaves the reader to guess what the cells mean; with its column headers in front of the cells it
reads as a statement and can be cited like any other sentence. Markdown rows (``| a | b |`` with a
``|---|`` line under the header) and rows extracted from DOCX/PDF tables (``a | b``) both count.
"""

from __future__ import annotations

from typing import NamedTuple

from iitkb.tables import cells, continues_cell, is_separator, looks_like_header

__all__ = ["cells", "is_separator", "looks_like_header", "row_sentence", "rows_as_sentences", "TableLine"]


def row_sentence(row: list[str], header: list[str] | None, lang: str) -> str:
    """One row as a sentence, each cell after its column's name when the header is known."""
    colon, sep, stop = ("：", "；", "。") if lang == "zh" else (": ", "; ", ".")
    if header and len(header) == len(row):
        parts = [f"{h}{colon}{c}" if h else c for h, c in zip(header, row) if c]
    else:
        first, rest = row[0], [c for c in row[1:] if c]
        parts = [f"{first}{colon}{rest[0]}", *rest[1:]] if first and rest else [c for c in row if c]
    return sep.join(parts) + stop


class TableLine(NamedTuple):
    number: int           # the line's number in the text
    text: str             # a row rewritten as a sentence, any other line as it is
    is_row: bool


def rows_as_sentences(lines: list[str], lang: str) -> list[TableLine]:
    """Every line, table rows rewritten; header rows and separator lines left out."""
    out: list[TableLine] = []
    header: list[str] | None = None
    previous_row: list[str] | None = None
    for number, line in enumerate(lines):
        if is_separator(line):
            continue
        row = cells(line)
        following = lines[number + 1] if number + 1 < len(lines) else ""
        if row is None and previous_row and out and out[-1].is_row and continues_cell(line, following):
            previous_row[-1] = f"{previous_row[-1]} {line.strip()}" if lang == "en" else previous_row[-1] + line.strip()
            out[-1] = out[-1]._replace(text=row_sentence(previous_row, header, lang))
            continue
        if row is None:
            header, previous_row = None, None
            out.append(TableLine(number, line, False))
            continue
        if previous_row is None and (is_separator(following) or looks_like_header(row)):
            header, previous_row = row, row
            continue
        previous_row = row
        out.append(TableLine(number, row_sentence(row, header, lang), True))
    return out
