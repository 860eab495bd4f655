"""Tune fusion and abstention on the gold set's dev split, never on the test split.

Fusion: a grid over RRF's k and the dense/lexical weights, scored by MRR@10 (ties: hit@5).
Abstention: the support threshold that best separates the dev split's unanswerable questions
from its answerable ones (F1 of "should abstain"), among thresholds that keep at least 90% of
answerable questions answered.

    python -m evals.tune            # prints the chosen values and the grid
"""

from __future__ import annotations

import itertools
import json
import sys

from evals.gold import DEFAULT_GOLD, load_gold
from evals.metrics import retrieval_scores
from evals.pipelines import CachedQueries
from retrieval.answer import Answerer
from index.embedders import make_embedder
from retrieval.search import Searcher
from iitkb.settings import load_settings

RRF_K = (10, 30, 60, 100)
WEIGHTS = ((1.0, 0.5), (1.0, 0.75), (1.0, 1.0), (0.75, 1.0), (0.5, 1.0))


def tune_fusion(settings, questions, embedder) -> list[dict]:
    rows = []
    answerable = [q for q in questions if q.answerable]
    for k, (dense, lexical) in itertools.product(RRF_K, WEIGHTS):
        trial = settings.with_(rrf_k=k, dense_weight=dense, lexical_weight=lexical)
        searcher = Searcher(trial, embedder=embedder)
        scores = [retrieval_scores([h.chunk.meta["source_id"] for h in searcher.search(q.question, q.role, 10).hits],
                                   q.relevant) for q in answerable]
        rows.append({"rrf_k": k, "dense_weight": dense, "lexical_weight": lexical,
                     "mrr@10": sum(s["mrr@10"] for s in scores) / len(scores),
                     "hit@5": sum(s["hit@5"] for s in scores) / len(scores)})
    return sorted(rows, key=lambda r: (-r["mrr@10"], -r["hit@5"]))


def tune_abstention(settings, questions, embedder) -> dict:
    searcher = Searcher(settings, embedder=embedder)
    answerer = Answerer(settings, searcher=searcher, generator=None)
    supports = []
    for q in questions:
        result = searcher.search(q.question, role=q.role, k=6)
        supports.append((answerer.support(q.question, result), not q.answerable))
    best = {"threshold": 0.0, "f1": -1.0}
    for step in range(5, 80):
        threshold = step / 100
        tp = sum(s < threshold and should for s, should in supports)
        fp = sum(s < threshold and not should for s, should in supports)
        fn = sum(s >= threshold and should for s, should in supports)
        kept = sum(s >= threshold and not should for s, should in supports) / max(1, sum(not x for _, x in supports))
        f1 = 2 * tp / max(1, 2 * tp + fp + fn)
        if kept >= 0.9 and f1 > best["f1"]:
            best = {"threshold": threshold, "f1": round(f1, 4), "answerable_kept": round(kept, 4)}
    return best


def main():
    settings = load_settings()
    questions = load_gold(DEFAULT_GOLD, split="dev")
    embedder = CachedQueries(make_embedder(settings))
    fusion = tune_fusion(settings, questions, embedder)
    chosen = fusion[0]
    tuned = settings.with_(rrf_k=chosen["rrf_k"], dense_weight=chosen["dense_weight"],
                           lexical_weight=chosen["lexical_weight"])
    abstention = tune_abstention(tuned, questions, embedder)
    json.dump({"dev_questions": len(questions), "fusion": chosen, "abstention": abstention, "grid": fusion},
              sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
