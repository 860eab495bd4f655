"""XLSX questionnaires: every visible sheet, a header row wherever it is, merged cells as one."""

from __future__ import annotations

from pathlib import Path

from proposals.grid import Cell, find_questions, located
from proposals.items import QuestionnaireError

# Sheets formatted down to row 1,048,576 would otherwise be read to the end; no questionnaire
# has more rows than this.
MAX_ROWS = 5000


def open_workbook(path: Path, data_only: bool = True):
    """``data_only`` reads formulas' cached values (intake); write-back keeps the formulas."""
    from openpyxl import load_workbook

    try:
        return load_workbook(path, data_only=data_only)
    except Exception as exc:  # openpyxl raises several types for damaged files
        raise QuestionnaireError(f"cannot read the spreadsheet ({exc.__class__.__name__}): save it "
                                 "again as .xlsx") from None


def sheet_grid(sheet) -> list[list[Cell]]:
    """The sheet's text; each position of a merged range holds the range's value and key."""
    merged = {}
    for area in sheet.merged_cells.ranges:
        value = sheet.cell(area.min_row, area.min_col).value
        for row in range(area.min_row, area.max_row + 1):
            for col in range(area.min_col, area.max_col + 1):
                merged[row, col] = (value, area.coord)
    grid = []
    for r, values in enumerate(sheet.iter_rows(max_row=min(sheet.max_row, MAX_ROWS), values_only=True), start=1):
        row = []
        for c, value in enumerate(values, start=1):
            value, key = merged.get((r, c), (value, (r, c)))
            row.append(Cell("" if value is None else str(value), key))
        grid.append(row)
    return grid


def read_xlsx(path: Path) -> list[dict]:
    workbook = open_workbook(path)
    rows = []
    for sheet in workbook.worksheets:
        if sheet.sheet_state == "visible":
            rows.extend(located(*find_questions(sheet_grid(sheet)), "sheet", sheet=sheet.title))
    return rows
