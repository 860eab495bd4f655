"""The OpenAI-compatible door, driven by the `openai` client: roles through keys, streaming,
a bad key's 401, and anonymous sponsors on loopback when the app has no users."""

from __future__ import annotations

import pytest

from tests.ui.conftest import RunningApp, free_port

SOP_QUESTION = "Which SOP form records an SAE?"


@pytest.fixture(scope="module")
def door(kb_settings, answerer, tmp_path_factory):
    """The app with two users who have keys, and a second app with no users at all."""
    from ui.users import UserStore
    from ui.web import make_server

    settings = kb_settings.with_(users_file=tmp_path_factory.mktemp("door") / "users.json")
    users = UserStore(settings.users_path)
    users.add("spon", "sponsor", "sponsor-pass-9")
    users.add("stef", "staff", "staff-pass-99")
    keys = {name: users.new_key(name) for name in ("spon", "stef")}
    running = RunningApp(make_server(settings, answerer), free_port())
    empty = RunningApp(make_server(kb_settings.with_(users_file=settings.users_path.parent / "none.json"),
                                   answerer), free_port())
    yield running, keys, empty
    running.stop()
    empty.stop()


def client(url: str, key: str):
    from openai import OpenAI

    return OpenAI(base_url=url.rstrip("/") + "/v1", api_key=key, max_retries=0, timeout=60)


def test_models_and_roles_through_keys(door):
    running, keys, _ = door
    staff = client(running.url, keys["stef"])
    assert [m.id for m in staff.models.list()] == ["iitkb"]
    reply = staff.chat.completions.create(model="iitkb", messages=[{"role": "user", "content": SOP_QUESTION}])
    text = reply.choices[0].message.content
    citations = reply.model_extra["citations"]
    assert "[1]" in text and "Sources:" in text and any(c["doc_id"].startswith("sop-sae") for c in citations)
    assert all(c["path"] is None and c["url"].startswith("source/") for c in citations)
    sponsor = client(running.url, keys["spon"]).chat.completions.create(
        model="iitkb", messages=[{"role": "user", "content": SOP_QUESTION}])
    assert all(c["access"] == "public" for c in sponsor.model_extra["citations"])
    assert "SOP Safety Desk" not in sponsor.choices[0].message.content


def test_streaming_gives_the_same_answer(door):
    running, keys, _ = door
    staff = client(running.url, keys["stef"])
    whole = staff.chat.completions.create(model="iitkb", messages=[{"role": "user", "content": SOP_QUESTION}])
    parts = list(staff.chat.completions.create(model="iitkb", stream=True,
                                               messages=[{"role": "user", "content": SOP_QUESTION}]))
    contents = [p.choices[0].delta.content for p in parts if p.choices and p.choices[0].delta.content]
    assert "".join(contents) == whole.choices[0].message.content and parts[-1].choices[0].finish_reason == "stop"
    assert len(contents) > 2, "the answer streams one sentence per chunk, not as one block"
    assert parts[0].choices[0].delta.role == "assistant" and parts[0].model_extra["citations"]
    assert len({p.id for p in parts}) == 1


def test_stream_pieces_join_back_exactly():
    from ui.web.openai_door import pieces

    content = "第一条 需要伦理审查。可以！\nYes. Article 2 applies; see [1].\n\nSources:\n[1] SOP"
    assert "".join(pieces(content)) == content
    assert pieces(content)[:3] == ["第一条 需要伦理审查。", "可以！\n", "Yes."]
    assert pieces("") == [] and pieces("no end") == ["no end"]


def test_a_bad_key_gets_401_and_no_users_means_loopback_sponsor(door):
    from openai import AuthenticationError

    running, _, empty = door
    with pytest.raises(AuthenticationError):
        client(running.url, "iitkb-not-a-key").chat.completions.create(
            model="iitkb", messages=[{"role": "user", "content": SOP_QUESTION}])
    anonymous = client(empty.url, "anything").chat.completions.create(
        model="iitkb", messages=[{"role": "user", "content": SOP_QUESTION}])
    assert all(c["access"] == "public" for c in anonymous.model_extra["citations"])


def test_bench_serve_smoke_run_measures_answers_under_load(door):
    from evals.bench_serve import run_serve_bench

    running, keys, _ = door
    result = run_serve_bench(running.url, clients=2, seconds=2, key=keys["stef"])
    assert result["errors"] == 0 and result["answers"] + result["refused"] >= 2
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["max_ms"] and result["answers_per_s"] > 0
    bad = run_serve_bench(running.url, clients=1, seconds=1, key="iitkb-wrong")
    assert bad["answers"] == 0 and bad["errors"] >= 1 and bad["error_kinds"] == ["http 401"]


def test_clients_with_their_own_origin_may_call_with_a_key_but_not_without(door):
    import httpx

    running, keys, _ = door
    url = running.url.rstrip("/") + "/v1/models"
    foreign = {"Origin": "app://chatbox", "Sec-Fetch-Site": "cross-site"}
    assert httpx.get(url, headers={**foreign, "Authorization": f"Bearer {keys['stef']}"}).status_code == 200
    assert httpx.get(url, headers=foreign).status_code == 403
    assert httpx.get(running.url.rstrip("/") + "/config", headers={**foreign, "Authorization": "Bearer x"}
                     ).status_code == 403                                     # only /v1 is let through


class CountingAnswerer:
    """The real answerer, noting how many answers are being computed at once."""

    def __init__(self, answerer):
        import threading

        self._answerer, self._lock, self.now, self.most = answerer, threading.Lock(), 0, 0

    def __getattr__(self, name):
        return getattr(self._answerer, name)

    def ask(self, *args, **kwargs):
        import time

        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            time.sleep(0.02)                      # long enough for a burst to pile up
            return self._answerer.ask(*args, **kwargs)
        finally:
            with self._lock:
                self.now -= 1


def test_a_burst_of_clients_is_answered_a_few_at_a_time(kb_settings, answerer, tmp_path):
    """Twenty clients at once: every one is answered, and no more answers are computed at once
    than ANSWER_WORKERS (the default thread pool would run up to 40 and slow them all)."""
    import concurrent.futures as futures

    from ui.web import make_server
    from ui.web.context import ANSWER_WORKERS
    from ui.web.sessions import SlidingWindow

    counting = CountingAnswerer(answerer)
    running = RunningApp(make_server(kb_settings.with_(users_file=tmp_path / "none.json"), counting), free_port())
    running.app.state.iitkb.answer_limit = SlidingWindow(10 ** 6, 60)
    try:
        def one(number: int) -> str:
            reply = client(running.url, "anything").chat.completions.create(
                model="iitkb", messages=[{"role": "user", "content": f"{SOP_QUESTION} ({number})"}])
            return reply.choices[0].message.content

        with futures.ThreadPoolExecutor(20) as pool:
            contents = list(pool.map(one, range(40)))
    finally:
        running.stop()
    assert len(contents) == 40 and all(contents)
    assert 1 <= counting.most <= min(ANSWER_WORKERS, 20), counting.most
