"""Retrieval and answer metrics, computed per question and averaged.

Retrieval is judged at document level on source_id (a rule's zh and en documents share one), so a
hit is "a document of the right rule ranked at k or better". Answer metrics are approximations
that run offline: fact recall checks the gold strings in the answer text; support (ALCE-style)
checks that each answer sentence is contained in, or shares its key facts with, a cited quote.
"""

from __future__ import annotations

import math
import re

import numpy as np

from iitkb.text import split_cited

_MARKER = re.compile(r"\[\d+\]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def dedupe_sources(ranked_source_ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ranked_source_ids))


def retrieval_scores(ranked_source_ids: list[str], relevant: list[str]) -> dict[str, float]:
    ranked = dedupe_sources(ranked_source_ids)
    wanted = set(relevant)
    first = next((i for i, s in enumerate(ranked[:10], start=1) if s in wanted), None)
    gains = [1.0 if s in wanted else 0.0 for s in ranked[:10]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(wanted), 10)))
    return {"hit@1": float(bool(ranked[:1]) and ranked[0] in wanted),
            "hit@3": float(any(s in wanted for s in ranked[:3])),
            "hit@5": float(any(s in wanted for s in ranked[:5])),
            "hit@10": float(any(s in wanted for s in ranked[:10])),
            "recall@10": len(wanted & set(ranked[:10])) / len(wanted),
            "mrr@10": 1.0 / first if first else 0.0,
            "ndcg@10": dcg / ideal if ideal else 0.0}


def fact_recall(answer: str, facts: list[list[str]]) -> float:
    """1 when every fact group has at least one alternative in the answer (case-insensitive)."""
    text = answer.lower()
    return float(all(any(alt.lower() in text for alt in group) for group in facts))


def citation_scores(cited_sources: list[str], relevant: list[str]) -> tuple[float, float]:
    if not cited_sources:
        return 0.0, 0.0
    cited = set(cited_sources)
    wanted = set(relevant)
    return len(cited & wanted) / len(cited), len(cited & wanted) / len(wanted) if wanted else 0.0


def support_rate(answer: str, citations: list[dict]) -> float:
    """Share of answer sentences whose cited quotes contain them, or all their numbers and most words."""
    body = answer.split("\n\n")[0]
    sentences = [s for s in split_cited(body) if _MARKER.search(s)]
    if not sentences:
        return 0.0
    quotes = {c["n"]: c.get("quote", "") for c in citations}
    supported = 0
    for sentence in sentences:
        numbers = [int(n) for n in re.findall(r"\[(\d+)\]", sentence)]
        claim = _MARKER.sub("", sentence).strip()
        quote = " ".join(quotes.get(n, "") for n in numbers)
        if claim and (claim in quote or _key_facts_in(claim, quote)):
            supported += 1
    return supported / len(sentences)


def _key_facts_in(claim: str, quote: str) -> bool:
    if any(n not in quote for n in _NUMBER.findall(claim)):
        return False
    grams = {claim[i:i + 2] for i in range(len(claim) - 1)}
    return bool(grams) and len({g for g in grams if g in quote}) / len(grams) >= 0.6


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0
