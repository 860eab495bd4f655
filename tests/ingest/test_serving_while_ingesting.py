"""Answering while an admin uploads and removes documents: no errors, no answer cites a document
that was not finished before it ended or was already being removed when it began, and the three
stores agree afterwards. Bounded: ``READERS`` threads for ``SECONDS`` (the 20-user, 60 s version
is the slow one)."""

from __future__ import annotations

import threading
import time

import pytest

from index.check import check
from ingest.uploads import Uploads
from tests.conftest import front, write

QUESTION = "How many days does the sponsor have to report a serious adverse event?"


def churn_doc(tmp_path, n: int):
    body = (f"### Article 1\nThe sponsor reports a serious adverse event within {n + 3} days.\n"
            f"### Article 2\nThe sponsor keeps the records of churn rule {n} for five years.\n")
    return write(tmp_path / "incoming" / f"churn-{n}.md", front(f"churn-{n}", "en", f"Churn Rule {n}", body))


def serve_while_churning(settings, e5, tmp_path, readers: int, seconds: float):
    from retrieval.answer import Answerer
    from retrieval.search import Searcher

    uploads = Uploads(settings, embedder=e5)
    uploads.ingest([churn_doc(tmp_path, 0)], access="public")
    answerer = Answerer(settings, searcher=Searcher(settings, embedder=e5))
    index = answerer.searcher.index
    done_at: dict[str, float] = {"churn-0": 0.0}
    removing_at: dict[str, float] = {}
    removed_at: dict[str, float] = {}
    errors: list[BaseException] = []
    answers: list[tuple[float, float, list[tuple[str, str, float]]]] = []
    stop = time.monotonic() + seconds

    def admin():
        n = 1
        while time.monotonic() < stop:
            uploads.ingest([churn_doc(tmp_path, n)], access="public")
            done_at[f"churn-{n}"] = time.monotonic()
            removing_at[f"churn-{n - 1}"] = time.monotonic()
            uploads.remove(f"churn-{n - 1}")
            removed_at[f"churn-{n - 1}"] = time.monotonic()
            n += 1

    def reader():
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                data = answerer.ask(QUESTION, role="sponsor").to_json()
            except BaseException as exc:      # any error a user would see
                errors.append(exc)
                return
            ended = time.monotonic()
            # the state of each cited document right after the answer: "done", unless its
            # removal has begun since (removal marks it pending first)
            states = [(c["doc_id"], getattr(index.document(c["doc_id"]), "state", "gone"), time.monotonic())
                      for c in data["citations"]]
            answers.append((started, ended, states))

    threads = [threading.Thread(target=admin)] + [threading.Thread(target=reader) for _ in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        return answers, errors, done_at, removing_at, removed_at, check(uploads.index)
    finally:
        uploads.close()


def assert_served_well(result):
    answers, errors, done_at, removing_at, removed_at, report = result
    assert errors == []
    assert len(answers) >= 5 and len(done_at) >= 3, "the readers and the admin must overlap"
    for started, ended, cited in answers:
        for doc_id, state, checked in cited:
            removal = removing_at.get(doc_id, float("inf"))
            # an answer that began once the removal had returned never cites the document (one
            # that began while it ran may have read the index just before it was marked)
            assert removed_at.get(doc_id, float("inf")) >= started, f"{doc_id} cited after it was removed"
            assert state == "done" or removal <= checked, f"{doc_id} cited while {state}"
    assert report.ok, report.to_json()


def test_answers_while_documents_come_and_go(settings, e5, tmp_path):
    assert_served_well(serve_while_churning(settings, e5, tmp_path, readers=4, seconds=8))


@pytest.mark.slow
def test_twenty_users_for_a_minute_while_documents_come_and_go(settings, e5, tmp_path):
    result = serve_while_churning(settings, e5, tmp_path, readers=20, seconds=60)
    answers, errors, done_at = result[0], result[1], result[2]
    took = sorted((ended - started) * 1000 for started, ended, _ in answers)
    print(f"load: 20 users for 60 s while an admin added and removed {len(done_at)} documents: "
          f"{len(answers)} answers, {len(errors)} errors, p50 {took[len(took) // 2]:.0f} ms, "
          f"p95 {took[int(0.95 * len(took))]:.0f} ms (in-process, no HTTP)")
    assert_served_well(result)
