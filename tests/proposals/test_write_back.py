"""The sponsor's own file back, filled in: answers in place, everything else as it was."""

import re

import docx
from docx.shared import Pt
from openpyxl import load_workbook

from proposals.batch import draft_answers
from proposals.export import write_answers
from proposals.intake import read_questionnaire
from proposals.sources import source_line
from proposals.status import status_text
from tests.proposals import forms
from tests.proposals.forms import INSTRUCTION, QUESTIONS_EN, QUESTIONS_ZH, TITLE

MARKER = re.compile(r"\[\d{1,2}\]")     # a citation marker; "[2024]" in a doc number is none


def drafted(answerer, path, out, role="staff", **options):
    answers = draft_answers(answerer, read_questionnaire(path), role, **options)
    write_answers(answers, out, source=path)
    return answers


def test_docx_table_answers_go_into_their_answer_cells(answerer, tmp_path):
    source = forms.table_docx(tmp_path / "q.docx")
    answers = drafted(answerer, source, tmp_path / "q.draft.docx")
    before, after = docx.Document(str(source)), docx.Document(str(tmp_path / "q.draft.docx"))
    old, new = before.tables[0], after.tables[0]
    assert len(new.rows) == len(old.rows) and len(after.tables) == 1
    rows = {4: "Every study must pass scientific review and ethics review", 5: "人类遗传资源样本出境须经国务院",
            6: "report grade 3 events within 7 days", 7: "The knowledge base does not cover this question"}
    for row, words in rows.items():
        cells = new.rows[row - 1].cells
        assert words in cells[2].text and not MARKER.search(cells[2].text)   # footnotes, not [n]
        assert cells[1].text == old.rows[row - 1].cells[1].text and cells[0].text == str(row - 3)
    assert "not covered" in new.rows[6].cells[2].text                           # its status, flagged
    assert [a["status"] for a in answers][3] == "not_covered"


def test_docx_formatting_is_kept(answerer, tmp_path):
    source = forms.table_docx(tmp_path / "q.docx")
    drafted(answerer, source, tmp_path / "q.draft.docx")
    document = docx.Document(str(tmp_path / "q.draft.docx"))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[:2] == [TITLE, INSTRUCTION] and document.paragraphs[0].style.name == "Title"
    assert paragraphs.index("Thank you.") < paragraphs.index("Sources")
    table = document.tables[0]
    assert table.style.name == "Table Grid"
    assert all(r.bold for r in table.rows[0].cells[1].paragraphs[0].runs)
    assert table.rows[0].cells[0]._tc is table.rows[1].cells[0]._tc                 # the merged header
    section = table.rows[2].cells
    assert section[0]._tc is section[2]._tc and section[0].text == "Part A: Regulatory review"
    question = table.rows[3].cells[1].paragraphs[0].runs[0]
    assert (question.font.name, question.font.size) == ("Arial", Pt(9))
    answer_runs = [r for r in table.rows[3].cells[2].paragraphs[0].runs if r.text.strip()]
    assert answer_runs and all((r.font.name, r.font.size) == ("Arial", Pt(9)) for r in answer_runs)
    assert table.rows[1].cells[2].text == "(site to complete)"


def test_docx_numbered_paragraph_answers_follow_their_questions(answerer, tmp_path):
    source = forms.numbered_docx(tmp_path / "q.docx")
    drafted(answerer, source, tmp_path / "q.draft.docx")
    texts = [p.text for p in docx.Document(str(tmp_path / "q.draft.docx")).paragraphs]
    first = texts.index(QUESTIONS_EN[0])
    assert texts[first + 1].startswith("Answer: ") and "Every study must pass scientific review" in texts[first + 1]
    second = texts.index(QUESTIONS_ZH[0])
    assert "人类遗传资源样本出境须经" in texts[second + 1] and texts[second + 2: second + 4] == ["Yes", "No"]
    third = texts.index(f"2.1 {QUESTIONS_EN[1]}")
    assert "grade 3 events within 7 days" in texts[third + 1] and texts[third + 2] == f"2.2 {QUESTIONS_EN[2]}"
    assert texts[texts.index(f"2.2 {QUESTIONS_EN[2]}") + 1].startswith("The knowledge base does not cover")
    assert not any(MARKER.search(t) for t in texts)


def test_xlsx_gets_answer_sources_and_status_columns(answerer, tmp_path):
    source = forms.two_sheet_xlsx(tmp_path / "q.xlsx")
    answers = drafted(answerer, source, tmp_path / "q.draft.xlsx")
    workbook = load_workbook(tmp_path / "q.draft.xlsx")
    general, ethics = workbook["General"], workbook["伦理"]
    assert [general.cell(4, c).value for c in range(1, 7)] == ["No.", "Question", "Site response", None,
                                                                "Sources", "Status"]
    assert "Every study must pass" in general["C5"].value and "[1]" in general["C5"].value
    assert general["E5"].value.startswith("[1] " + source_line(answers[0]["citations"][0]))
    assert general["F8"].value == "not covered" and general["B8"].value == QUESTIONS_EN[2]
    assert general["C5"].alignment.wrap_text and general["E5"].alignment.wrap_text
    assert general["E4"].font.bold and general["E4"].fill.fgColor.rgb == general["B4"].fill.fgColor.rgb
    assert {str(r) for r in general.merged_cells.ranges} == {"A1:D1", "C4:D4", "A6:D6"}
    assert general["A6"].value == "Part B: Safety" and general["C6"].value is None      # sections stay empty
    assert general.column_dimensions["B"].width == 55
    # the Chinese sheet has its own Status column (状态); only Sources (来源) is added
    assert [ethics.cell(2, c).value for c in range(1, 6)] == ["序号", "问题", "答复", "状态", "来源"]
    assert "人类遗传资源样本出境须经" in ethics["C3"].value and ethics["D3"].value == "已回答"
    assert "第二十条" in ethics["E3"].value and "现行有效" in ethics["E3"].value


def test_other_questionnaires_become_new_drafts(answerer, tmp_path):
    source = forms.gb18030_csv(tmp_path / "q.csv")
    drafted(answerer, source, tmp_path / "q.draft.xlsx")
    drafted(answerer, source, tmp_path / "q.draft.docx")
    answers = drafted(answerer, source, tmp_path / "q.draft.md")
    sheet = load_workbook(tmp_path / "q.draft.xlsx").active
    assert [c.value for c in sheet[1]] == ["No.", "Question", "Answer", "Sources", "Status"]
    assert sheet["B2"].value == QUESTIONS_ZH[0] and "Every study must pass" in sheet["C3"].value
    headings = [p.text for p in docx.Document(str(tmp_path / "q.draft.docx")).paragraphs
                if p.style.name == "Heading 1"]
    assert headings == [f"1. {QUESTIONS_ZH[0]}", f"2. {QUESTIONS_EN[0]}", f"3. {QUESTIONS_ZH[1]}"]
    markdown = (tmp_path / "q.draft.md").read_text(encoding="utf-8")
    assert "must be reviewed" in markdown and "第二十条" in markdown and "*已回答*" in markdown
    assert all(f"*{status_text(a)}*" in markdown for a in answers)
