"""A rule's status, stated from the catalog when the question asks for it and no quoted sentence
says it.

"国药监药注函〔2024〕55号的试点期多长？现在还适用吗？" asks two things; the corpus answers the
first in a sentence, and the second is what the catalog records for the rule the question names
(in force, trial, draft, superseded, not yet in force). The statement cites that rule's clause,
whose citation carries the same ``status`` field, and a superseded or draft rule still gets its
note naming what replaced it (retrieval/versioned.py). Without a named rule, the lead's own rule
or guideline is the one meant; a summary (FAQ, explainer) has no status worth stating.

Example::

    line = status_line(plan, chosen)      # (text, evidence, quote) or None
"""

from __future__ import annotations

from retrieval import question as q
from retrieval.compose import SUMMARIES

STATEMENTS = {
    "en": {"in_force": "“{title}” is in force{since}.", "trial": "“{title}” is a trial text in force{since}.",
           "draft": "“{title}” is a draft and not binding.", "superseded": "“{title}” has been superseded.",
           "not_yet_in_force": "“{title}” is not yet in force{since}."},
    "zh": {"in_force": "《{title}》现行有效{since}。", "trial": "《{title}》为试行文本，现行有效{since}。",
           "draft": "《{title}》为草案或征求意见稿，不具约束力。", "superseded": "《{title}》已被取代。",
           "not_yet_in_force": "《{title}》尚未施行{since}。"},
}
SINCE = {"en": {"in_force": " (effective {date})", "trial": " (effective {date})", "not_yet_in_force": " (it takes effect on {date})"},
         "zh": {"in_force": "（自 {date} 起施行）", "trial": "（自 {date} 起施行）", "not_yet_in_force": "（自 {date} 起施行）"}}


def asks_status(plan) -> bool:
    return "status" in plan.ask.slots or any("status" in ask.slots for ask, _ in plan.others)


def status_line(plan, chosen: list):
    """(sentence, evidence, quote) stating the status of the rule asked about, or None when the
    question does not ask, a chosen sentence already states a status, or no rule is meant."""
    if not chosen or not asks_status(plan) or any("status" in c.fills for c in chosen):
        return None
    best = _meant(plan, chosen)
    if best is None:
        return None
    meta = best.evidence.chunk.meta
    lang = plan.language
    template = STATEMENTS[lang].get(meta.get("status") or "")
    if template is None:
        return None
    date = meta.get("effective") or ""
    since = SINCE[lang].get(meta["status"], "").format(date=date) if date else ""
    title = (meta.get("title") or "").strip("《》“”")
    return template.format(title=title, since=since), best.evidence, best.text


def _meant(plan, chosen: list):
    """The best candidate of the document the question names, else of the lead's document when
    that is a rule or guideline itself."""
    ranked = sorted(plan.candidates, key=lambda c: -c.score)
    named = q.named_documents(plan.question, {c.doc_id: c.evidence.chunk.meta for c in ranked})
    if len(named) == 1:
        return next(c for c in ranked if c.doc_id in named)
    lead = chosen[0]
    if not named and lead.evidence.chunk.meta.get("doc_type") not in SUMMARIES:
        return lead
    return None
