"""The evaluation report: Markdown tables, the worst-answered questions, and PNG plots."""

from __future__ import annotations

from pathlib import Path

MAIN_COLUMNS = ("hit@1", "hit@5", "recall@10", "mrr@10", "ndcg@10", "fact_recall", "lead", "citation_precision",
                "citation_recall", "support", "abstain_precision", "abstain_recall", "false_abstention",
                "language_accuracy", "internal_leaks", "latency_p50_ms", "latency_p95_ms")
PAIRS = ("en->en", "zh->zh", "en->zh", "zh->en")


def table(report: dict, columns=MAIN_COLUMNS) -> str:
    lines = ["| pipeline | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, metrics in report["pipelines"].items():
        cells = [_fmt(metrics.get(c)) for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def pair_table(report: dict) -> str:
    lines = ["| pipeline | " + " | ".join(f"{p} hit@5 | {p} MRR@10" for p in PAIRS) + " |",
             "|---" * (2 * len(PAIRS) + 1) + "|"]
    for name, metrics in report["pipelines"].items():
        cells = []
        for pair in PAIRS:
            scores = metrics["by_pair"].get(pair, {})
            cells += [_fmt(scores.get("hit@5")), _fmt(scores.get("mrr@10"))]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}" if value > 10 else f"{value:.3f}"
    return str(value)


def render(report: dict, directory: Path, gold_name: str) -> Path:
    from evals.run import worst_questions

    _plots(report, directory)
    lines = [f"# Evaluation report", "", f"Gold set: `{gold_name}`, {report['questions']} questions "
             f"(split: {report.get('split') or 'all'}). All pipelines ran in the same process over the same "
             "index with the same embedder.", "", "## Retrieval and answers", "", table(report), "",
             "Retrieval is judged on source_id at document level over answerable questions; "
             "latency is the full cited answer.", "", "## Language pairs (search restricted to one language)", "",
             pair_table(report), "", "![hit@k](hit_at_k.png)", "", "![pairs](language_pairs.png)", ""]
    details = report.get("details", {})
    if "iitkb" in details:
        lines += ["## Worst-answered questions (iitkb)", "", "| id | kind | question | MRR@10 | abstained | answer |",
                  "|---|---|---|---|---|---|"]
        for row in worst_questions(details["iitkb"]):
            answer = row.answer["answer"].replace("\n", " ").replace("|", "\\|")[:160]
            lines.append(f"| {row.gold.id} | {row.gold.kind} | {row.gold.question.replace('|', '/')} | "
                         f"{row.retrieval.get('mrr@10', '-')} | {row.answer['abstained']} | {answer} |")
    path = directory / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _plots(report: dict, directory: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, metrics in report["pipelines"].items():
        ax.plot(range(1, 11), metrics["hit_curve"], marker="o", label=name)
    ax.set(xlabel="k", ylabel="hit@k (source_id)", title="hit@k per pipeline", ylim=(0, 1.02))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(directory / "hit_at_k.png", dpi=110)
    plt.close(fig)

    names = list(report["pipelines"])
    fig, ax = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        values = [report["pipelines"][name]["by_pair"].get(p, {}).get("hit@5", 0) for p in PAIRS]
        ax.bar([x + i * width for x in range(len(PAIRS))], values, width, label=name)
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(PAIRS))], PAIRS)
    ax.set(ylabel="hit@5", title="hit@5 per language pair (question -> documents)", ylim=(0, 1.05))
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(directory / "language_pairs.png", dpi=110)
    plt.close(fig)
