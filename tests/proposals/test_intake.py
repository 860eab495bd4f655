"""Reading sponsors' questionnaires: only the questions, each with where it sits in the file."""

import json
import subprocess
import sys

import pytest

from proposals.intake import QuestionnaireError, read_questionnaire
from proposals.items import Item, Location
from tests.conftest import write
from tests.proposals import forms
from tests.proposals.forms import INSTRUCTION, QUESTIONS_EN, QUESTIONS_ZH


def where(items) -> list[tuple]:
    return [(i.question, i.location.label()) for i in items]


def test_docx_table_questions_come_from_the_question_column(tmp_path):
    items = read_questionnaire(forms.table_docx(tmp_path / "q.docx"))
    # not "No.", not the numbers, not the header's second row, the section, the instruction or the empty row
    assert where(items) == [(QUESTIONS_EN[0], "table 1, row 4, cell 2"), (QUESTIONS_ZH[0], "table 1, row 5, cell 2"),
                            (QUESTIONS_EN[1], "table 1, row 6, cell 2"), (QUESTIONS_EN[2], "table 1, row 7, cell 2")]
    assert {i.location.answer_cell for i in items} == {3} and items[0].section == "Part A: Regulatory review"
    assert [i.id for i in items] == ["q1", "q2", "q3", "q4"]


def test_a_table_without_header_words_is_read_by_its_content(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=0, cols=3)
    for number, question in enumerate(["是否需要伦理审查？", "How long does ethics review take?"], start=1):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = f"{number}.", question
    document.save(str(tmp_path / "bare.docx"))
    items = read_questionnaire(tmp_path / "bare.docx")
    assert where(items) == [("是否需要伦理审查？", "table 1, row 1, cell 2"),
                            ("How long does ethics review take?", "table 1, row 2, cell 2")]
    assert items[0].location.answer_cell == 3       # the empty column beside the questions


def test_letters_number_questions_when_no_row_has_a_digit(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ("No.", "Item", "Response")):
        cell.text = text
    for letter, question in (("A", "Describe your GMP facility"), ("B", "伦理审查的平均周期")):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = letter, question
    document.save(str(tmp_path / "letters.docx"))
    assert [i.question for i in read_questionnaire(tmp_path / "letters.docx")] == ["Describe your GMP facility",
                                                                                  "伦理审查的平均周期"]


def test_docx_numbered_paragraphs_skip_sections_options_and_instructions(tmp_path):
    items = read_questionnaire(forms.numbered_docx(tmp_path / "q.docx"))
    assert [i.question for i in items] == [QUESTIONS_EN[0], QUESTIONS_ZH[0], QUESTIONS_EN[1], QUESTIONS_EN[2]]
    assert items[0].location == Location("paragraph", paragraph=4, answer_paragraph=5)   # the "Answer: ____" line
    assert items[1].location.answer_paragraph is None and items[2].section == "2. Safety"
    assert items[2].question == QUESTIONS_EN[1]      # the typed "2.1" is not part of the question


def test_xlsx_reads_every_sheet_below_its_title_rows(tmp_path):
    items = read_questionnaire(forms.two_sheet_xlsx(tmp_path / "q.xlsx"))
    assert where(items) == [(QUESTIONS_EN[0], "sheet 'General', B5"), (QUESTIONS_EN[1], "sheet 'General', B7"),
                            (QUESTIONS_EN[2], "sheet 'General', B8"), (QUESTIONS_ZH[0], "sheet '伦理', B3"),
                            (QUESTIONS_ZH[1], "sheet '伦理', B4")]
    assert items[0].location.header_row == 4 and items[0].location.answer_cell == 3   # "Site response", merged C4:D4
    assert items[1].section == "Part B: Safety" and items[3].location.header_row == 2
    assert INSTRUCTION not in [i.question for i in items]


def test_gb18030_csv_with_semicolons(tmp_path):
    items = read_questionnaire(forms.gb18030_csv(tmp_path / "q.csv"))
    assert where(items) == [(QUESTIONS_ZH[0], "row 2"), (QUESTIONS_EN[0], "row 3"), (QUESTIONS_ZH[1], "row 5")]


@pytest.mark.parametrize("encoding, delimiter", [("utf-8-sig", "\t"), ("utf-8", ","), ("utf-8-sig", "|")])
def test_csv_any_delimiter_with_or_without_bom(tmp_path, encoding, delimiter):
    rows = [["id", "question", "role"], ["x1", "Is HGR approval needed, and when?", "staff"], ["x2", "", ""],
            ["x3", QUESTIONS_ZH[1], ""]]
    text = "\n".join(delimiter.join(f'"{c}"' if "," in c else c for c in row) for row in rows)
    (tmp_path / "q.csv").write_bytes(text.encode(encoding))
    items = read_questionnaire(tmp_path / "q.csv")
    assert [(i.id, i.question, i.role) for i in items] == [("x1", "Is HGR approval needed, and when?", "staff"),
                                                           ("x3", QUESTIONS_ZH[1], None)]
    assert [i.role for i in read_questionnaire(tmp_path / "q.csv", line_roles=False)] == [None, None]


def test_plain_paragraphs_are_still_questions_when_nothing_is_numbered(tmp_path):
    from tests.conftest import make_docx

    path = make_docx(tmp_path / "plain.docx", [("Heading 1", "Questions"), (None, INSTRUCTION),
                                               (None, "Describe your GMP facility"), (None, "伦理审查周期")])
    assert [i.question for i in read_questionnaire(path)] == ["Describe your GMP facility", "伦理审查周期"]


def test_damaged_files_and_unknown_types_say_what_to_do(tmp_path):
    (tmp_path / "bad.docx").write_bytes(b"not a zip")
    with pytest.raises(QuestionnaireError, match="save it again"):
        read_questionnaire(tmp_path / "bad.docx")
    with pytest.raises(QuestionnaireError, match="use .jsonl"):
        read_questionnaire(write(tmp_path / "q.pdf", "x"))


def test_items_round_trip_through_json_for_review(tmp_path):
    item = read_questionnaire(forms.table_docx(tmp_path / "q.docx"))[1]
    edited = {**json.loads(json.dumps(item.to_json())), "question": "人类遗传资源材料出境需要审批吗？"}
    again = Item.from_json(edited)
    assert again.location == item.location and again.question != item.question and again.id == item.id


def test_cli_dry_run_lists_questions_with_locations(tmp_path):
    path = forms.two_sheet_xlsx(tmp_path / "q.xlsx")
    done = subprocess.run([sys.executable, "-m", "ui.cli", "ask", "--batch", str(path), "--dry-run", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [l["question"] for l in lines][:2] == QUESTIONS_EN[:2]
    assert lines[3]["location"] == {"kind": "sheet", "sheet": "伦理", "row": 3, "cell": 2, "answer_cell": 3,
                                    "header_row": 2} and lines[3]["where"] == "sheet '伦理', B3"
    plain = subprocess.run([sys.executable, "-m", "ui.cli", "ask", "--batch", str(path), "--dry-run"],
                           capture_output=True, text=True, timeout=120)
    assert "sheet 'General', B5" in plain.stdout and "5 question(s)" in plain.stderr
