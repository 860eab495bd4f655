"""`iitkb eval`: every pipeline on the same gold questions, in the same run, over the same index.

Per question and pipeline it records retrieval ranks (also with the search restricted to each
language, which gives the four language pairs en->en, zh->zh, en->zh, zh->en), the answer, its
citations, whether it abstained, whether anything internal reached a sponsor, and the latency.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from evals.gold import GoldQuestion
from evals.metrics import citation_scores, fact_recall, lead, percentile, retrieval_scores, support_rate
from evals.pipelines import PIPELINES, CachedQueries, make_searcher
from retrieval.answer import Answerer
from index.embedders import Embedder, make_embedder
from retrieval.filters import Filters
from iitkb.settings import Settings
from iitkb.text import detect_lang

RETRIEVAL_KEYS = ("hit@1", "hit@3", "hit@5", "hit@10", "recall@10", "mrr@10", "ndcg@10")


class EvalError(RuntimeError):
    """The run cannot start (empty index, unknown pipeline)."""


@dataclass
class QuestionResult:
    gold: GoldQuestion
    retrieval: dict = field(default_factory=dict)
    by_pair: dict = field(default_factory=dict)
    hit_curve: list[float] = field(default_factory=list)
    answer: dict = field(default_factory=dict)
    leaks: int = 0


def evaluate(settings: Settings, questions: list[GoldQuestion], pipelines=PIPELINES,
             embedder: Embedder | None = None, progress=lambda name, done, total: None) -> dict:
    embedder = CachedQueries(embedder or make_embedder(settings))
    base = make_searcher("iitkb", settings, embedder)
    if base.index.chunk_count() == 0:
        raise EvalError(f"the index in {settings.data_dir} is empty: run `iitkb ingest corpus/` first")
    results: dict[str, list[QuestionResult]] = {}
    for name in pipelines:
        searcher = base if name == "iitkb" else make_searcher(name, settings, embedder, base)
        answerer = Answerer(settings, searcher=searcher, generator=None)
        results[name] = []
        for done, q in enumerate(questions, start=1):
            results[name].append(_run_question(searcher, answerer, q))
            progress(name, done, len(questions))
    return {"questions": len(questions),
            "pipelines": {name: summarize(rows) for name, rows in results.items()},
            "details": results}


def _run_question(searcher, answerer, q: GoldQuestion) -> QuestionResult:
    row = QuestionResult(q)
    result = searcher.search(q.question, role=q.role, k=10)
    ranked = [h.chunk.meta["source_id"] for h in result.hits]
    if q.answerable:
        row.retrieval = retrieval_scores(ranked, q.relevant)
        unique = list(dict.fromkeys(ranked))
        row.hit_curve = [float(any(s in q.relevant for s in unique[:k])) for k in range(1, 11)]
        for target in ("en", "zh"):
            hits = searcher.search(q.question, role=q.role, k=10, filters=Filters(lang=target)).hits
            row.by_pair[f"{q.lang}->{target}"] = retrieval_scores(
                [h.chunk.meta["source_id"] for h in hits], q.relevant)
    started = time.perf_counter()
    row.answer = answerer.ask(q.question, role=q.role, id=q.id).to_json()
    row.answer["latency_ms"] = (time.perf_counter() - started) * 1000
    if q.role == "sponsor":
        row.leaks = sum(h.chunk.meta.get("access") != "public" for h in result.hits) + \
            sum(c.get("access") != "public" for c in row.answer["citations"])
    return row


def summarize(rows: list[QuestionResult]) -> dict:
    answerable = [r for r in rows if r.gold.answerable]
    out = {key: _mean(r.retrieval[key] for r in answerable) for key in RETRIEVAL_KEYS}
    answered = [r for r in answerable if not r.answer["abstained"]]
    with_facts = [r for r in answerable if r.gold.facts]
    out["fact_recall"] = _mean(fact_recall(r.answer["answer"], r.gold.facts) for r in with_facts)
    out["lead"] = _mean(lead(r.answer["answer"], r.gold.facts) for r in with_facts)
    cites = [citation_scores([c["source_id"] for c in r.answer["citations"]], r.gold.relevant) for r in answered]
    out["citation_precision"] = _mean(p for p, _ in cites)
    out["citation_recall"] = _mean(rc for _, rc in cites)
    out["support"] = _mean(support_rate(r.answer["answer"], r.answer["citations"]) for r in answered)
    should = [not r.gold.answerable for r in rows]
    did = [r.answer["abstained"] for r in rows]
    true_pos = sum(s and d for s, d in zip(should, did))
    out["abstain_precision"] = true_pos / sum(did) if sum(did) else 0.0
    out["abstain_recall"] = true_pos / sum(should) if sum(should) else 0.0
    out["answer_rate"] = len(answered) / len(answerable) if answerable else 0.0
    out["false_abstention"] = 1.0 - out["answer_rate"] if answerable else 0.0
    out["language_accuracy"] = _mean(float(r.answer["language"] == r.gold.lang and
                                           (r.answer["abstained"] or detect_lang(r.answer["answer"]) == r.gold.lang))
                                     for r in rows)
    out["internal_leaks"] = sum(r.leaks for r in rows)
    latencies = [r.answer["latency_ms"] for r in rows]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    pairs = defaultdict(list)
    for r in answerable:
        for pair, scores in r.by_pair.items():
            pairs[pair].append(scores)
    out["by_pair"] = {pair: {k: _mean(s[k] for s in scores) for k in ("hit@5", "mrr@10")} | {"n": len(scores)}
                      for pair, scores in sorted(pairs.items())}
    out["hit_curve"] = [_mean(r.hit_curve[k] for r in answerable) for k in range(10)]
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def public_summary(report: dict) -> dict:
    """The JSON printed by `iitkb eval --json`: no per-question details."""
    return {k: v for k, v in report.items() if k != "details"}


def worst_questions(rows: list[QuestionResult], n: int = 10) -> list[QuestionResult]:
    def badness(r: QuestionResult):
        if not r.gold.answerable:
            return 0.0 if r.answer["abstained"] else 1.0
        miss = 1.0 - r.retrieval.get("mrr@10", 0.0)
        return miss + (1.0 - fact_recall(r.answer["answer"], r.gold.facts)) + float(r.answer["abstained"])
    return sorted(rows, key=badness, reverse=True)[:n]


def write_report(report: dict, directory: Path, gold_name: str) -> Path:
    from evals.report import render

    directory.mkdir(parents=True, exist_ok=True)
    return render(report, directory, gold_name)
