"""Reciprocal rank fusion: ranks, not raw scores, so BM25 and cosine need no common scale."""

from __future__ import annotations


def rrf(ranked_lists: list[list[str]], weights: list[float], k: int = 60) -> dict[str, float]:
    """Fused score per id: sum over lists of weight / (k + rank), rank starting at 1.

    Example: ``rrf([["a", "b"], ["b", "c"]], [1.0, 1.0])`` ranks "b" first (tests/retrieval/test_fusion.py).
    """
    if len(ranked_lists) != len(weights):
        raise ValueError("one weight per ranked list")
    if k < 1:
        raise ValueError(f"rrf k must be at least 1, not {k}")
    scores: dict[str, float] = {}
    for ids, weight in zip(ranked_lists, weights):
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores
