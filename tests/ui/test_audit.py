"""The audit trail: records from every door (web chat, /ask API, /v1, the command line, batches,
uploads and removals, user changes), hashes instead of questions when set, rotation that loses
nothing, writers in several processes at once, a write that fails never failing an answer, and
`iitkb audit` reading it back with its filters; backup takes it and restore keeps newer records."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from iitkb.settings import PROJECT_ROOT, Settings
from tests.conftest import cli_env, front, write
from tests.ui.conftest import RunningApp, call_event, free_port, login, upload
from ui.audit import AuditTrail, question_hash, read_trail, trail_files

IITKB = str(PROJECT_ROOT / ".venv" / "bin" / "iitkb")
SOP_QUESTION = "Which SOP form records an SAE?"
COLD_QUESTION = "At what temperature are cell therapy samples shipped?"
ANSWER = {"question": "How are SAEs reported?", "role": "staff", "abstained": False, "index_version": "v1",
          "citations": [{"doc_id": "rule-en"}, {"doc_id": "sop-en"}, {"doc_id": "rule-en"}]}


def run_cli(settings, *args, stdin: str | None = None, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([IITKB, *args], capture_output=True, text=True, input=stdin,
                          env=cli_env(settings, **extra), timeout=240)


def audit_json(settings, *args) -> list[dict]:
    done = run_cli(settings, "audit", "--json", *args)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


# the trail itself ----------------------------------------------------------------------------
def test_an_answer_record_holds_who_what_and_which_documents(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    AuditTrail(settings).answer("api", "alice", "staff", ANSWER)
    AuditTrail(settings).answer("web", None, "sponsor", {**ANSWER, "role": "sponsor", "abstained": True,
                                                         "citations": []})
    first, second = read_trail(settings)
    assert first["door"] == "api" and first["user"] == "alice" and first["role"] == "staff"
    assert first["question"] == ANSWER["question"] and first["cited"] == ["rule-en", "sop-en"]
    assert first["index_version"] == "v1" and first["abstained"] is False and first["time"].endswith("+00:00")
    assert second["user"] == "anonymous" and second["abstained"] is True and second["cited"] == []
    assert settings.audit_path.stat().st_mode & 0o777 == 0o600         # readable by the app's account alone


def test_with_hashes_on_the_question_text_never_reaches_the_disk(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", audit_question_hashes=True)
    AuditTrail(settings).answer("v1", "bob", "staff", {**ANSWER, "question": "患者张三的 SAE 怎么报？"})
    (record,) = read_trail(settings)
    assert "question" not in record and record["question_sha256"] == question_hash("患者张三的 SAE 怎么报？")
    assert "张三" not in settings.audit_path.read_text(encoding="utf-8")


def test_audit_off_writes_nothing(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", audit=False)
    AuditTrail(settings).answer("web", "a", "staff", ANSWER)
    assert not settings.audit_path.exists()


def test_rotation_closes_full_files_and_loses_no_record(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", audit_rotate_mb=0.002)     # 2,000 bytes a file
    trail = AuditTrail(settings)
    for n in range(60):
        trail.admin("web", "ada", "admin", "remove", doc_id=f"doc-{n}")
    files = trail_files(settings)
    assert len(files) >= 5 and files[-1] == settings.audit_path
    assert all(path.stat().st_size <= 2000 for path in files)
    assert [r["doc_id"] for r in read_trail(settings)] == [f"doc-{n}" for n in range(60)]


WRITER = """
import sys
from pathlib import Path
from iitkb.settings import Settings
from ui.audit import AuditTrail
trail = AuditTrail(Settings(data_dir=Path(sys.argv[1]), audit_rotate_mb=0.02))
for n in range(200):
    trail.admin("cli", sys.argv[2], "admin", "upload", n=n, files=["x" * 40])
"""


def test_writers_in_four_processes_at_once_interleave_no_line(tmp_path):
    data = tmp_path / "data"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(data), f"w{i}"], cwd=PROJECT_ROOT)
             for i in range(4)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    records = list(read_trail(Settings(data_dir=data)))
    assert len(records) == 800 and not [r for r in records if r["event"] == "unreadable"]
    for i in range(4):
        assert [r["n"] for r in records if r["user"] == f"w{i}"] == list(range(200))


def test_a_failing_write_logs_a_warning_and_raises_nothing(tmp_path, caplog):
    settings = Settings(data_dir=tmp_path / "data")
    settings.audit_path.mkdir(parents=True)          # the log's name taken by a folder: every write fails
    with caplog.at_level(logging.WARNING, logger="iitkb.audit"):
        AuditTrail(settings).answer("web", "a", "staff", ANSWER)
    assert "audit record not written" in caplog.text


def test_a_torn_last_line_is_shown_as_unreadable_not_dropped(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    AuditTrail(settings).answer("web", "a", "staff", ANSWER)
    with settings.audit_path.open("a") as fh:
        fh.write('{"time": "2026-')
    assert [r["event"] for r in read_trail(settings)] == ["answer", "unreadable"]


# every door ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def audited(kb_settings, answerer, tmp_path_factory):
    """The package's index served with users of this module alone, so their records are theirs."""
    from ui.users import UserStore
    from ui.web import make_server

    settings = kb_settings.with_(users_file=tmp_path_factory.mktemp("audit") / "users.json")
    users = UserStore(settings.users_path)
    users.add("aud-staff", "staff", "staff-pass-77")
    users.add("aud-admin", "admin", "admin-pass-777")
    key = users.new_key("aud-staff")
    running = RunningApp(make_server(settings, answerer), free_port())
    yield settings, running, key
    running.stop()


