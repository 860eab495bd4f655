"""Answers under load: N clients asking a running app at once, end to end over HTTP.

Each client is a closed loop (ask, wait for the answer, ask the next gold question) against the
OpenAI-compatible door, `POST /v1/chat/completions`: the path chat clients take, with nothing in
between. Reported: answers, answers per second, p50/p95/max latency, errors, and refusals (429:
the per-user answer limit; raise `IITKB_ANSWERS_PER_MINUTE` on the server to measure capacity).

Example::

    run_serve_bench("http://127.0.0.1:7860/", clients=20, seconds=30)
"""

from __future__ import annotations

import statistics
import threading
import time

from evals.gold import DEFAULT_GOLD, load_gold

QUESTIONS = 60                 # gold questions cycled through (both languages, answerable or not)
REQUEST_TIMEOUT_S = 60.0


def _client_loop(url: str, key: str, questions: list[str], first: int, stop_at: float, results: list):
    import httpx

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with httpx.Client(base_url=url, headers=headers, timeout=REQUEST_TIMEOUT_S) as http:
        number = first
        while time.monotonic() < stop_at:
            question = questions[number % len(questions)]
            number += 1
            started = time.perf_counter()
            try:
                reply = http.post("v1/chat/completions",
                                  json={"model": "iitkb", "messages": [{"role": "user", "content": question}]})
                outcome = "ok" if reply.status_code == 200 and reply.json().get("choices") else \
                    "refused" if reply.status_code == 429 else f"http {reply.status_code}"
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            results.append((outcome, (time.perf_counter() - started) * 1000))


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_serve_bench(url: str, clients: int = 20, seconds: float = 30.0, key: str = "") -> dict:
    questions = [q.question for q in load_gold(DEFAULT_GOLD)[:QUESTIONS]]
    url = url.rstrip("/") + "/"
    results: list = []
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=_client_loop, args=(url, key, questions, n * 7, stop_at, results))
               for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    answered = [ms for outcome, ms in results if outcome == "ok"]
    errors = [outcome for outcome, _ in results if outcome not in ("ok", "refused")]
    return {"url": url, "clients": clients, "seconds": round(elapsed, 1), "answers": len(answered),
            "answers_per_s": round(len(answered) / elapsed, 1) if elapsed else 0.0,
            "p50_ms": round(statistics.median(answered), 1) if answered else 0.0,
            "p95_ms": round(percentile(answered, 0.95), 1), "max_ms": round(max(answered, default=0.0), 1),
            "errors": len(errors), "error_kinds": sorted(set(errors)),
            "refused": sum(1 for outcome, _ in results if outcome == "refused")}
