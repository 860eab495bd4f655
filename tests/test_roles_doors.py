"""A rule whose Chinese text is public and English text internal, and one the other way round,
asked by a sponsor in both languages through every door: search, ask, a batch, the web chat and
the Gradio API. The sponsor must never receive the internal version: not its text, title,
doc_id or a counterpart reference. Controls show the internal versions are there and paired, so
a clean sponsor result means the access check held, not that the fixture missed.

Removing the access condition on a clause's other-language counterpart (search._counterpart)
makes the English questions about the first rule quote its internal English text.
"""

from __future__ import annotations

import json

import pytest

from iitkb.settings import PROJECT_ROOT, Settings
from tests.conftest import front, write

ZH_PUBLIC = """## 第一章 总则
### 第三条
细胞库应当每季度核对一次库存记录，并保存核对记录。
"""
EN_INTERNAL = """## Chapter 1 General Provisions
### Article 3
The cell bank verifies its inventory records once every quarter under procedure ORCA-3310 and keeps the records.
"""
EN_PUBLIC = """## Chapter 2 Transport
### Article 5
Cell products are shipped in validated containers with a temperature logger in every box.
"""
ZH_INTERNAL = """## 第二章 运输
### 第五条
细胞产品应当使用经验证的容器运输，每箱配备温度记录仪，并执行流程 ORCA-7720。
"""
INTERNAL_MARKS = ("ORCA", "cellbank-en", "transport-zh", "Cell Bank Measures (restricted)", "细胞产品运输规定（限内部）")
QUESTIONS = {
    "cellbank": ("How often must a cell bank verify its inventory records?", "细胞库多久核对一次库存记录？"),
    "transport": ("How are cell products shipped, and with what temperature logger?", "细胞产品如何运输？需要温度记录仪吗？"),
}
ALL_QUESTIONS = [q for pair in QUESTIONS.values() for q in pair]
PASSWORD = "sponsor-pass-1"
pytestmark = pytest.mark.filterwarnings("ignore::Warning:gradio.queueing")


def leaks(data, question: str) -> list[str]:
    text = json.dumps(data, ensure_ascii=False).replace(question, "")
    return [mark for mark in INTERNAL_MARKS if mark in text]


@pytest.fixture(scope="module")
def kb(tmp_path_factory, e5):
    from ingest.pipeline import Ingestor
    from retrieval.answer import Answerer
    from retrieval.search import Searcher

    root = tmp_path_factory.mktemp("doors")
    settings = Settings(data_dir=root / "data", glossary_path=PROJECT_ROOT / "corpus" / "glossary.tsv")
    corpus = root / "corpus"
    write(corpus / "cellbank.zh.md", front("cellbank-zh", "zh", "细胞库管理办法", ZH_PUBLIC, source_id="cellbank"))
    write(corpus / "cellbank.en.md", front("cellbank-en", "en", "Cell Bank Measures (restricted)", EN_INTERNAL,
                                           source_id="cellbank", access="internal"))
    write(corpus / "transport.en.md", front("transport-en", "en", "Rules on Shipping Cell Products", EN_PUBLIC,
                                            source_id="transport"))
    write(corpus / "transport.zh.md", front("transport-zh", "zh", "细胞产品运输规定（限内部）", ZH_INTERNAL,
                                            source_id="transport", access="internal"))
    ingestor = Ingestor(settings, embedder=e5)
    report = ingestor.run([corpus])
    ingestor.close()
    assert report.added == 4 and not report.skipped
    return settings, Answerer(settings, searcher=Searcher(settings, embedder=e5))


@pytest.fixture(scope="module")
def web(kb):
    from tests.ui.conftest import RunningApp, free_port
    from ui.users import UserStore
    from ui.web import make_server

    settings, answerer = kb
    UserStore(settings.users_path).add("sam", "sponsor", PASSWORD)
    running = RunningApp(make_server(settings, answerer), free_port())
    yield running
    running.stop()


def test_the_internal_versions_exist_and_are_paired(kb):
    """Controls: staff see the internal text, and each public clause has its internal counterpart."""
    _, answerer = kb
    index = answerer.searcher.index
    for doc_id, other in (("cellbank-zh", "en"), ("transport-en", "zh")):
        chunk = next(c for c in index.chunks() if c.meta["doc_id"] == doc_id and c.meta["section_key"].startswith("art:"))
        pair = index.counterpart(chunk, other, [])
        assert pair is not None and pair.meta["access"] == "internal" and "ORCA" in pair.text
    staff = answerer.ask(QUESTIONS["cellbank"][0], role="staff").to_json()
    assert "ORCA-3310" in json.dumps(staff) and any(c["doc_id"] == "cellbank-en" for c in staff["citations"])


@pytest.mark.parametrize("question", ALL_QUESTIONS)
def test_search_never_returns_internal_text_to_a_sponsor(kb, question):
    hits = kb[1].searcher.search(question, role="sponsor").hits
    assert hits and all(h.chunk.meta["access"] == "public" for h in hits)
    assert leaks([h.to_json(rank) for rank, h in enumerate(hits, 1)], question) == []


@pytest.mark.parametrize("question", ALL_QUESTIONS)
def test_ask_never_quotes_internal_text_to_a_sponsor(kb, question):
    answer = kb[1].ask(question, role="sponsor").to_json()
    assert leaks(answer, question) == []
    assert all(c["access"] == "public" for c in answer["citations"])


def test_the_sponsor_is_still_answered_from_the_public_versions(kb):
    answerer = kb[1]
    zh = answerer.ask(QUESTIONS["cellbank"][1], role="sponsor").to_json()
    en = answerer.ask(QUESTIONS["transport"][0], role="sponsor").to_json()
    assert [c["doc_id"] for c in zh["citations"]][:1] == ["cellbank-zh"]
    assert [c["doc_id"] for c in en["citations"]][:1] == ["transport-en"]


def test_a_batch_never_returns_internal_text_to_a_sponsor(kb, tmp_path):
    from proposals.batch import answer_items
    from proposals.intake import read_questionnaire

    questions = write(tmp_path / "questions.txt", "\n".join(ALL_QUESTIONS) + "\n")
    answers = answer_items(kb[1], read_questionnaire(questions, line_roles=False), "sponsor", line_roles=False)
    assert len(answers) == len(ALL_QUESTIONS)
    for question, answer in zip(ALL_QUESTIONS, answers):
        assert leaks(answer, question) == [], answer


@pytest.mark.parametrize("question", ALL_QUESTIONS)
def test_the_web_chat_and_the_api_never_return_internal_text_to_a_sponsor(web, question):
    from gradio_client import Client

    from tests.ui.conftest import call_event, login

    api = Client(web.url, auth=("sam", PASSWORD), verbose=False).predict(question, api_name="/ask")
    assert api["role"] == "sponsor" and not api.get("error") and leaks(api, question) == []
    chat = call_event(login(web.url, "sam", PASSWORD), "respond", [question, [], "any", "any", [], "", "English"])
    assert chat["success"] and leaks(chat["output"]["data"], question) == []
