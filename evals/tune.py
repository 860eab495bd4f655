"""Tune fusion and abstention on the gold set's dev split, never on the test split.

Fusion: a grid over RRF's k and the dense/lexical weights, scored by MRR@10 (ties: hit@5).
Abstention: the support threshold that best separates the dev split's unanswerable questions
from its answerable ones (F1 of "should abstain"), among thresholds that keep at least 97% of
answerable questions answered (the false-abstention target is 3% or less).
Sentences: the weights of the sentence scorer's logistic model (retrieval/sentences.py WEIGHTS),
fit on the dev split's candidate sentences, a sentence being positive when it states a gold fact;
each question counts the same, its positives and negatives balanced.
Answers: a grid over the composer's margin for a second sentence, scored by lead + fact recall.

    python -m evals.tune            # prints the chosen values and the grid
"""

from __future__ import annotations

import itertools
import json
import sys

import numpy as np

from evals.gold import DEFAULT_GOLD, load_gold
from evals.metrics import retrieval_scores
from evals.pipelines import CachedQueries
from retrieval.answer import CANDIDATE_CHUNKS, Answerer
from index.embedders import make_embedder
from retrieval.search import Searcher
from iitkb.settings import load_settings

RRF_K = (10, 30, 60, 100)
MIN_KEPT = 0.97
ADD_MARGINS = (0.3, 0.5, 0.7)
L2 = 0.001           # ridge on the sentence weights: ~14 features, a few thousand sentences
FIT_STEPS, FIT_RATE = 3000, 1.0
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
        result = searcher.search(q.question, role=q.role, k=CANDIDATE_CHUNKS)
        supports.append((answerer.support(q.question, result, q.role), not q.answerable))
    best = {"threshold": 0.0, "f1": -1.0}
    for step in range(5, 80):
        threshold = step / 100
        tp = sum(s < threshold and should for s, should in supports)
        fp = sum(s < threshold and not should for s, should in supports)
        fn = sum(s >= threshold and should for s, should in supports)
        kept = sum(s >= threshold and not should for s, should in supports) / max(1, sum(not x for _, x in supports))
        f1 = 2 * tp / max(1, 2 * tp + fp + fn)
        if kept >= MIN_KEPT and f1 > best["f1"]:
            best = {"threshold": threshold, "f1": round(f1, 4), "answerable_kept": round(kept, 4)}
    return best


def sentence_examples(answerer, questions):
    """(features, positive, question index) of every candidate sentence of the questions with facts."""
    from iitkb.text import detect_lang
    from retrieval.sentences import FEATURES, features

    X, y, group = [], [], []
    for i, q in enumerate(q for q in questions if q.answerable and q.facts):
        result = answerer.searcher.search(q.question, role=q.role, k=CANDIDATE_CHUNKS)
        plan = answerer.planner.plan(q.question, q.role, detect_lang(q.question), result)
        rows = features(plan.candidates, plan.ask, plan.terms.full(), answerer.planner.label_tokens, q.question)
        alternatives = [alt.lower() for g in q.facts for alt in g]
        for c, row in zip(plan.candidates, rows):
            X.append([row[f] for f in FEATURES])
            y.append(float(any(alt in c.text.lower() for alt in alternatives)))
            group.append(i)
    return np.array(X), np.array(y), np.array(group)


def fit_sentence_weights(X, y, group) -> dict:
    """Listwise: per question a softmax over its candidates, maximising the share on sentences
    that state a gold fact (so the best-scored sentence is one that does), with a small ridge."""
    from retrieval.sentences import FEATURES

    questions = [(X[group == g], y[group == g]) for g in np.unique(group) if 0 < y[group == g].sum() < (group == g).sum()]
    w = np.zeros(X.shape[1])
    for _ in range(FIT_STEPS):
        grad = L2 * w
        for Xq, yq in questions:
            z = Xq @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            target = p * yq / (p * yq).sum()
            grad += Xq.T @ (p - target) / len(questions)
        w -= FIT_RATE * grad
    return {"bias": 0.0, **{f: round(float(v), 2) for f, v in zip(FEATURES, w)}}


def tune_answers(settings, questions, embedder) -> list[dict]:
    """Lead and fact recall on the dev split for each margin a second sentence must clear."""
    from evals.metrics import fact_recall, lead
    from retrieval import compose

    answerer = Answerer(settings, searcher=Searcher(settings, embedder=embedder), generator=None)
    with_facts = [q for q in questions if q.answerable and q.facts]
    saved = compose.ADD_MARGIN
    rows = []
    try:
        for margin in ADD_MARGINS:
            compose.ADD_MARGIN = margin
            answers = [(answerer.ask(q.question, role=q.role).answer, q.facts) for q in with_facts]
            rows.append({"ADD_MARGIN": margin, "lead": sum(lead(a, f) for a, f in answers) / len(answers),
                         "fact_recall": sum(fact_recall(a, f) for a, f in answers) / len(answers)})
    finally:
        compose.ADD_MARGIN = saved
    return sorted(rows, key=lambda r: -(r["lead"] + r["fact_recall"]))


def main():
    settings = load_settings()
    questions = load_gold(DEFAULT_GOLD, split="dev")
    embedder = CachedQueries(make_embedder(settings))
    fusion = tune_fusion(settings, questions, embedder)
    chosen = fusion[0]
    tuned = settings.with_(rrf_k=chosen["rrf_k"], dense_weight=chosen["dense_weight"],
                           lexical_weight=chosen["lexical_weight"])
    abstention = tune_abstention(tuned, questions, embedder)
    answerer = Answerer(tuned, searcher=Searcher(tuned, embedder=embedder), generator=None)
    weights = fit_sentence_weights(*sentence_examples(answerer, questions))
    answers = tune_answers(tuned, questions, embedder)
    json.dump({"dev_questions": len(questions), "fusion": chosen, "abstention": abstention,
               "sentence_weights": weights, "answers": answers[0], "grid": fusion, "answer_grid": answers},
              sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
