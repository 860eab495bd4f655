"""Load: 20 gradio_client users asking at once for 30 seconds through /ask; no errors allowed.

Prints latency percentiles and throughput as a benchmark figure; only correctness is asserted
(every call answers, with the caller's role, and sponsors never see internal documents). The 20
callers share two accounts, so the per-user answer limit (tested in test_security.py) is lifted
here: this measures the server's capacity, not the limiter."""

import concurrent.futures as futures
import json
import statistics
import time

import pytest

from tests.ui.conftest import client
from ui.web.sessions import SlidingWindow

pytestmark = pytest.mark.slow

USERS = 20
SECONDS = 30
MAX_CALLS_PER_USER = 500          # a bound on the work, whatever the machine's speed
QUESTIONS = ["What reviews must a study pass before institutional approval?",
             "临床研究立项前需要通过哪些审查？",
             "Who approves sending human genetic resource samples abroad?",
             "How does the safety desk log an SAE on form F-SAE-01?",
             "细胞因子释放综合征如何分级报告？",
             "What is the best recipe for sourdough bread?"]


def user_loop(caller, name: str, number: int, stop_at: float) -> tuple[list[float], list[str]]:
    latencies, errors = [], []
    role = {"sam": "sponsor", "stella": "staff"}[name]
    for call in range(MAX_CALLS_PER_USER):
        if time.monotonic() >= stop_at:
            break
        question = QUESTIONS[(number + call) % len(QUESTIONS)]
        started = time.perf_counter()
        try:
            answer = caller.predict(question, api_name="/ask")
        except Exception as exc:  # every failure counts, whatever its type
            errors.append(f"{name}: {exc.__class__.__name__}: {exc}")
            continue
        latencies.append((time.perf_counter() - started) * 1000)
        if answer.get("error") or answer.get("role") != role or answer.get("question") != question:
            errors.append(f"{name}: wrong answer object {answer!r:.200}")
        elif role == "sponsor" and "internal" in json.dumps([c["access"] for c in answer["citations"]]):
            errors.append(f"{name}: a sponsor received an internal citation")
    return latencies, errors


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@pytest.fixture
def unlimited(web):
    ctx = web.app.state.iitkb
    saved, ctx.answer_limit = ctx.answer_limit, SlidingWindow(10 ** 9, 60)
    yield web
    ctx.answer_limit = saved


def test_twenty_concurrent_users_for_thirty_seconds(unlimited):
    web = unlimited
    names = ["sam" if i % 2 else "stella" for i in range(USERS)]
    # Logged in before the clock starts: logins are deliberately slow (scrypt, two at a time), and
    # this measures answers, not a login storm.
    callers = [client(web.url, name) for name in names]
    stop_at = time.monotonic() + SECONDS
    started = time.perf_counter()
    with futures.ThreadPoolExecutor(USERS) as pool:
        results = list(pool.map(lambda i: user_loop(callers[i], names[i], i, stop_at), range(USERS)))
    elapsed = time.perf_counter() - started
    latencies = [ms for lat, _ in results for ms in lat]
    errors = [e for _, errs in results for e in errs]
    assert not errors, errors[:5]
    assert len(latencies) >= USERS
    print(f"\nload: {USERS} users, {elapsed:.1f} s, {len(latencies)} answers, "
          f"{len(latencies) / elapsed:.1f} answers/s; latency ms p50 {percentile(latencies, 50):.0f}, "
          f"p95 {percentile(latencies, 95):.0f}, p99 {percentile(latencies, 99):.0f}, "
          f"max {max(latencies):.0f}, mean {statistics.mean(latencies):.0f}")
