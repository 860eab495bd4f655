"""Answers into Excel: Answer, Sources and Status cells beside each question of the sponsor's
workbook (the form's own columns when its header names them, else new ones at the right), or a
new workbook for other questionnaires. Everything else in the file is left as it was."""

from __future__ import annotations

from copy import copy
from pathlib import Path

from openpyxl.utils import get_column_letter

from iitkb.text import detect_lang
from proposals.cues import header_role
from proposals.sources import source_line
from proposals.status import status_text
from proposals.xlsx_in import open_workbook

FIELDS = ("answer", "sources", "status")
LABELS = {"en": {"answer": "Answer", "sources": "Sources", "status": "Status"},
          "zh": {"answer": "答复", "sources": "来源", "status": "状态"}}
# Column widths in characters for added columns: an answer of four sentences wraps to about
# eight lines at 60; a source line to two at 50; "needs review: low support" fits 28.
WIDTHS = {"answer": 60, "sources": 50, "status": 28}
NEW_SHEET_HEADERS = ("No.", "Question", "Answer", "Sources", "Status")


def write_back_xlsx(source: Path, answers: list[dict], out: Path):
    workbook = open_workbook(source, data_only=False)
    by_sheet: dict[str, list[dict]] = {}
    for answer in answers:
        location = answer.get("location") or {}
        if location.get("kind") == "sheet" and location.get("sheet") in workbook.sheetnames:
            by_sheet.setdefault(location["sheet"], []).append(answer)
    for name, group in by_sheet.items():
        sheet = workbook[name]
        columns = _columns(sheet, group[0]["location"])
        for answer in group:
            _fill_row(sheet, answer, columns)
    workbook.save(str(out))


def new_xlsx(answers: list[dict], out: Path):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Draft answers"
    sheet.append(list(NEW_SHEET_HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, answer in enumerate(answers, start=1):
        sheet.append([number, answer.get("question") or answer.get("id"), *cell_values(answer)])
    for letter, width in zip("BCDE", (50, WIDTHS["answer"], WIDTHS["sources"], WIDTHS["status"])):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            _wrap(cell)
    workbook.save(str(out))


def cell_values(answer: dict) -> list[str]:
    """Answer (with its [n] markers), Sources ("[n] source line" per line) and Status texts."""
    lang = answer.get("language") or "en"
    text = answer.get("answer") or (f"Error: {answer['error']}" if answer.get("error") else "")
    sources = "\n".join(f"[{c['n']}] {source_line(c, lang)}" for c in answer.get("citations", []))
    return [text, sources, status_text(answer)]


def _columns(sheet, location: dict) -> dict[str, int]:
    """The column for each field: named by the header, the answer column found at intake, or new."""
    header = location.get("header_row")
    found = {}
    if header:
        for cell in sheet[header]:
            role = header_role(str(cell.value or ""))
            if role in FIELDS and role not in found:
                found[role] = cell.column
    if location.get("answer_cell"):
        found["answer"] = location["answer_cell"]
    lang = detect_lang(" ".join(str(c.value or "") for c in sheet[header])) if header else "en"
    added = sheet.max_column
    for field in FIELDS:
        if field not in found:
            added += 1
            found[field] = added
            if header:          # the new column's title, styled as the question column's
                title = sheet.cell(header, added, LABELS[lang][field])
                title._style = copy(sheet.cell(header, location.get("cell") or 1)._style)
            sheet.column_dimensions[get_column_letter(added)].width = WIDTHS[field]
    return found


def _fill_row(sheet, answer: dict, columns: dict[str, int]):
    location = answer["location"]
    like = sheet.cell(location["row"], location.get("cell") or 1)
    for field, value in zip(FIELDS, cell_values(answer)):
        cell = _writable(sheet, location["row"], columns[field])
        if cell.value in (None, "") and not cell.has_style:
            cell._style = copy(like._style)
        cell.value = value
        _wrap(cell)


def _writable(sheet, row: int, column: int):
    """The cell itself, or the top-left cell of the merged range it lies in."""
    for area in sheet.merged_cells.ranges:
        if area.min_row <= row <= area.max_row and area.min_col <= column <= area.max_col:
            return sheet.cell(area.min_row, area.min_col)
    return sheet.cell(row, column)


def _wrap(cell):
    alignment = copy(cell.alignment)
    alignment.wrap_text = True
    alignment.vertical = alignment.vertical or "top"
    cell.alignment = alignment
