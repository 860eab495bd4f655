"""Drafts are safe for sponsors by default, say how sure they are, and name sources well."""

import json
import re
import subprocess
import sys
import zipfile

import pytest
from openpyxl import load_workbook

from proposals.batch import DraftError, answer_items, draft_answers, draft_role
from proposals.export import write_answers
from proposals.intake import read_questionnaire
from proposals.items import Item
from proposals.sources import name_notes, segments, source_line
from proposals.status import REVIEW_BELOW_SUPPORT, assess, status_text
from tests.conftest import cli_env
from tests.proposals import forms
from tests.proposals.conftest import INTERNAL_WORDS

SOP_QUESTIONS = ["How does the safety desk log an SAE on form F-SAE-01?", "FALCON-7 SAE 接收流程是什么？",
                 "Which documents govern the review of a study?"]


def sop_form(tmp_path):
    return forms.table_docx(tmp_path / "sop.docx", SOP_QUESTIONS)


def docx_words(path) -> str:
    with zipfile.ZipFile(path) as package:
        xml = " ".join(package.read(n).decode("utf-8") for n in package.namelist()
                       if n.startswith("word/") and n.endswith(".xml"))
    return re.sub(r"<[^>]+>", " ", xml)


def leaks(text: str, questions=SOP_QUESTIONS) -> list[str]:
    for question in questions:
        text = text.replace(question, "")
    return [w for w in INTERNAL_WORDS if w in text]


def test_a_staff_draft_cites_public_documents_unless_told_otherwise(answerer, tmp_path):
    source = sop_form(tmp_path)
    items = read_questionnaire(source)
    safe = draft_answers(answerer, items, "staff")
    assert all(c["access"] == "public" for a in safe for c in a["citations"])
    assert {a["role"] for a in safe} == {"sponsor"}
    write_answers(safe, tmp_path / "safe.docx", source=source)
    write_answers(safe, tmp_path / "safe.md")
    assert leaks(docx_words(tmp_path / "safe.docx")) == []
    assert leaks((tmp_path / "safe.md").read_text(encoding="utf-8")) == []
    faq = next(a for a in safe if any(c["doc_id"] == "review-faq-en" for c in a["citations"]))
    assert "hospital's intake steps" in faq["answer"] and "rule-en" not in faq["answer"]      # no identifiers
    inside = draft_answers(answerer, items, "staff", include_internal=True)
    write_answers(inside, tmp_path / "inside.docx", source=source)
    assert "SOP Safety Desk SAE Intake" in docx_words(tmp_path / "inside.docx")      # the check can fail
    assert "sop-sae" not in json.dumps([a["answer"] for a in inside])


def test_a_sponsor_cannot_include_internal_references(answerer):
    with pytest.raises(DraftError, match="staff and admin"):
        draft_answers(answerer, [Item("q1", SOP_QUESTIONS[0])], "sponsor", include_internal=True)
    assert draft_role("admin", True) == "admin" and draft_role("admin") == "sponsor"


def test_roles_written_in_a_questionnaire_do_not_open_a_draft(answerer):
    items = [Item("q1", SOP_QUESTIONS[0], role="staff")]
    assert leaks(json.dumps(draft_answers(answerer, items, "sponsor"), ensure_ascii=False)) == []
    raw = answer_items(answerer, items, "sponsor")         # the JSONL record keeps the line's role
    assert raw[0]["role"] == "staff" and raw[0]["citations"][0]["access"] == "internal"


def test_status_per_question(answerer):
    items = [Item("a", forms.QUESTIONS_ZH[0]), Item("b", forms.QUESTIONS_EN[2]),
             Item("c", "Under the 2019 consultation draft, who approves a study?"), Item("d", "", error="line 4: bad")]
    answers = draft_answers(answerer, items, "staff")
    assert [(a["status"], a["review"]) for a in answers] == [
        ("answered", []), ("not_covered", []), ("needs_review", ["not_in_force"]), ("needs_review", ["error"])]
    weak = {"abstained": False, "citations": [{"status": "in_force"}], "language": "zh"}
    assert assess(weak, REVIEW_BELOW_SUPPORT - 0.01) == ("needs_review", ["low_support"])
    assert assess(weak, REVIEW_BELOW_SUPPORT) == ("answered", [])
    assert assess({**weak, "citations": [{"status": "trial"}]}, 0.9) == ("answered", [])
    assert status_text({**weak, "status": "needs_review", "review": ["low_support"]}) == "待审核：依据支持度低"


def test_cli_writes_the_questionnaire_back_and_reports_status(kb_settings, tmp_path):
    source = forms.two_sheet_xlsx(tmp_path / "q.xlsx")
    env = cli_env(kb_settings)
    done = subprocess.run([sys.executable, "-m", "ui.cli", "ask", "--batch", str(source), "--out",
                           str(tmp_path / "q.draft.xlsx"), "--role", "staff", "--json"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "wrote 5 answers" in done.stderr and "1 not covered" in done.stderr
    assert "public documents only" in done.stderr
    lines = [json.loads(l) for l in done.stdout.splitlines()]
    assert [l["location"]["row"] for l in lines] == [5, 7, 8, 3, 4] and lines[2]["status"] == "not_covered"
    assert load_workbook(tmp_path / "q.draft.xlsx")["General"]["F8"].value == "not covered"
    refused = subprocess.run([sys.executable, "-m", "ui.cli", "ask", "--batch", str(source), "--out",
                              str(tmp_path / "x.docx"), "--include-internal"],
                             capture_output=True, text=True, env=env, timeout=120)
    assert refused.returncode == 2 and "staff and admin" in refused.stderr and not (tmp_path / "x.docx").exists()


def test_source_lines_segments_and_notes():
    zh = {"n": 1, "title": "人类遗传资源管理条例", "issuer": "国务院", "doc_number": "国务院令第717号",
          "section": "第二十七条", "page": 3, "status": "in_force", "lang": "zh"}
    assert source_line(zh) == "人类遗传资源管理条例，国务院，国务院令第717号，第二十七条，第3页，现行有效"
    assert source_line({**zh, "lang": "en", "status": "not_yet_in_force"}).endswith("p. 3, not yet in force")
    assert segments("A. [1] B. [1] C. [2] Fa [2024] No. 5. [1]", {1, 2}) == [
        ("A.", []), (" B.", [1]), (" C.", [2]), (" Fa [2024] No. 5.", [1])]
    assert name_notes("x\n\n[2] 为草案或征求意见稿，并非现行规定。", [zh, {**zh, "n": 2, "title": "草案"}], "zh") == \
        "x\n\n《草案》 为草案或征求意见稿，并非现行规定。"
