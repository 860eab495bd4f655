"""XLSX questionnaires: every visible sheet, a header row wherever it is, merged cells as one."""

from __future__ import annotations

from pathlib import Path

from iitkb.archives import zip_problem
from proposals.grid import Cell, find_questions, located
from proposals.items import QuestionnaireError

# Rows a questionnaire sheet may use: the longest real ones run to a few hundred questions. Sheets
# formatted down to row 1,048,576 are read only this far; text below it refuses the file (a
# million-row "questionnaire" would otherwise take minutes and gigabytes to load).
MAX_ROWS = 5000
# Excel's own row limit: a sheet with more row elements was not written by a spreadsheet program.
MAX_ROW_ELEMENTS = 1_048_576
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def open_workbook(path: Path, data_only: bool = True):
    """``data_only`` reads formulas' cached values (intake); write-back keeps the formulas.

    The archive is checked first: a zip bomb and a sheet with text past ``MAX_ROWS`` are refused
    before openpyxl, which holds the whole workbook in memory, reads a byte of them."""
    from openpyxl import load_workbook

    problem = zip_problem(path, "XLSX")
    if problem:
        raise QuestionnaireError(problem)
    check_rows(path)
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


def check_rows(path: Path) -> None:
    """Stream each visible sheet's XML and refuse the file at the first text below ``MAX_ROWS``
    (milliseconds for a million rows of text; about 2 s for a million empty rows)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            for title, part in visible_sheets(archive):
                with archive.open(part) as fh:
                    _check_sheet(fh, title)
    except QuestionnaireError:
        raise
    except Exception as exc:   # a damaged zip or XML raises zlib, zipfile, lxml, KeyError, EOFError...
        raise QuestionnaireError(f"cannot read the spreadsheet ({exc.__class__.__name__}): save it "
                                 "again as .xlsx") from None


def visible_sheets(archive) -> list[tuple[str, str]]:
    """(title, part name) of each visible sheet, from the workbook and its relationships."""
    from lxml import etree

    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{RELS}Relationship")}
    book = etree.fromstring(archive.read("xl/workbook.xml"))
    sheets = []
    for sheet in book.iter(f"{MAIN}sheet"):
        target = targets.get(sheet.get(REL_ID), "")
        if sheet.get("state", "visible") == "visible" and target:
            sheets.append((sheet.get("name", ""), target.lstrip("/") if target.startswith("/") else f"xl/{target}"))
    return sheets


def _check_sheet(fh, title: str) -> None:
    from lxml import etree

    for number, row in enumerate(etree.iterparse(fh, tag=f"{MAIN}row"), start=1):
        element = row[1]
        if number > MAX_ROW_ELEMENTS:
            raise QuestionnaireError(f"sheet {title!r} has more than {MAX_ROW_ELEMENTS:,} rows, Excel's own "
                                     "limit: save it again from Excel")
        if int(element.get("r") or number) > MAX_ROWS and _has_text(element):
            raise QuestionnaireError(f"sheet {title!r} has text below row {MAX_ROWS:,}, the most a questionnaire "
                                     f"may use: split it into files of at most {MAX_ROWS:,} rows each")
        element.clear()


def _has_text(row) -> bool:
    return any(cell.find(f"{MAIN}v") is not None or cell.find(f"{MAIN}is") is not None
               for cell in row.iter(f"{MAIN}c"))
