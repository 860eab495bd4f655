"""Composing the answer from scored sentences, the way an expert would write it.

The best sentence leads. Another follows only if it scores within a margin of the lead and adds
something the lead lacks: a slot the question asked for, a condition or exception, or question
terms the lead does not cover. At most ``MAX_SENTENCES`` (lists may run to ``MAX_LIST``), never a
repeat, never a sentence from a document that does not itself cover the question well, and meta
sentences (adoption dates, chapter counts) only when asked. A yes/no question opens with the
verdict when, and only when, the lead sentence states it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval import question as q
from retrieval.coverage import QueryTerms
from retrieval.sentences import Candidate

MAX_SENTENCES = 3
MAX_LIST = 5
MAX_PER_CLAUSE = 2
# Chosen on the gold dev split (python -m evals.tune): a follower must have at least these odds
# against the lead under the sentence model (0.3: fact recall 0.78 against 0.76 at 0.5 and 0.7);
# its document must cover this share of what the best document covers; "new terms" means this
# much more of the question's weight than the sentences already chosen.
ADD_MARGIN = 0.3
DOC_SUPPORT = 0.6
NEW_TERMS = 0.15
DUPLICATE_OVERLAP = 0.7


@dataclass
class Composition:
    sentences: list[Candidate]
    verdict: str | None = None


def compose(cands: list[Candidate], ask: q.Ask, terms: QueryTerms,
            others: list[tuple[q.Ask, list[Candidate]]] = ()) -> Composition:
    """``others``: the candidates ranked for each further sub-question ("... 是正式版吗？文号是多少？"),
    whose best sentence joins the answer when the lead does not already answer it."""
    ranked = sorted(cands, key=lambda c: -c.score)
    if not ranked:
        return Composition([])
    doc_cover = _document_coverage(cands, terms)
    best_doc = max(doc_cover.values()) or 1.0
    lead = ranked[0]
    chosen = [lead]
    limit = MAX_LIST if ask.slot == "list" else MAX_SENTENCES

    def fits(c: Candidate) -> bool:
        return (doc_cover.get(c.doc_id, 0.0) >= DOC_SUPPORT * best_doc and not (c.meta and not ask.meta)
                and sum(x.evidence.chunk.id == c.evidence.chunk.id for x in chosen) < MAX_PER_CLAUSE
                and not _duplicate(c, chosen))

    for part_ask, part in others:
        if len(chosen) >= limit or _answered(part_ask, chosen):
            continue
        best = next((c for c in part if fits(c)), None)
        if best is not None and (not part_ask.slot or part_ask.slot in best.fills):
            chosen.append(best)
    for c in ranked[1:]:
        if len(chosen) >= limit or c.score < ADD_MARGIN * lead.score:
            break
        if fits(c) and _adds(c, chosen, ask, terms):
            chosen.append(c)
    return Composition(chosen, q.verdict(ask, lead.text))


def _answered(part_ask: q.Ask, chosen: list[Candidate]) -> bool:
    """The sub-question's slot is already filled by a chosen sentence."""
    return bool(part_ask.slot) and any(q.fills(x.text, part_ask.slot, part_ask) for x in chosen)


def _document_coverage(cands: list[Candidate], terms: QueryTerms) -> dict[str, float]:
    """Per document, the share of the question its candidate sentences cover together."""
    covered: dict[str, set[str]] = {}
    for c in cands:
        covered.setdefault(c.doc_id, set()).update(c.covered)
    return {doc: terms.weight(words) for doc, words in covered.items()}


def _adds(c: Candidate, chosen: list[Candidate], ask: q.Ask, terms: QueryTerms) -> bool:
    """A slot the question asked for and the answer lacks; from the lead's own document also a
    list item, question terms not yet covered, or a condition in the same clause."""
    have_slots = {s for x in chosen for s in x.fills}
    if any(s in ask.fact_slots and s not in have_slots for s in c.fills):
        return True
    if c.doc_id != chosen[0].doc_id:
        return False
    if ask.slot == "list" and "list" in c.fills:
        return True
    have_terms = {t for x in chosen for t in x.covered}
    if terms.weight(set(c.covered) - have_terms) >= NEW_TERMS:
        return True
    same_clause = any(x.evidence.chunk.id == c.evidence.chunk.id for x in chosen)
    return same_clause and q.adds_condition(c.text)


def _duplicate(c: Candidate, chosen: list[Candidate]) -> bool:
    grams = _bigrams(c.text)
    return any(len(grams & _bigrams(x.text)) / max(1, len(grams | _bigrams(x.text))) > DUPLICATE_OVERLAP
               or c.text in x.text or x.text in c.text for x in chosen)


def _bigrams(text: str) -> set[str]:
    compact = re.sub(r"\s+", "", text.lower())
    return {compact[i:i + 2] for i in range(len(compact) - 1)}
