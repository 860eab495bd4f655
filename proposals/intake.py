"""Questionnaires in: JSONL, CSV, XLSX, DOCX or plain text, each question with its location.

The readers for DOCX (docx_in.py), XLSX (xlsx_in.py) and CSV (csv_in.py) find the questions among
the numbers, headers, sections and instructions of a sponsor's form; this module picks the reader
and numbers the items. A line that cannot be read becomes an error item for that line; the rest
of the file goes on.
"""

from __future__ import annotations

import json
from pathlib import Path

from iitkb.schema import QUESTIONNAIRE_TYPES, ROLES
from proposals.csv_in import decode_text, read_csv
from proposals.items import Item, Location, QuestionnaireError

__all__ = ["FORMATS", "Item", "Location", "QuestionnaireError", "read_questionnaire"]

FORMATS = QUESTIONNAIRE_TYPES


def read_questionnaire(path: Path, line_roles: bool = True) -> list[Item]:
    """Questions from ``path``, in reading order; ``line_roles`` lets a JSONL/CSV line carry its
    own role (the command line trusts its user; the web app, which knows its user, does not)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise QuestionnaireError(f"unsupported questionnaire type {suffix or '(none)'}: use "
                                 f"{', '.join(FORMATS)}")
    if suffix == ".jsonl":
        return _jsonl(path.read_bytes().decode("utf-8-sig"), line_roles)
    rows = _rows(path, suffix)
    return [_item(row, number, line_roles) for number, row in enumerate(rows, start=1)]


def _rows(path: Path, suffix: str) -> list[dict]:
    if suffix == ".docx":
        from proposals.docx_in import read_docx

        return read_docx(path)
    if suffix == ".xlsx":
        from proposals.xlsx_in import read_xlsx

        return read_xlsx(path)
    if suffix == ".csv":
        return read_csv(path)
    lines = decode_text(path.read_bytes()).splitlines()
    return [{"question": line.strip(), "location": Location("line", row=n)}
            for n, line in enumerate(lines, start=1) if line.strip()]


def _item(row: dict, number: int, line_roles: bool) -> Item:
    item = Item(str(row.get("id") or f"q{number}"), row["question"], location=row.get("location"),
                section=row.get("section"))
    role = str(row.get("role") or "").strip() if line_roles else ""
    if role and role not in ROLES:
        where = item.location.label() if item.location else f"line {number}"
        item.error = f"{where}: role must be one of {', '.join(ROLES)}, not {role!r}"
    item.role = role or None
    return item


def _jsonl(text: str, line_roles: bool) -> list[Item]:
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = Location("line", row=number)
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            items.append(Item(f"line-{number}", "", error=f"line {number}: not a JSON object ({exc})",
                              location=where))
            continue
        question = str(row.get("question") or "").strip()
        if not question:
            items.append(Item(str(row.get("id") or f"line-{number}"), "",
                              error=f"line {number}: no \"question\" field", location=where))
            continue
        items.append(_item({**row, "question": question, "location": where}, number, line_roles))
    return items
