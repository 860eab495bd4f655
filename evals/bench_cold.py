"""`iitkb bench --cold-start`: how long one `iitkb ask` takes from a fresh process.

Each run is a new interpreter, as a person typing the command gets: imports, the store, the
termbase, the model and the answer, until the process exits. The data folder is the configured
one; a running `iitkb serve` on it would answer instead (ui/local.py), so the command passes
whether one is announced (``served``), and the figure is a cold start only when none is.

Example::

    run_cold_bench(runs=5)["p50_s"]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from iitkb.settings import PROJECT_ROOT, Settings, load_settings

# One question per language: a Chinese one loads jieba's dictionary for the question itself,
# an English one for the termbase's Chinese expansions, so both pay the same start-up.
QUESTIONS = ("伦理委员会至少需要几名委员？", "How many members must an ethics committee have?")
RUNS = 5                    # per question; the median counts (the machine may be shared)
RUN_TIMEOUT_S = 120


def _iitkb() -> list[str]:
    script = Path(sys.executable).with_name("iitkb")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ui.cli"]


def time_ask(question: str, env: dict[str, str]) -> float:
    """Seconds from starting `iitkb ask QUESTION --json` to its exit."""
    started = time.perf_counter()
    done = subprocess.run([*_iitkb(), "ask", question, "--json"], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env=env, timeout=RUN_TIMEOUT_S)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"`iitkb ask` failed ({done.returncode}): {done.stderr[-1000:]}")
    return seconds


def run_cold_bench(runs: int = RUNS, settings: Settings | None = None, served: bool = False,
                   progress=lambda message: None) -> dict:
    settings = settings or load_settings()
    env = {**os.environ, "IITKB_DATA_DIR": str(settings.data_dir)}
    times: list[float] = []
    for question in QUESTIONS:
        progress(f"cold `iitkb ask` x{runs}: {question}")
        time_ask(question, env)          # the first start may convert the model: not timed
        times.extend(time_ask(question, env) for _ in range(runs))
    return {"runs": len(times), "p50_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
            "max_s": round(max(times), 3), "served": served,
            "load_average": round(os.getloadavg()[0], 2), "cores": len(os.sched_getaffinity(0))}
