"""The evaluation suite on a small gold set over the small test index: metrics, baselines, report."""

import json
import subprocess
import sys

import pytest

from evals.gold import GoldError, load_gold
from evals.metrics import fact_recall, retrieval_scores, support_rate
from tests.conftest import cli_env, write

GOLD = [
    {"id": "e1", "question": "What reviews must a study pass before institutional approval?", "lang": "en",
     "role": "sponsor", "relevant": ["rule"], "facts": [["ethics review", "伦理审查"]], "answerable": True,
     "split": "dev", "kind": "pathway"},
    {"id": "z1", "question": "人类遗传资源样本出境由谁审批？", "lang": "zh", "role": "sponsor", "relevant": ["rule"],
     "facts": [["国务院卫生健康主管部门"]], "answerable": True, "split": "test", "kind": "hgr"},
    {"id": "x1", "question": "How is cytokine release syndrome graded and reported?", "lang": "en",
     "role": "sponsor", "relevant": ["crs-guide"], "facts": [["7 days", "7"]], "answerable": True,
     "split": "test", "kind": "exact-number"},
    {"id": "s1", "question": "Which form does the safety desk use to log an SAE?", "lang": "en", "role": "staff",
     "relevant": ["sop-sae"], "facts": [["F-SAE-01"]], "answerable": True, "split": "test", "kind": "sop"},
    {"id": "p1", "question": "Which form does the safety desk use to log an SAE under project FALCON-7?",
     "lang": "en", "role": "sponsor", "relevant": [], "facts": [], "answerable": False, "split": "test",
     "kind": "sponsor-probe"},
    {"id": "u1", "question": "What is the best recipe for sourdough bread?", "lang": "en", "role": "sponsor",
     "relevant": [], "facts": [], "answerable": False, "split": "test", "kind": "unanswerable"},
]


@pytest.fixture
def gold(tmp_path):
    return write(tmp_path / "gold.jsonl", "\n".join(json.dumps(g, ensure_ascii=False) for g in GOLD))


def test_retrieval_metrics():
    scores = retrieval_scores(["a", "a", "b", "c"], ["b"])
    assert scores["hit@1"] == 0 and scores["hit@5"] == 1 and scores["mrr@10"] == 0.5
    assert retrieval_scores(["x"], ["b"])["ndcg@10"] == 0


def test_answer_metrics():
    assert fact_recall("Report within 7 days [1].", [["7 days", "七日"], ["report"]]) == 1
    assert fact_recall("Report promptly [1].", [["7 days"]]) == 0
    # The spaces a summary sets around Chinese characters, and full-width brackets, do not change a fact.
    assert fact_recall("应在1个月内（含）备案。[1]", [["1 个月内"], ["(含)"]]) == 1
    assert fact_recall("应在 2 个月内备案。[1]", [["1个月内"]]) == 0
    assert fact_recall("报价含 3 轮审阅。[1]", [["三轮"]]) == 1 and fact_recall("报价含 2 轮审阅。[1]", [["三轮"]]) == 0
    assert fact_recall("第十二个月内提交。[1]", [["2个月"]]) == 0            # not a count inside 十二
    citations = [{"n": 1, "quote": "Report within 7 days of awareness."}]
    assert support_rate("Report within 7 days of awareness. [1]", citations) == 1
    assert support_rate("Report within 30 days. [1]", citations) == 0


def test_gold_schema_errors_name_the_line(tmp_path):
    bad = write(tmp_path / "bad.jsonl", json.dumps({**GOLD[0], "lang": "fr"}))
    with pytest.raises(GoldError, match="bad.jsonl:1"):
        load_gold(bad)
    assert len(load_gold(write(tmp_path / "g.jsonl", json.dumps(GOLD[0])), split="dev")) == 1


def test_eval_cli_compares_pipelines_and_writes_the_report(index_settings, gold, tmp_path):
    done = subprocess.run([sys.executable, "-m", "ui.cli", "eval", "--gold", str(gold), "--json",
                           "--report", str(tmp_path / "report")], capture_output=True, text=True,
                          env=cli_env(index_settings), timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["questions"] == 6
    assert set(report["pipelines"]) == {"iitkb", "iitkb-no-expansion", "iitkb-no-bm25", "iitkb-no-dense", "bm25",
                                        "llamaindex-default"}
    ours = report["pipelines"]["iitkb"]
    assert ours["internal_leaks"] == 0 and ours["hit@5"] == 1.0 and ours["abstain_recall"] == 1.0
    assert set(ours["by_pair"]) == {"en->en", "en->zh", "zh->en", "zh->zh"}
    assert report["pipelines"]["llamaindex-default"]["internal_leaks"] > 0, "the default pipeline has no roles"
    text = (tmp_path / "report" / "report.md").read_text()
    assert "| iitkb |" in text and "Worst-answered" in text
    assert (tmp_path / "report" / "hit_at_k.png").stat().st_size > 1000
    assert (tmp_path / "report" / "language_pairs.png").stat().st_size > 1000


def test_eval_on_an_empty_index_says_what_to_do(settings, gold):
    done = subprocess.run([sys.executable, "-m", "ui.cli", "eval", "--gold", str(gold)], capture_output=True,
                          text=True, env=cli_env(settings), timeout=300)
    assert done.returncode == 2 and "run `iitkb ingest corpus/` first" in done.stderr
