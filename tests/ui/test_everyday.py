"""Everyday use: the port setting, progress lines in logs, `ask` filters and unwrapped output,
login that follows the users file live, inline web errors, other-language questions and the
rendered source page."""

from __future__ import annotations

import io
import json
import subprocess
import time

import httpx
import pytest

from iitkb.progress import Progress
from iitkb.settings import PROJECT_ROOT, load_settings
from tests.conftest import cli_env, write
from tests.ui.conftest import RunningApp, call_event, free_port, login, upload

IITKB = str(PROJECT_ROOT / ".venv" / "bin" / "iitkb")


def run_cli(settings, *args, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([IITKB, *args], capture_output=True, text=True, env=cli_env(settings, **extra),
                          timeout=180)


# progress --------------------------------------------------------------------------------------
class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_progress_writes_a_line_every_few_seconds_with_counts_and_eta_when_not_a_terminal():
    clock, stream = Clock(), io.StringIO()
    with Progress("ingesting files", stream=stream, terminal=False, clock=clock, heartbeat=False) as bar:
        for done in range(1, 21):
            clock.now += 1.0                       # one file a second
            bar.update(done, 20, note=f"corpus/f{done}.md")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "ingesting files: 5/20, 25%, 1.0/s, ETA 0:15 (corpus/f5.md)"
    assert len(lines) == 5 and lines[1].startswith("ingesting files: 10/20, 50%")
    assert lines[-1] == "ingesting files: 20/20, 100%, done in 0:20"


def test_a_long_step_without_updates_still_gets_lines(monkeypatch):
    import iitkb.progress

    monkeypatch.setattr(iitkb.progress, "LINE_EVERY_S", 0.1)
    stream = io.StringIO()
    with Progress("embedding", total=3, stream=stream, terminal=False) as bar:
        bar.update(1, note="big.pdf")
        time.sleep(0.5)                            # one slow file, no updates
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 4 and all(line.startswith("embedding: 1/3, 33%") for line in lines[:-1])
    assert lines[-1].startswith("embedding: 3/3, 100%, done in")


def test_ingest_reports_progress_in_a_log(tmp_path, kb_settings):
    from iitkb.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", glossary_path=kb_settings.glossary_path)
    write(tmp_path / "docs" / "a.md", "# Cold chain\n\nSamples are shipped at minus 80 degrees.\n")
    done = run_cli(settings, "ingest", str(tmp_path / "docs"), "--access", "public")
    assert done.returncode == 0, done.stderr
    assert "ingesting files: 1/1, 100%, done in 0:0" in done.stderr


# the port ---------------------------------------------------------------------------------------
def test_the_port_comes_from_iitkb_port_and_serve_listens_there(kb_settings):
    assert load_settings(env={"IITKB_PORT": "8765"}).port == 8765
    assert load_settings(env={}).port == 7860
    port = free_port()
    proc = subprocess.Popen([IITKB, "serve"], env=cli_env(kb_settings, IITKB_PORT=str(port)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/config", timeout=2).status_code == 401:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            pytest.fail("iitkb serve did not answer on IITKB_PORT")
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in stderr
    assert not (kb_settings.data_dir / "serve.json").exists()          # withdrawn on SIGTERM


# ask: filters, no wrapping, other languages ------------------------------------------------------
def test_ask_takes_the_search_filters(kb_settings):
    question = "What reviews must a study pass before institutional approval?"
    zh = json.loads(run_cli(kb_settings, "ask", question, "--lang", "zh", "--k", "2", "--json").stdout)
    found = [c["counterpart_of"] or c for c in zh["citations"]]     # an en quote stands in for a zh clause
    assert found and {c["lang"] for c in found} == {"zh"} and len(zh["citations"]) <= 2
    drafts = json.loads(run_cli(kb_settings, "ask", question, "--status", "superseded", "--json").stdout)
    assert {c["doc_id"] for c in drafts["citations"]} <= {"old-draft-en"}
    bad = run_cli(kb_settings, "ask", question, "--as-of", "yesterday")
    assert bad.returncode == 2 and "as_of must be a date in YYYY-MM-DD form" in bad.stderr


def test_piped_output_is_not_wrapped_and_other_languages_get_a_note(kb_settings, tmp_path):
    question = "临床研究立项前需要通过哪些审查？"
    answer = json.loads(run_cli(kb_settings, "ask", question, "--json").stdout)["answer"]
    printed = run_cli(kb_settings, "ask", question, COLUMNS="30").stdout
    first = answer.splitlines()[0]
    assert len(first) > 20 and first in printed.splitlines()     # CJK: two columns a character
    long_question = "境外申办方把样本运出境需要人类遗传资源审批吗？如果需要，审批流程需要多长时间，由哪个部门负责？"
    table = run_cli(kb_settings, "ask", "--batch", str(write(tmp_path / "q.txt", long_question + "\n")), "--dry-run",
                    COLUMNS="30").stdout
    assert long_question in table and "…" not in table                       # a table row is not cut either
    japanese = run_cli(kb_settings, "ask", "中国でCAR-T治験を行うにはIND申請が必要ですか？", "--json")
    data = json.loads(japanese.stdout)
    assert data["abstained"] and data["citations"] == [] and "please ask in Chinese or English" in data["answer"]


# login follows the users file --------------------------------------------------------------------
def test_adding_the_first_user_turns_login_on_without_a_restart(kb_settings, answerer, tmp_path):
    from ui.users import UserStore
    from ui.web import make_server

    settings = kb_settings.with_(users_file=tmp_path / "users.json")
    running = RunningApp(make_server(settings, answerer), free_port())
    try:
        anonymous = login(running.url, None)
        assert anonymous.get("/config").status_code == 200
        UserStore(settings.users_path).add("nova", "staff", "nova-pass-4444")
        assert anonymous.get("/config").status_code == 401
        assert anonymous.get("/source/rule-en").status_code == 401
        nova = login(running.url, "nova", "nova-pass-4444")
        assert nova.get("/config").status_code == 200 and nova.get("/source/sop-sae-en").status_code == 200
    finally:
        running.stop()


# web: inline errors, no tracebacks, other languages ----------------------------------------------
def test_an_empty_question_gets_an_inline_message_and_no_traceback(web, capfd):
    sam = login(web.url, "sam")
    done = call_event(sam, "respond", ["   ", [], "any", "any", [], "", "English"])
    assert done["success"], done
    chat = done["output"]["data"][0]
    assert chat[-1]["role"] == "assistant" and "Type a question first." in json.dumps(chat)
    bad_date = call_event(sam, "respond", ["How are SAEs reported?", [], "any", "any", [], "soon", "English"])
    assert bad_date["success"] and "YYYY-MM-DD" in json.dumps(bad_date["output"]["data"][0])
    assert bad_date["output"]["data"][1] == "How are SAEs reported?"          # kept in the box
    japanese = call_event(sam, "respond", ["治験の報告期限は何日ですか？", [], "any", "any", [], "", "English"])
    reply = json.dumps(japanese["output"]["data"][0], ensure_ascii=False)
    assert "please ask in Chinese or English" in reply and "请用中文或英文提问" in reply
    assert "Traceback" not in capfd.readouterr().err


def test_a_failed_upload_keeps_the_table_and_says_why(web, tmp_path, capfd, caplog):
    ada = login(web.url, "ada")
    twins = [write(tmp_path / folder / "notes.md", f"# Notes {folder}\n\nText.\n") for folder in "ab"]
    done = call_event(ada, "ingest", [[upload(ada, twin) for twin in twins], "public"])
    assert done["success"], done
    report, warning, table, pick = done["output"]["data"]
    assert "also saved as notes.md" in warning and warning.startswith("⚠") and report["added"] == 1
    other = call_event(ada, "ingest", [[upload(ada, write(tmp_path / "tool.exe", "binary"))], "public"])
    assert other["success"], other
    report, warning, table, pick = other["output"]["data"]
    assert "tool.exe" in warning and ".exe" in warning and report["skipped"] and table["data"]
    nothing = call_event(ada, "ingest", [[], "public"])
    assert nothing["success"], nothing
    report, warning, table, pick = nothing["output"]["data"]
    assert "choose one or more files" in warning
    assert table == {"__type__": "update"} and report == {"__type__": "update"}
    assert "Traceback" not in capfd.readouterr().err
    assert [r.getMessage() for r in caplog.records if r.name == "iitkb.web"] == [
        "upload: choose one or more files to ingest"]


def test_questionnaire_refusals_are_shown_beside_the_form(web, capfd):
    sam = login(web.url, "sam")
    done = call_event(sam, "review", [None, "", "English"])
    assert done["success"], done
    found, note = done["output"]["data"]
    assert found == {"__type__": "update"} and note.startswith("⚠")
    found = call_event(sam, "review", [None, "How are cell products stored?\n", "English"])
    rows, note = found["output"]["data"]
    assert found["success"] and note == "" and "cell products" in json.dumps(rows)   # success clears it
    assert "Traceback" not in capfd.readouterr().err


def test_users_key_prints_a_key_that_finds_its_user(tmp_path, kb_settings):
    from iitkb.settings import Settings
    from ui.users import UserStore

    settings = Settings(data_dir=tmp_path / "data", glossary_path=kb_settings.glossary_path)
    UserStore(settings.users_path).add("kim", "staff", "kim-pass-5555")
    done = run_cli(settings, "users", "key", "kim")
    key = done.stdout.split()[-1]
    assert done.returncode == 0 and key.startswith("iitkb-") and UserStore(settings.users_path).key_user(key) == "kim"
    assert key not in settings.users_path.read_text()                              # stored hashed
    assert run_cli(settings, "users", "key", "nobody").returncode == 2


def test_a_japanese_question_gets_a_bilingual_note_through_the_api(web):
    from tests.ui.conftest import client

    answer = client(web.url, "sam").predict("日本語で質問してもいいですか？", api_name="/ask")
    assert "please ask in Chinese or English" in answer["error"] and "请用中文或英文提问" in answer["error"]
    assert answer["citations"] == []


# the rendered source page ------------------------------------------------------------------------
def test_the_source_page_is_rendered_without_front_matter_and_highlights_the_quote(web):
    sam = login(web.url, "sam")
    page = sam.get("/source/rule-en", params={"quote": "Every study must pass scientific review"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"] and "default-src 'none'" in \
        page.headers["content-security-policy"]
    text = page.text
    assert '<h1 class="kb-title">Measures on Investigator-Initiated Clinical Research</h1>' in text
    assert "Guo Wei Ke Jiao Fa [2024] No. 32" in text and "kb-badge kb-in_force" in text
    assert "doc_id:" not in text and "source_id:" not in text and "---" not in text
    assert '<mark id="kb-quote">Every study must pass scientific review' in text
    raw = sam.get("/source/rule-en", params={"raw": 1})
    assert raw.headers["content-type"].startswith("text/plain") and raw.text.startswith("---")
    assert sam.get("/source/sop-sae-en").status_code == 404                 # still role-checked


# the command line asks a running server ----------------------------------------------------------
class Counting:
    """The answerer, counting the questions it answers."""

    def __init__(self, answerer):
        self.answerer, self.asked = answerer, 0

    def ask(self, *args, **kwargs):
        self.asked += 1
        return self.answerer.ask(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.answerer, name)


def test_ask_uses_a_running_server_on_the_same_data_folder(kb_settings, answerer, tmp_path):
    from ui.local import ROUTE, TOKEN_HEADER, announce, serve_file, withdraw
    from ui.web import make_server

    counting = Counting(answerer)
    app = make_server(kb_settings.with_(users_file=tmp_path / "users.json"), counting)
    port = free_port()
    running = RunningApp(app, port)
    path, app.state.local_token = announce(kb_settings, port)
    try:
        assert serve_file(kb_settings).stat().st_mode & 0o777 == 0o600
        done = run_cli(kb_settings, "ask", "Which SOP form records an SAE?", "--role", "staff", "--json")
        assert done.returncode == 0, done.stderr
        assert counting.asked == 1 and "F-SAE-01" in json.loads(done.stdout)["answer"] + done.stdout
        forged = httpx.post(running.url.rstrip("/") + ROUTE, json={"question": "SAE form", "role": "staff"},
                            headers={TOKEN_HEADER: "guess"})
        assert forged.status_code == 403 and counting.asked == 1
    finally:
        withdraw(path, app.state.local_token)
        running.stop()
    assert not serve_file(kb_settings).exists()


def test_an_html_source_is_a_page_of_its_clauses_without_its_markup(web, tmp_path):
    ada, sam = login(web.url, "ada"), login(web.url, "sam")
    page = write(tmp_path / "Cold Chain Notice.html", (
        "<html><head><title>Cold Chain Notice</title><script>alert('x')</script></head><body><main>"
        "<h1>Cold Chain Notice</h1><h2>Article 1</h2><p>Cell products are shipped at minus 150 degrees "
        "in validated dry shippers with a temperature logger.</p><h2>Article 2</h2><p>Every shipment "
        "record is kept for five years after the study ends.</p></main></body></html>"))
    done = call_event(ada, "ingest", [[upload(ada, page)], "public"])
    assert done["success"] and done["output"]["data"][0]["added"] == 1, done
    ctx = web.app.state.iitkb
    doc_id = next(d["doc_id"] for d in ctx.visible_documents("sponsor") if d.get("path", "").endswith(".html"))
    try:
        shown = sam.get(f"/source/{doc_id}", params={"quote": "Every shipment record is kept for five years "
                                                               "after the study ends."})
        assert shown.status_code == 200 and shown.headers["content-type"].startswith("text/html")
        assert "minus 150 degrees" in shown.text and "alert(" not in shown.text and "<main>" not in shown.text
        assert '<mark id="kb-quote">Every shipment record is kept for five years' in shown.text
    finally:
        assert ctx.uploads.remove(doc_id)


def test_ask_ends_without_teardown_yet_loses_no_output(kb_settings):
    """`iitkb ask` leaves through os._exit (see ui.cli.base.leave_now): its whole answer, printed
    and as JSON through a pipe, and its audit line still arrive, with exit status 0."""
    question = "临床研究立项前需要通过哪些审查？"
    as_json = run_cli(kb_settings, "ask", question, "--json")
    assert as_json.returncode == 0 and as_json.stdout.endswith("}\n")
    answer = json.loads(as_json.stdout)
    printed = run_cli(kb_settings, "ask", question)
    assert printed.returncode == 0
    assert answer["citations"] and f"[{len(answer['citations'])}]" in printed.stdout
    assert answer["citations"][-1]["quote"].splitlines()[0] in printed.stdout
    trail = [json.loads(line) for line in kb_settings.audit_path.read_text().splitlines()]
    assert [e["question"] for e in trail if e.get("door") == "cli"][-2:] == [question, question]
