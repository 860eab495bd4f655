"""How long comparing two versions of a long rule takes: two 100-article rules, the second a
revision of the first (articles edited, dropped, inserted so that what follows is renumbered, two
merged), built from the corpus's own sentences so jieba and the aligner see real text.

Example::

    benchmark_diff(100)      # {"articles": 100, "changes": 31, "first_s": 0.6, "warm_s": 0.2}
"""

from __future__ import annotations

import random
import time

from iitkb.settings import PROJECT_ROOT
from retrieval.align import Clause
from retrieval.diff import diff_clauses

POOL = PROJECT_ROOT / "corpus" / "rules" / "bnt-regulation-2025.zh.md"
EDITED, DROPPED, INSERTED = 10, 5, 5           # articles revised each way: a substantial revision


def synthetic_rule(count: int, seed: int) -> list[tuple[str, str, str]]:
    """``count`` articles (key, label, text) of 3-5 sentences drawn from a corpus rule."""
    pool = POOL.read_text(encoding="utf-8")
    sentences = [s + "。" for s in pool.split("。") if 20 <= len(s) <= 90 and "\n#" not in s]
    rng = random.Random(seed)
    return [(f"art:{n}", f"第{n}条", "".join(rng.sample(sentences, rng.randint(3, 5)))) for n in range(1, count + 1)]


def revised(rule, seed: int) -> list[tuple[str, str, str]]:
    """The rule revised: articles edited, dropped and inserted (renumbering what follows), two merged."""
    rng = random.Random(seed)
    texts = [text for _, _, text in rule]
    for i in rng.sample(range(len(texts)), EDITED):
        texts[i] = texts[i].replace("应当", "须", 1).replace("的", "之", 1) + "具体办法另行制定。"
    for i in sorted(rng.sample(range(len(texts)), DROPPED), reverse=True):
        del texts[i]
    for i in rng.sample(range(len(texts)), INSERTED):
        texts.insert(i, "新增条款：研究机构应当每年向主管部门报告临床研究情况。")
    texts[20:22] = [texts[20] + texts[21]]
    return [(f"art:{n}", f"第{n}条", t) for n, t in enumerate(texts, start=1)]


def benchmark_diff(articles: int = 100, runs: int = 3) -> dict:
    """Seconds to compare two ``articles``-article rules: the first run (jieba's dictionary loads)
    and the best of the warm runs."""
    old = [Clause(*row) for row in synthetic_rule(articles, seed=7)]
    new = [Clause(*row) for row in revised(synthetic_rule(articles, seed=7), seed=8)]
    times, changes = [], []
    for _ in range(runs + 1):
        started = time.perf_counter()
        changes, _ = diff_clauses(old, new, "zh")
        times.append(time.perf_counter() - started)
    return {"articles": articles, "changes": len(changes), "first_s": round(times[0], 4),
            "warm_s": round(min(times[1:]), 4)}
