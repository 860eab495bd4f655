"""Questionnaires that would cost minutes or gigabytes are refused in well under a second: an
XLSX or DOCX zip bomb, and a million-row XLSX (named limit); a real one still reads, and text
in a hidden sheet below the limit does not refuse the file."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from proposals.intake import read_questionnaire
from proposals.items import QuestionnaireError
from proposals.xlsx_in import MAX_ROWS
from tests.proposals import forms

REFUSED_WITHIN_S = 2.0          # the 1-million-row file is refused in about 0.2 s on a 2-core machine


def bomb(path: Path, member: str) -> Path:
    """A valid-looking package whose one member unzips to 80 MB (about 80 KB packed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("[Content_Types].xml", "<Types/>")
        out.writestr(member, b"<x>" + b"A" * 80_000_000 + b"</x>")
    assert path.stat().st_size < 1_000_000
    return path


def with_sheet_xml(path: Path, rows: int, hidden_extra: bool = False) -> Path:
    """An openpyxl workbook whose sheet XML is replaced by ``rows`` rows of one question each
    (writing a million rows through openpyxl would take minutes)."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Questions"
    if hidden_extra:
        book.create_sheet("Lists").sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    body = "".join(f'<row r="{r}"><c r="B{r}" t="inlineStr"><is><t>Question {r}?</t></is></c></row>'
                   for r in range(1, rows + 1))
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>')
    target = "xl/worksheets/sheet2.xml" if hidden_extra else "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, sheet if item.filename == target else src.read(item))
    return path


@pytest.mark.parametrize("suffix,member", [(".xlsx", "xl/worksheets/sheet1.xml"), (".docx", "word/document.xml")])
def test_a_zip_bomb_questionnaire_is_refused_before_it_is_unzipped(tmp_path, suffix, member):
    path = bomb(tmp_path / f"bomb{suffix}", member)
    started = time.perf_counter()
    with pytest.raises(QuestionnaireError, match="would unzip to 80 MB"):
        read_questionnaire(path)
    assert time.perf_counter() - started < REFUSED_WITHIN_S


def test_a_million_row_questionnaire_is_refused_naming_the_limit(tmp_path):
    path = with_sheet_xml(tmp_path / "million.xlsx", 1_000_000)
    started = time.perf_counter()
    with pytest.raises(QuestionnaireError, match=f"'Questions' has text below row {MAX_ROWS:,}.*split it"):
        read_questionnaire(path)
    assert time.perf_counter() - started < REFUSED_WITHIN_S


def test_rows_up_to_the_limit_read_and_a_hidden_sheet_never_refuses(tmp_path):
    assert len(read_questionnaire(with_sheet_xml(tmp_path / "full.xlsx", 300))) == 300
    assert read_questionnaire(with_sheet_xml(tmp_path / "hidden.xlsx", MAX_ROWS + 50, hidden_extra=True)) == []
    assert len(read_questionnaire(forms.two_sheet_xlsx(tmp_path / "q.xlsx"))) > 0


def test_a_broken_sheet_part_is_a_clear_error_not_a_crash(tmp_path):
    path = with_sheet_xml(tmp_path / "ok.xlsx", 3)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            out.writestr(item, data[:200] if item.filename == "xl/worksheets/sheet1.xml" else data)
    with pytest.raises(QuestionnaireError, match="save it again as .xlsx"):
        read_questionnaire(broken)
