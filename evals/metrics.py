"""Retrieval and answer metrics, computed per question and averaged.

Retrieval is judged at document level on source_id (a rule's zh and en documents share one), so a
hit is "a document of the right rule ranked at k or better". Answer metrics are approximations
that run offline: fact recall checks the gold strings in the answer text, lead checks them in its
first cited sentence (what a reader takes away); support (ALCE-style) checks that each answer
sentence is contained in, or shares its key facts with, a cited quote (retrieval/claims.py, the
same check the generative mode applies).
"""

from __future__ import annotations

import math
import re
import unicodedata

import numpy as np

from iitkb.text import split_cited
from retrieval.claims import supported
from retrieval.compose import without_label

_MARKER = re.compile(r"\[\d+\]")
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SPACE_BY_CJK = re.compile(rf"\s+(?=[{_CJK}])|(?<=[{_CJK}])\s+")


_ZH_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
# A count in Chinese numerals before a counter word ("三轮", "五个工作日"): SOPs write "3 轮".
_ZH_COUNT = re.compile(r"(?<![第一二两三四五六七八九十百])([一二两三四五六七八九十]{1,3})(?=\s*(?:个|轮|名|人|位|项|天|日|周|月|年|倍|部分|次|份|页))")


def _zh_number(numeral: str) -> str:
    """"三" 3, "十" 10, "十五" 15, "二十" 20, "三十六" 36 (counts stay below a hundred here)."""
    if "十" not in numeral:
        return "".join(str(_ZH_DIGIT[c]) for c in numeral)
    tens, _, ones = numeral.partition("十")
    return str((_ZH_DIGIT.get(tens, 1) if tens else 1) * 10 + (_ZH_DIGIT.get(ones, 0) if ones else 0))


def _comparable(text: str) -> str:
    """Case, width, the spaces set around Chinese characters and the numerals of a count differ
    between a summary and the official wording of one fact ("1 个月内" / "1个月内", "（" / "(",
    "三轮" / "3 轮"): none changes the fact."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _ZH_COUNT.sub(lambda m: _zh_number(m.group(1)), text)
    return _SPACE_BY_CJK.sub("", re.sub(r"\s+", " ", text))


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
    """1 when every fact group has at least one alternative in the answer (see `_comparable`)."""
    text = _comparable(answer)
    return float(all(any(_comparable(alt) in text for alt in group) for group in facts))


def lead_text(answer: str) -> str:
    """The answer up to its first citation marker: the first cited sentence, with a verdict
    ("No.") that opens it."""
    body = answer.split("\n\n")[0]
    marker = _MARKER.search(body)
    return body[:marker.end()] if marker else body


def lead(answer: str, facts: list[list[str]]) -> float:
    """1 when the first cited sentence states one of the required facts."""
    text = _comparable(lead_text(answer))
    return float(any(_comparable(alt) in text for group in facts for alt in group))


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
    held = 0
    for sentence in sentences:
        numbers = [int(n) for n in re.findall(r"\[(\d+)\]", sentence)]
        claim = without_label(_MARKER.sub("", sentence).strip())
        quote = " ".join(quotes.get(n, "") for n in numbers)
        if claim and (claim in quote or supported(claim, quote)):
            held += 1
    return held / len(sentences)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0
