"""Questionnaires in: JSONL, CSV, XLSX, DOCX or plain text, one question per row or paragraph.

A line that cannot be read becomes an error item for that line; the rest of the file goes on.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from iitkb.schema import ROLES

FORMATS = (".jsonl", ".csv", ".txt", ".xlsx", ".docx")


class QuestionnaireError(ValueError):
    """The file as a whole cannot be read."""


@dataclass
class Item:
    id: str
    question: str
    role: str | None = None
    error: str | None = None


def read_questionnaire(path: Path, line_roles: bool = True) -> list[Item]:
    """Questions from ``path``; ``line_roles`` lets a JSONL/CSV line carry its own role."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise QuestionnaireError(f"unsupported questionnaire type {suffix or '(none)'}: use "
                                 f"{', '.join(FORMATS)}")
    if suffix == ".xlsx":
        rows = _xlsx_rows(path)
    elif suffix == ".docx":
        rows = [{"question": p} for p in _docx_paragraphs(path)]
    else:
        text = path.read_bytes().decode("utf-8-sig", errors="strict")
        if suffix == ".jsonl":
            return _jsonl(text, line_roles)
        rows = _csv_rows(text) if suffix == ".csv" else [{"question": line} for line in text.splitlines()]
    items = []
    for number, row in enumerate(rows, start=1):
        question = str(row.get("question") or "").strip()
        if question:
            items.append(_item(row, number, question, line_roles))
    return items


def _item(row: dict, number: int, question: str, line_roles: bool) -> Item:
    item = Item(str(row.get("id") or f"q{number}"), question)
    role = str(row.get("role") or "").strip() if line_roles else ""
    if role and role not in ROLES:
        item.error = f"line {number}: role must be one of {', '.join(ROLES)}, not {role!r}"
    item.role = role or None
    return item


def _jsonl(text: str, line_roles: bool) -> list[Item]:
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            items.append(Item(f"line-{number}", "", error=f"line {number}: not a JSON object ({exc})"))
            continue
        question = str(row.get("question") or "").strip()
        if not question:
            items.append(Item(str(row.get("id") or f"line-{number}"), "",
                              error=f"line {number}: no \"question\" field"))
            continue
        items.append(_item(row, number, question, line_roles))
    return items


def _csv_rows(text: str) -> list[dict]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    if "question" in header:
        return [dict(zip(header, r)) for r in rows[1:]]
    return [{"question": r[0]} for r in rows if r]


def _xlsx_rows(path: Path) -> list[dict]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises several types for damaged files
        raise QuestionnaireError(f"cannot read the spreadsheet ({exc.__class__.__name__}): save it "
                                 "again as .xlsx") from None
    rows = [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)]
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    if "question" in header:
        return [dict(zip(header, r)) for r in rows[1:]]
    return [{"question": r[0]} for r in rows]


def _docx_paragraphs(path: Path) -> list[str]:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:
        raise QuestionnaireError(f"cannot read the DOCX ({exc.__class__.__name__}): save it again "
                                 "from Word") from None
    texts = [p.text.strip() for p in document.paragraphs
             if p.text.strip() and not (p.style is not None and p.style.name.startswith(("Heading", "Title")))]
    for table in document.tables:
        texts.extend(row.cells[0].text.strip() for row in table.rows if row.cells and row.cells[0].text.strip())
    return texts
