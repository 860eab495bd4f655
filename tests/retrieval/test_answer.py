"""Extractive cited answers: language, citations at clause level, status notes, abstention, roles."""

import json
import re
import subprocess
import sys

import pytest

from retrieval.answer import Answerer, Citation
from tests.conftest import cli_env, write


@pytest.fixture(scope="module")
def answerer(index_settings, searcher):
    return Answerer(index_settings, searcher=searcher)


def test_english_answer_cites_the_clause(answerer):
    answer = answerer.ask("What reviews must a study pass before institutional approval?")
    assert not answer.abstained and answer.language == "en"
    assert "[1]" in answer.answer
    first = answer.citations[0].to_json()
    assert first["doc_id"] == "rule-en" and first["section"] == "Article 10"
    assert first["quote"] in answer.answer and first["doc_number"] == "Guo Wei Ke Jiao Fa [2024] No. 32"


def test_chinese_question_gets_a_chinese_answer(answerer):
    answer = answerer.ask("临床研究立项前需要通过哪些审查？")
    assert answer.language == "zh" and not answer.abstained
    assert answer.citations[0].chunk.meta["lang"] == "zh"
    assert "科学性审查和伦理审查" in answer.answer


def test_other_language_evidence_is_quoted_from_the_pair_and_said_so(answerer, searcher):
    from retrieval.filters import Filters

    answer = Answerer(answerer.settings, searcher=searcher)
    result = searcher.search("立项 科学性审查 伦理审查", k=1, filters=Filters(lang="zh"))
    evidence = answer.evidence(result.hits, "en")
    assert evidence[0].chunk.meta["doc_id"] == "rule-en" and evidence[0].counterpart_of.meta["doc_id"] == "rule-zh"
    notes = Answerer._notes("en", [Citation(1, evidence[0].chunk, "q", evidence[0].counterpart_of)])
    assert notes == ["[1] quotes the English version of a matching clause found in the Chinese document."]


def test_english_question_on_chinese_only_clause_says_it_quotes_chinese(answerer):
    answer = answerer.ask("Who approves sending human genetic resource samples abroad?")
    assert not answer.abstained
    cited = [c.chunk.meta["doc_id"] for c in answer.citations]
    assert "rule-zh" in cited
    assert "is quoted in Chinese: the knowledge base has no English version of it" in answer.answer


def test_superseded_source_is_flagged(answerer):
    answer = answerer.ask("What did the 2019 consultation draft say about approval by the provincial authority?")
    flagged = [c for c in answer.citations if c.chunk.meta["status"] == "superseded"]
    assert flagged and all(re.search(rf"(?:\[\d+\])*\[{c.n}\](?:\[\d+\])* has been superseded", answer.answer)
                           for c in flagged)
    assert answer.answer.count("has been superseded") == len({c.chunk.meta["doc_id"] for c in flagged})


@pytest.mark.parametrize("question,lang,phrase", [
    ("What is the best recipe for sourdough bread?", "en", "The knowledge base does not cover this question."),
    ("明天上海的天气怎么样？", "zh", "知识库中没有能回答这个问题的内容。"),
])
def test_out_of_scope_questions_abstain_in_their_language(answerer, question, lang, phrase):
    answer = answerer.ask(question)
    assert answer.abstained and answer.citations == [] and answer.language == lang
    assert answer.answer.startswith(phrase)


def test_sponsor_answer_never_contains_internal_text(answerer):
    for question in ("How does the safety desk log an SAE on form F-SAE-01?", "FALCON-7 SAE 接收流程是什么？"):
        sponsor = json.dumps(answerer.ask(question, role="sponsor").to_json(), ensure_ascii=False)
        assert "F-SAE-01" not in sponsor.replace(question, "") and "FALCON" not in sponsor.replace(question, "")
        assert "SOP" not in sponsor.replace(question, "")
        staff = answerer.ask(question, role="staff")
        assert any(c.chunk.meta["access"] == "internal" for c in staff.citations)


def test_cli_ask_json_and_batch(index_settings, tmp_path):
    env = cli_env(index_settings)
    done = subprocess.run([sys.executable, "-m", "ui.cli", "ask", "What reviews must a study pass?", "--json"],
                          capture_output=True, text=True, env=env, timeout=120)
    answer = json.loads(done.stdout)
    assert {"id", "question", "role", "language", "answer", "abstained", "citations", "latency_ms"} <= set(answer)
    assert answer["role"] == "sponsor" and answer["citations"][0]["section"] == "Article 10"

    batch = write(tmp_path / "q.jsonl", "\n".join([
        json.dumps({"id": "a", "question": "What reviews must a study pass?", "extra": 1}),
        "{not json",
        json.dumps({"id": "c", "question": "SAE 登记表单是什么？", "role": "staff"}),
        json.dumps({"id": "d"}),
    ]))
    for out in ("answers.jsonl", "answers.md", "answers.docx"):
        done = subprocess.run([sys.executable, "-m", "ui.cli", "ask", "--batch", str(batch), "--out",
                               str(tmp_path / out)], capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
    lines = [json.loads(l) for l in (tmp_path / "answers.jsonl").read_text().splitlines()]
    assert [l["id"] for l in lines] == ["a", "line-2", "c", "d"]
    assert "not a JSON object" in lines[1]["error"] and 'no "question"' in lines[3]["error"]
    assert lines[2]["role"] == "staff" and lines[2]["citations"][0]["access"] == "internal"
    markdown = (tmp_path / "answers.md").read_text()
    assert "must be reviewed" in markdown and "Article 10" in markdown

    import docx

    document = docx.Document(str(tmp_path / "answers.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "1. What reviews must a study pass?" and len(headings) == 4
    assert any("must be reviewed" in p.text for p in document.paragraphs)
    footnotes = next(p for p in document.part.package.parts if p.partname == "/word/footnotes.xml")
    assert "Article 10" in footnotes.blob.decode() and b"footnoteReference" in document.part.blob


def test_csv_and_txt_questionnaires(tmp_path):
    from proposals.intake import read_questionnaire

    csv_items = read_questionnaire(write(tmp_path / "q.csv", "id,question\nx1,Is HGR approval needed?\nx2,\n"))
    assert [(i.id, i.question) for i in csv_items] == [("x1", "Is HGR approval needed?")]
    txt_items = read_questionnaire(write(tmp_path / "q.txt", "First question?\n\n第二个问题？\n"))
    assert [i.question for i in txt_items] == ["First question?", "第二个问题？"]


def test_a_question_in_another_language_is_told_which_languages_the_base_answers(answerer):
    answer = answerer.ask("ヒト遺伝資源の輸出には承認が必要ですか？")
    assert answer.abstained and answer.language == "en" and not answer.citations
    assert "Chinese or English" in answer.answer and "中文或英文" in answer.answer