def mine(settings, user: str) -> list[dict]:
    return list(read_trail(settings, user=user))


def test_the_web_doors_record_answers_and_admin_actions(audited, tmp_path):
    import gradio as gr
    from gradio_client import Client
    from openai import OpenAI

    from ui.web.documents import document_handlers

    settings, running, key = audited
    staff = login(running.url, "aud-staff", "staff-pass-77")
    call_event(staff, "respond", [SOP_QUESTION, [], "any", "any", [], "", "English"])
    Client(running.url, auth=("aud-staff", "staff-pass-77"), verbose=False).predict(SOP_QUESTION, api_name="/ask")
    OpenAI(base_url=running.url + "v1", api_key=key, max_retries=0).chat.completions.create(
        model="iitkb", messages=[{"role": "user", "content": SOP_QUESTION}])
    answers = mine(settings, "aud-staff")
    assert [r["door"] for r in answers] == ["web", "api", "v1"]
    for record in answers:
        assert record["role"] == "staff" and record["question"] == SOP_QUESTION and not record["abstained"]
        assert any(doc.startswith("sop-sae") for doc in record["cited"]) and record["index_version"]
    admin = login(running.url, "aud-admin", "admin-pass-777")
    page = write(tmp_path / "cold-chain-audit.md", front("cold-audit-en", "en", "Cold Chain Audit Note",
                                                         "## 1\nSamples travel at minus 80 degrees.\n"))
    call_event(admin, "ingest", [[upload(admin, page)], "public"])
    remove = document_handlers(running.app.state.iitkb)[1]    # the dropdown's choices live in the page
    remove("cold-audit-en", "English", gr.Request(username="aud-admin"))
    upload_record, removal = mine(settings, "aud-admin")
    assert upload_record["action"] == "upload" and upload_record["files"] == ["uploads/cold-chain-audit.md"]
    assert removal["action"] == "remove" and removal["doc_id"] == "cold-audit-en"


def test_the_command_line_records_ask_batch_and_user_changes_and_audit_filters(tmp_path, kb_settings):
    from index.catalog import Catalog
    from index.index import catalog_version

    settings = Settings(data_dir=tmp_path / "data", glossary_path=kb_settings.glossary_path)
    body = "## Article 1\nCell therapy samples are shipped at minus 80 degrees Celsius in a validated cold chain.\n"
    write(tmp_path / "docs" / "a.md", front("cold-en", "en", "Cold Chain Rules", body))
    assert run_cli(settings, "ingest", str(tmp_path / "docs")).returncode == 0
    assert run_cli(settings, "ask", COLD_QUESTION).returncode == 0
    batch = write(tmp_path / "q.txt", f"{COLD_QUESTION}\nWho signs the consent form?\n")
    assert run_cli(settings, "ask", "--batch", str(batch), "--role", "staff",
                   IITKB_AUDIT_QUESTION_HASHES="1").returncode == 0
    assert run_cli(settings, "users", "add", "carol", "--role", "staff", "--password-stdin",
                   stdin="carol-pass-1234\n").returncode == 0
    records = audit_json(settings)
    assert [r.get("action") or r["door"] for r in records] == ["ingest", "cli", "batch", "batch", "user_add"]
    ingest, asked, hashed = records[0], records[1], records[2]
    assert ingest["added"] == 1 and ingest["role"] == "admin"
    assert asked["cited"] == ["cold-en"] and asked["role"] == "sponsor"
    assert asked["index_version"] == catalog_version(Catalog(settings.data_dir), ("public",))
    assert hashed["question_sha256"] == question_hash(COLD_QUESTION)
    assert records[3]["abstained"] is True and records[4]["target"] == "carol"
    assert audit_json(settings, "--user", "nobody") == []
    assert len(audit_json(settings, "--since", "2000-01-01")) == 5
    assert audit_json(settings, "--since", "2999-01-01") == []
    text = run_cli(settings, "audit")
    assert f"asked {COLD_QUESTION!r}: cited cold-en" in text.stdout
    assert run_cli(settings, "audit", "--since", "last week").returncode == 2


def test_backup_takes_the_trail_and_restore_keeps_records_written_since(tmp_path, e5):
    from index.backup import backup, restore
    from index.index import Index

    settings = Settings(data_dir=tmp_path / "data")
    trail = AuditTrail(settings)
    trail.admin("cli", "root", "admin", "ingest", added=1)
    with settings.audit_path.open("a") as fh:
        fh.write('{"time": "2026-12-')                   # a line being written as the backup runs
    index = Index(settings, e5)
    manifest = backup(index, tmp_path / "snap")
    index.close()
    assert "audit.jsonl" in manifest["files"]
    assert (tmp_path / "snap" / "audit.jsonl").read_text().endswith("}\n")   # whole lines only
    assert (tmp_path / "snap" / "audit.jsonl").stat().st_mode & 0o777 == 0o600
    trail.admin("web", "ada", "admin", "remove", doc_id="later")
    restore(settings, tmp_path / "snap", force=True, embedder=e5).close()
    assert [r.get("doc_id") for r in read_trail(settings) if r["event"] == "admin"][-1] == "later"
    fresh = Settings(data_dir=tmp_path / "fresh")
    restore(fresh, tmp_path / "snap", embedder=e5).close()
    assert [r["action"] for r in read_trail(fresh)] == ["ingest"]
