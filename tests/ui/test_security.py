"""The holes a probe of the running app found, each closed and kept closed, over real HTTP:
sessions that outlive their credentials, pages on other ports reading the API with the user's
cookie, /source serving whatever the index records (a symlink to the users file), unthrottled
logins, unbounded questions and answers. One small index and server of their own, so locking an
address or a name here never touches the other web tests."""

from __future__ import annotations

import json
import os

import pytest
from gradio_client import Client

from iitkb.paths import stored_path
from iitkb.settings import PROJECT_ROOT, Settings
from tests.conftest import front, write
from tests.ui.conftest import RunningApp, call_event, free_port, login, upload
from ui.users import UserStore
from ui.web.sessions import LOGIN_FAILURES_PER_NAME, SlidingWindow

USERS = {"sid": ("sponsor", "sponsor-pass-1"), "stan": ("staff", "staff-pass-22"), "ada": ("admin", "admin-pass-333")}
PUBLIC = "## 1. Storage\nCell products are stored in a locked room with a temperature log.\n"
INTERNAL = "## 1. Keys\nThe storage room key code is KEYCODE-5521 and sits with the night nurse.\n"
FOREIGN = "http://127.0.0.1:7945"          # a page served from another port on the same machine


@pytest.fixture(scope="module")
def secure(tmp_path_factory, e5):
    """An index with a public and an internal note, ingested from a folder that also holds a
    symlink to the users file and a symlink loop, served with login."""
    from ingest.pipeline import Ingestor
    from retrieval.answer import Answerer
    from retrieval.search import Searcher
    from ui.web import make_server

    root = tmp_path_factory.mktemp("secure")
    settings = Settings(data_dir=root / "data", glossary_path=PROJECT_ROOT / "corpus" / "glossary.tsv")
    users = UserStore(settings.users_path)
    for name, (role, password) in USERS.items():
        users.add(name, role, password)
    corpus = root / "corpus"
    write(corpus / "store.md", front("store-en", "en", "Storage Note", PUBLIC))
    write(corpus / "keys.md", front("keys-en", "en", "Key Note", INTERNAL, access="internal"))
    os.symlink(settings.users_path, corpus / "leak.md")
    os.symlink(corpus, corpus / "loop")
    ingestor = Ingestor(settings, embedder=e5)
    report = ingestor.run([corpus], access="public")
    ingestor.close()
    running = RunningApp(make_server(settings, Answerer(settings, searcher=Searcher(settings, embedder=e5))),
                         free_port())
    yield settings, report, running
    running.stop()


def as_user(secure, name: str):
    return login(secure[2].url, name, USERS[name][1])


# /source and symlinks ------------------------------------------------------------------------
def test_ingest_skips_the_link_to_the_users_file_and_survives_the_loop(secure):
    settings, report, _ = secure
    assert report.added == 2 and report.unchanged == 0
    reasons = {os.path.basename(s["path"]): s["reason"] for s in report.skipped}
    assert "outside the folders being ingested" in reasons["leak.md"]
    from index.index import Index

    index = Index(settings)
    try:
        assert sorted(r.doc_id for r in index.documents(state=None)) == ["keys-en", "store-en"]
        assert not index.documents(state="pending")
    finally:
        index.close()


def test_source_never_serves_the_users_file(secure):
    settings, _, running = secure
    sid = as_user(secure, "sid")
    hashes = [entry["hash"] for entry in json.loads(settings.users_path.read_text()).values()]
    for doc_id in ("leak", "leak-md", "users"):
        reply = sid.get(f"/source/{doc_id}")
        assert reply.status_code == 404 and not any(h in reply.text for h in hashes)
    assert sid.get("/source/store-en").status_code == 200


def test_a_file_swapped_for_a_symlink_after_ingest_is_not_served(secure):
    settings, _, _ = secure
    stan = as_user(secure, "stan")
    path = settings.data_dir.parent / "corpus" / "keys.md"
    original = path.read_bytes()
    assert "KEYCODE-5521" in stan.get("/source/keys-en").text
    path.unlink()
    os.symlink(settings.users_path, path)
    try:
        reply = stan.get("/source/keys-en")
        assert reply.status_code == 404 and "scrypt" not in reply.text and '"hash"' not in reply.text
    finally:
        path.unlink()
        path.write_bytes(original)


