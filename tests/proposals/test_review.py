"""What the web tab calls: questions as rows to review, a draft of the rows kept, the file back."""

import json

import docx
import pytest

from proposals.batch import DraftError
from proposals.review import draft_rows, review_rows, write_draft
from tests.proposals import forms
from tests.proposals.forms import QUESTIONS_EN, QUESTIONS_ZH


def test_deselected_and_edited_rows(answerer, tmp_path):
    source = forms.table_docx(tmp_path / "feasibility.docx")
    rows = json.loads(json.dumps(review_rows(source)))               # as a web session would keep them
    assert [r["where"] for r in rows][:2] == ["table 1, row 4, cell 2", "table 1, row 5, cell 2"]
    assert all(r["selected"] for r in rows)
    rows[0]["selected"] = False
    rows[2]["question"] = "How fast are grade 3 CRS events reported?"
    answers = draft_rows(answerer, rows, "staff")
    assert [a["id"] for a in answers] == ["q2", "q3", "q4"] and answers[1]["question"] == rows[2]["question"]
    out = write_draft(source, answers, tmp_path / "out")
    assert out.name == "feasibility.draft.docx"
    table = docx.Document(str(out)).tables[0]
    assert table.rows[3].cells[2].text == "" and table.rows[3].cells[1].text == QUESTIONS_EN[0]   # not drafted
    assert "人类遗传资源样本出境须经" in table.rows[4].cells[2].text
    assert "7 days" in table.rows[5].cells[2].text and table.rows[5].cells[1].text == QUESTIONS_EN[1]


def test_other_inputs_come_back_as_a_new_docx_and_sponsors_stay_public(answerer, tmp_path):
    rows = review_rows(forms.gb18030_csv(tmp_path / "q.csv"))
    assert [r["question"] for r in rows] == [QUESTIONS_ZH[0], QUESTIONS_EN[0], QUESTIONS_ZH[1]]
    out = write_draft(tmp_path / "q.csv", draft_rows(answerer, rows[:1], "sponsor"), tmp_path)
    assert out.name == "q.draft.docx" and "人类遗传资源" in " ".join(p.text for p in docx.Document(str(out)).paragraphs)
    with pytest.raises(DraftError):
        draft_rows(answerer, rows, "sponsor", include_internal=True)
