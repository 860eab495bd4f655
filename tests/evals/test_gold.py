"""The gold set measures what it claims: every fact string is written in a document of a relevant
source (so an extractive answer can state it) and is not in the question (so stating it is not
free), ids are unique, and the new user-typed questions keep their mix."""

import json
from collections import Counter
from pathlib import Path

import pytest

from evals.gold import DEFAULT_GOLD, GoldError, load_gold
from iitkb.settings import PROJECT_ROOT
from tests.conftest import write

CORPUS = PROJECT_ROOT / "corpus"


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    """Each source_id's documents as the loaders read them (PDF and DOCX included), lower-cased."""
    from ingest.loaders import load
    from ingest.pipeline import RunReport, discover

    by_source: dict[str, list[str]] = {}
    for path in discover([CORPUS], RunReport()):
        loaded = load(path)
        by_source.setdefault(loaded.meta["source_id"], []).append("\n".join(l.text for l in loaded.lines))
    return {source: "\n".join(parts).lower() for source, parts in by_source.items()}


def test_every_fact_is_in_a_relevant_document_and_not_in_the_question(texts):
    questions = load_gold(DEFAULT_GOLD)
    problems = []
    for q in questions:
        unknown = [s for s in q.relevant if s not in texts]
        if unknown:
            problems.append(f"{q.id}: relevant {unknown} is not a source_id of the corpus")
        relevant = "\n".join(texts.get(s, "") for s in q.relevant)
        for group in q.facts:           # a group lists alternative wordings of one fact
            if not any(fact.lower() in relevant for fact in group):
                problems.append(f"{q.id}: fact {group!r} is in no document of {q.relevant}")
            for fact in group:
                if fact.lower() in q.question.lower():
                    problems.append(f"{q.id}: fact {fact!r} is already in the question")
    assert not problems, "\n".join(problems)


def test_user_typed_questions_keep_their_mix():
    new = [q for q in load_gold(DEFAULT_GOLD) if q.id.startswith("u-")]
    kinds = Counter(q.kind for q in new)
    assert len(new) >= 60 and kinds["near-miss"] >= 15
    assert {q.split for q in new} == {"dev", "test"} and {q.lang for q in new} == {"en", "zh"}
    assert all(not q.answerable for q in new if q.kind == "near-miss")
    assert kinds["user-table"] >= 5 and kinds["user-yesno"] >= 5 and kinds["user-cross-lingual"] >= 3


def test_an_amendment_replaces_facts_and_must_name_an_earlier_question(tmp_path):
    base = {"id": "a1", "question": "How long?", "lang": "en", "relevant": ["r"], "facts": [["long"]],
            "split": "dev"}
    path = write(tmp_path / "g.jsonl", "\n".join(json.dumps(r) for r in [
        base, {"amends": "a1", "facts": [["30 days"]], "note": "the fact was in the question"}]))
    assert load_gold(path)[0].facts == [["30 days"]]
    with pytest.raises(GoldError, match="no earlier line"):
        load_gold(write(tmp_path / "b.jsonl", json.dumps({"amends": "zz", "facts": [["x"]]})))
    with pytest.raises(GoldError, match="may change only"):
        load_gold(write(tmp_path / "c.jsonl", "\n".join(json.dumps(r) for r in [
            base, {"amends": "a1", "question": "other"}])))