def test_servable_keeps_to_documents_outside_the_data_folder(secure, tmp_path):
    from ingest.uploads import uploads_dir
    from ui.web.server import servable

    settings = secure[0]
    note = write(settings.data_dir / "notes.md", "# inside the data folder\n")
    upload = write(uploads_dir(settings) / "rules.md", "# an upload\n")
    outside = write(tmp_path / "guide.md", "# a corpus file\n")
    try:
        assert servable(settings, str(settings.users_path)) is None
        assert servable(settings, stored_path(note)) is None
        assert servable(settings, stored_path(settings.data_dir / "catalog.sqlite")) is None
        assert servable(settings, stored_path(upload)) == upload.resolve()
        assert servable(settings, stored_path(outside)) == outside.resolve()
        assert servable(settings, "corpus/README-that-does-not-exist.md") is None
    finally:
        note.unlink()
        upload.unlink()


# the origin guard --------------------------------------------------------------------------
@pytest.mark.parametrize("method,url", [("GET", "/config"), ("GET", "/source/keys-en"),
                                        ("POST", "/gradio_api/call/ask"), ("OPTIONS", "/gradio_api/call/ask")])
def test_requests_from_another_origin_are_refused(secure, method, url):
    stan = as_user(secure, "stan")
    headers = {"Origin": FOREIGN}
    if method == "OPTIONS":
        headers |= {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    reply = stan.request(method, url, headers=headers, json={"data": ["key code?"]} if method == "POST" else None)
    assert reply.status_code == 403 and "KEYCODE" not in reply.text
    assert "access-control-allow-origin" not in reply.headers


def test_same_origin_and_plain_requests_still_work(secure):
    stan = as_user(secure, "stan")
    own = secure[2].url.rstrip("/")
    assert stan.get("/config", headers={"Origin": own}).status_code == 200
    assert stan.get("/source/keys-en").status_code == 200
    # a cross-site fetch without an Origin header (an <img>, a <script>) is refused; a link is not
    assert stan.get("/source/keys-en", headers={"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors"}
                    ).status_code == 403
    assert stan.get("/", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}).status_code == 200
    assert stan.get("/config", headers={"Origin": "null"}).status_code == 403


# sessions bound to credentials ---------------------------------------------------------------
@pytest.mark.parametrize("change", ["re-add as staff", "password change", "remove"])
def test_old_cookies_stop_working_when_credentials_change(secure, change):
    settings, _, _ = secure
    users = UserStore(settings.users_path)
    name = f"temp-{change.split()[0]}"
    users.add(name, "sponsor", "first-pass-1")
    old = login(secure[2].url, name, "first-pass-1")
    assert old.get("/config").status_code == 200 and old.get("/source/keys-en").status_code == 404
    if change == "remove":
        users.remove(name)
    else:
        users.add(name, "staff" if change.startswith("re-add") else "sponsor", "second-pass-2")
    assert old.get("/config").status_code == 401
    assert old.get("/source/keys-en").status_code == 401
    assert old.post("/gradio_api/call/ask", json={"data": ["What is the key code?"]}).status_code == 401
    if change.startswith("re-add"):
        fresh = login(secure[2].url, name, "second-pass-2")
        assert "KEYCODE-5521" in fresh.get("/source/keys-en").text
    users.remove(name)


# login throttling ----------------------------------------------------------------------------
def test_repeated_wrong_passwords_lock_the_name(secure):
    users = UserStore(secure[0].users_path)
    users.add("lou", "sponsor", "right-pass-1")
    http = login(secure[2].url, None)
    for _ in range(LOGIN_FAILURES_PER_NAME):
        assert http.post("/login", data={"username": "lou", "password": "wrong-pass"}).status_code == 400
    locked = http.post("/login", data={"username": "lou", "password": "right-pass-1"})
    assert locked.status_code == 429 and "try again in" in locked.text
    assert login(secure[2].url, "sid", USERS["sid"][1]).get("/config").status_code == 200


# question length and answer rate ---------------------------------------------------------------
def test_an_over_long_question_gets_a_clear_answer_not_an_error(secure):
    settings, _, running = secure
    question = ("How is the storage room kept? " * 100).strip()
    assert len(question) == 2999 > settings.max_question_chars
    api = Client(running.url, auth=("sid", USERS["sid"][1]), verbose=False).predict(question, api_name="/ask")
    assert api["error"].startswith("the question is 2,999 characters long; the limit is 2,000")
    assert api["citations"] == [] and len(api["question"]) <= settings.max_question_chars + 1
    done = call_event(as_user(secure, "sid"), "respond", [question, [], "any", "any", [], "", "English"])
    assert done["success"], done
    chat, box = done["output"]["data"][0], done["output"]["data"][1]
    reply = chat[-1]["content"] if isinstance(chat, list) else json.dumps(chat)
    assert "limit is 2,000" in json.dumps(chat) and box == question, reply


