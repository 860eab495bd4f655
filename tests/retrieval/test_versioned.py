"""Answers name their versions: questions about change (zh and en) answered by the Answerer from
the differences citing both versions, a superseded source naming the rule that replaced it, the
index version in every answer, and a sponsor's answer built from public versions only."""

import re

import pytest

from index.index import Index
from retrieval.answer import Answerer
from tests.bundled import bundled_index

SOURCE_ID = re.compile(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b")


@pytest.fixture(scope="module")
def answerer(tmp_path_factory, e5):
    from retrieval.search import Searcher

    settings, _ = bundled_index(tmp_path_factory, e5)
    return Answerer(settings, searcher=Searcher(settings, embedder=e5), generator=None)


def cited(data: dict) -> set[str]:
    return {c["doc_id"] for c in data["citations"]}


def test_a_chinese_change_question_cites_both_ethics_measures(answerer):
    data = answerer.ask("2016年和2023年伦理审查办法有什么区别？", role="sponsor", id="c1").to_json()
    assert data["id"] == "c1" and data["language"] == "zh" and not data["abstained"]
    assert cited(data) == {"ethics-2016-zh", "ethics-2023-zh"}
    assert "2016年版" in data["answer"] and "2023年版" in data["answer"]
    assert "不少于 7 人" in data["answer"], "the composition clause both versions word differently"
    assert all(f"[{c['n']}]" in data["answer"] for c in data["citations"])


def test_an_english_change_question_on_a_topic_cites_the_pilot_and_the_measures(answerer):
    question = "What changed between the 2021 IIT pilot and the 2024 measures on registration of studies?"
    data = answerer.ask(question, role="sponsor").to_json()
    assert cited(data) == {"nhc-iit-2021-en", "nhc-iit-2024-en"}
    assert "medical research registration and filing system" in data["answer"], "the added registration clause"
    assert "2024 text" in data["answer"] and "superseded" in data["answer"]
    old = [c for c in data["citations"] if c["doc_id"] == "nhc-iit-2021-en"]
    assert all(c["replaced_by"]["doc_id"] == "nhc-iit-2024-en" for c in old)


def test_streaming_ends_with_the_same_change_answer(answerer):
    steps = list(answerer.stream("2016年和2023年伦理审查办法有什么区别？", role="sponsor"))
    assert cited(steps[-1].to_json()) == {"ethics-2016-zh", "ethics-2023-zh"}


@pytest.mark.parametrize("question,lang", [("Which regions were in the 2021 IIT pilot?", "en"),
                                           ("2021年试行办法在哪些地区试点？", "zh")])
def test_a_superseded_source_names_the_rule_that_replaced_it_by_title(answerer, question, lang):
    data = answerer.ask(question, role="sponsor").to_json()
    old = [c for c in data["citations"] if c["doc_id"].startswith("nhc-iit-2021")]
    assert old, "the answer cites the pilot"
    newer = old[0]["replaced_by"]
    assert newer["doc_id"] == f"nhc-iit-2024-{lang}" and newer["doc_number"] == "国卫科教发〔2024〕32号"
    assert "(医疗" not in newer["title"], "the short title leaves the Chinese original out"
    notes = data["answer"].split("\n\n", 1)[1]
    assert newer["title"] in notes and "国卫科教发〔2024〕32号" in notes
    assert not {"nhc-iit-2024", "nhc-iit-2021"} & set(SOURCE_ID.findall(notes)), "named by title, never by id"


def test_a_current_source_has_no_replacement(answerer):
    data = answerer.ask("伦理委员会至少需要几名委员？", role="sponsor").to_json()
    assert data["citations"] and all(c["replaced_by"] is None for c in data["citations"]
                                     if c["status"] in ("in_force", "trial"))


def test_every_answer_carries_the_index_version_of_its_role(answerer):
    index = answerer.searcher.index
    for question in ("伦理委员会至少需要几名委员？", "What is the capital of France?",
                     "2016年和2023年伦理审查办法有什么区别？"):
        sponsor = answerer.ask(question, role="sponsor").to_json()
        assert sponsor["index_version"] == index.version(("public",))
    staff = answerer.ask("伦理委员会至少需要几名委员？", role="staff").to_json()
    assert staff["index_version"] == index.version() != sponsor["index_version"], "internal documents count for staff"
    again = answerer.ask("伦理委员会至少需要几名委员？", role="staff").to_json()
    assert again["index_version"] == staff["index_version"], "stable across runs on the same index"


def test_a_sponsor_change_answer_never_reaches_an_internal_version(index_settings, e5):
    """The small corpus's internal SOP: a staff member's change question may compare it, a
    sponsor's is answered as an ordinary question that cites public documents only."""
    from retrieval.search import Searcher

    answerer = Answerer(index_settings, searcher=Searcher(index_settings, embedder=e5), generator=None)
    question = "What changed in the SOP Safety Desk SAE Intake compared with the previous version?"
    data = answerer.ask(question, role="sponsor").to_json()
    assert all(c["access"] == "public" for c in data["citations"])
    assert "SOP" not in data["answer"] and "FALCON" not in data["answer"]
    assert data["index_version"] == Index(index_settings).version(("public",))
    draft = answerer.ask("What changed between the 2019 draft and the 2024 measures on review?", role="sponsor")
    assert cited(draft.to_json()) == {"old-draft-en", "rule-en"}


def test_a_sponsor_never_sees_an_internal_replacement(tmp_path, e5):
    """A public rule whose newer text is internal: staff see the replacement, a sponsor sees the
    rule as current (no replacement named, linked or counted)."""
    from ingest.pipeline import Ingestor
    from iitkb.settings import Settings
    from retrieval.answer import STATUS_NOTES, Answer, Citation
    from retrieval.search import Searcher
    from retrieval.versioned import VersionedAnswers
    from tests.conftest import front, write

    body = "## Article 1\nSites keep sample logs for {} years.\n"
    write(tmp_path / "c" / "old.en.md", front("logs-2020-en", "en", "Rules on Sample Logs", body.format(10),
                                              issued="2020-01-01", status="superseded"))
    write(tmp_path / "c" / "new.en.md", front("logs-2024-en", "en", "Rules on Sample Logs", body.format(15),
                                              issued="2024-01-01", access="internal", doc_number="Memo 7"))
    settings = Settings(data_dir=tmp_path / "data")
    ingestor = Ingestor(settings, embedder=e5)
    assert ingestor.run([tmp_path / "c"]).added == 2
    ingestor.close()
    versioned = VersionedAnswers.of(Searcher(settings, embedder=e5))
    chunk = next(c for c in versioned.changes.differ.index.document_chunks("logs-2020-en") if "10" in c.text)
    note = STATUS_NOTES["en"]["superseded"].format(n=1)
    raw = Answer("q", "x", "en", f"Sites keep sample logs for 10 years. [1]\n\n{note}", False, [Citation(1, chunk, "")])
    staff = versioned.finish(raw, "staff").to_json()
    assert staff["citations"][0]["replaced_by"]["doc_id"] == "logs-2024-en" and "Memo 7" in staff["answer"]
    sponsor = versioned.finish(raw, "sponsor").to_json()
    assert sponsor["citations"][0]["replaced_by"] is None and sponsor["answer"] == raw.answer
    assert sponsor["index_version"] != staff["index_version"]


def test_a_source_that_declares_itself_in_force_but_was_replaced_gets_its_own_note():
    """A newer text of the rule added later replaces an old one whose file still says in force."""
    from iitkb.schema import Chunk
    from retrieval.answer import Answer, Citation
    from retrieval.versioned import _name_replacements

    newer = {"doc_id": "x-2025-zh", "title": "某某管理办法", "doc_number": "某发〔2025〕1号"}
    chunk = Chunk("x-2020-zh:1", "旧规定的条文。", {"doc_id": "x-2020-zh", "status": "in_force", "lang": "zh"})
    cited = [Citation(1, chunk, "旧规定的条文。", None, newer)]
    text = _name_replacements(Answer("q", "sponsor", "zh", "旧规定的条文。[1]", False, cited), cited)
    assert text == "旧规定的条文。[1]\n\n[1] 已被《某某管理办法》（某发〔2025〕1号）取代。"
    abstained = Answer("q", "sponsor", "zh", "知识库中没有。", True, cited)
    assert _name_replacements(abstained, cited) == "知识库中没有。"
