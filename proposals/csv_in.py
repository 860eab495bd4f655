"""CSV questionnaires: any delimiter, UTF-8 with or without a BOM, or GB18030 (what Excel on a
Chinese Windows saves as "CSV")."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from proposals.grid import Cell, find_questions, located
from proposals.items import QuestionnaireError

DELIMITERS = ",;\t|"
# The sniffer reads this much of the file: enough rows for a delimiter to show, quick on big files.
SNIFF_CHARS = 64 * 1024
ENCODINGS = ("utf-8-sig", "gb18030")


def decode_text(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) first, since GB18030 would also accept most UTF-8 bytes."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise QuestionnaireError("the file is neither UTF-8 nor GB18030 text: save it again as UTF-8")


def csv_rows(text: str) -> list[list[str]]:
    sample = text[:SNIFF_CHARS]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:                      # one column, or too little text to tell
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def read_csv(path: Path) -> list[dict]:
    """Rows as found questions: {"question", "id"?, "role"?, "location", "section"}."""
    rows = csv_rows(decode_text(path.read_bytes()))
    grid = [[Cell(text, (r, c)) for c, text in enumerate(row)] for r, row in enumerate(rows)]
    return located(*find_questions(grid), "row")