def test_answers_per_user_are_rate_limited_with_a_clear_message(secure):
    ctx = secure[2].app.state.iitkb
    saved, ctx.answer_limit = ctx.answer_limit, SlidingWindow(2, 60)
    try:
        sid = Client(secure[2].url, auth=("sid", USERS["sid"][1]), verbose=False)
        first = [sid.predict("How are cell products stored?", api_name="/ask") for _ in range(2)]
        assert all(not a.get("error") and a["citations"] for a in first)
        third = sid.predict("How are cell products stored?", api_name="/ask")
        assert "please wait" in third["error"] and third["citations"] == [] and third["answer"] == ""
        chat = call_event(as_user(secure, "sid"), "respond", ["How are cell products stored?", [], "any", "any",
                                                               [], "", "English"])
        assert chat["success"] and "please wait" in json.dumps(chat["output"]["data"][0])
        stan = Client(secure[2].url, auth=("stan", USERS["stan"][1]), verbose=False)
        assert not stan.predict("How are cell products stored?", api_name="/ask").get("error")
    finally:
        ctx.answer_limit = saved


# uploads -------------------------------------------------------------------------------------
def test_ten_uploads_in_a_row_through_the_app_all_succeed_and_skipped_ones_leave_nothing(secure, tmp_path):
    from ingest.uploads import uploads_dir

    settings = secure[0]
    ada = as_user(secure, "ada")
    for number in range(10):
        note = write(tmp_path / f"Site Note {number}.md", front(
            f"site-note-{number}", "en", f"Site Note {number}",
            f"## 1. Rule\nSite {number} keeps its freezer log for {number + 3} years.\n"))
        done = call_event(ada, "ingest", [[upload(ada, note)], "public"])
        assert done["success"], done["output"]
        report = done["output"]["data"][0]
        assert report["added"] == 1 and report["skipped"] == [], report
    clash = write(tmp_path / "clash.md", front("site-note-0", "en", "Clash", "## 1. Rule\nSame doc_id.\n"))
    empty = write(tmp_path / "empty.md", "")
    done = call_event(ada, "ingest", [[upload(ada, clash), upload(ada, empty)], "public"])
    assert done["success"] and len(done["output"]["data"][0]["skipped"]) == 2
    kept = sorted(p.name for p in uploads_dir(settings).iterdir())
    assert kept == [f"site-note-{n}.md" for n in range(10)]
    sid = as_user(secure, "sid")
    assert "freezer log for 9 years" in sid.get("/source/site-note-6").text


def test_questionnaire_rows_show_the_length_message_and_runs_are_rate_limited(secure):
    import gradio as gr

    from ui.web.questionnaire import questionnaire_handler

    ctx = secure[2].app.state.iitkb
    run = questionnaire_handler(ctx)
    long_question = "Where are cell products stored and who keeps the temperature log? " * 40
    pasted = f"How are cell products stored?\n{long_question.strip()}\n"
    saved, ctx.questionnaire_limit = ctx.questionnaire_limit, SlidingWindow(1, 600)
    try:
        rows, _, _ = run(None, pasted, "English", gr.Request(username="sid"))
        assert "[1]" in rows[0][2] and "Storage Note" in rows[0][3]
        assert "limit is 2,000" in rows[1][2] and len(rows[1][1]) <= ctx.settings.max_question_chars + 1
        with pytest.raises(gr.Error, match="please wait"):
            run(None, pasted, "English", gr.Request(username="sid"))
        rows, _, _ = run(None, pasted, "English", gr.Request(username="stan"))    # per user
        assert len(rows) == 2
    finally:
        ctx.questionnaire_limit = saved


# session cookies ------------------------------------------------------------------------------
def test_session_cookies_are_http_only_and_same_site(secure):
    import httpx

    http = httpx.Client(base_url=secure[2].url, timeout=60)
    reply = http.post("/login", data={"username": "stan", "password": USERS["stan"][1]})
    assert reply.status_code == 200
    cookies = reply.headers.get_list("set-cookie")
    assert len(cookies) >= 1
    for cookie in cookies:
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert "httponly" in flags and "samesite=lax" in flags, cookie
        assert "samesite=none" not in flags, cookie
    assert http.get("/config").status_code == 200        # the session works with the rewritten cookie
    assert httpx.get(secure[2].url.rstrip("/") + "/config").status_code != 200    # and is needed
