"""Which sentence leads an answer (retrieval/compose.py), on candidates made here."""

from iitkb.schema import Chunk
from retrieval.compose import _official_lead
from retrieval.evidence import Evidence
from retrieval.question import analyse
from retrieval.sentences import Candidate


def _candidate(text: str, doc_type: str, fills: tuple[str, ...], score: float) -> Candidate:
    chunk = Chunk(f"{doc_type}-1", text, {"doc_id": f"{doc_type}-en", "doc_type": doc_type, "lang": "en"})
    return Candidate(text, Evidence(chunk, 0, None), 0, fills=fills, score=score)


def test_a_rules_sentence_takes_the_lead_from_a_close_summary():
    summary = _candidate("Sites must be Grade III-A hospitals.", "faq", (), 1.0)
    rule = _candidate("The research site shall be a Grade III-A medical institution.", "rule", ("place",), 0.5)
    assert _official_lead([summary, rule], analyse("Which hospitals may be research sites?")) is rule


def test_asked_whether_a_text_stands_the_summary_stating_its_status_keeps_the_lead():
    ask = analyse("Are the 2015 stem cell measures dead now that Decree 818 is in force?")
    assert ask.slot == "status"
    summary = _candidate("The stem-cell measures have not been formally repealed.", "explainer", ("status",), 1.0)
    rule = _candidate("Decree No. 818 has been in force since 2026-05-01.", "rule", ("status",), 0.7)
    assert _official_lead([summary, rule], ask) is summary
    silent = _candidate("The measures date from 2015.", "explainer", (), 1.0)
    assert _official_lead([silent, rule], ask) is rule, "a summary that states no status gives way"
