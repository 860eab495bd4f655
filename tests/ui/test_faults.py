"""Faults while the app serves, each with real parts:

- the `chroma run` server stopped and started again: every door says the store is not answering
  (no traceback, no crash), and answers come back by themselves once it is up;
- `iitkb serve` killed with SIGKILL in the middle of an upload: after a restart `iitkb check` is
  clean, every document indexed before is still there, and the upload can simply be made again.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from iitkb.settings import PROJECT_ROOT, Settings
from tests.conftest import cli_env, front, write
from tests.ui.conftest import RunningApp, call_event, free_port, login, upload
from ui.web.context import STORE_DOWN

IITKB = str(PROJECT_ROOT / ".venv" / "bin" / "iitkb")
QUESTION = "At what temperature are cell therapy samples shipped?"
BODY = "## Article 1\nCell therapy samples are shipped at minus 80 degrees Celsius in a validated cold chain.\n"
START_S = 90


def wait_for_port(port: int, proc: subprocess.Popen, what: str):
    deadline = time.time() + START_S
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"{what} did not start within {START_S} s")


def start_chroma(port: int, path: Path) -> subprocess.Popen:
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, proc, "chroma run")
    return proc


def stop(proc: subprocess.Popen):
    proc.terminate()
    proc.wait(timeout=30)


# the Chroma server goes away and comes back ------------------------------------------------------
def asked_at_every_door(url: str) -> dict:
    """What the /v1 door, the /ask API and the web chat each gave for QUESTION."""
    from gradio_client import Client

    v1 = httpx.post(url + "v1/chat/completions", timeout=60,
                    json={"model": "iitkb", "messages": [{"role": "user", "content": QUESTION}]})
    api = Client(url, verbose=False).predict(QUESTION, api_name="/ask")
    chat = call_event(login(url, None), "respond", [QUESTION, [], "any", "any", [], "", "English"])
    content = chat["output"]["data"][0][-1]["content"]
    text = " ".join(part.get("text", "") for part in content) if isinstance(content, list) else content
    return {"v1": v1, "api": api, "chat": text}


@pytest.mark.slow
def test_chroma_stopped_and_restarted_while_serving(tmp_path, e5):
    from ingest.pipeline import Ingestor
    from retrieval.answer import Answerer
    from retrieval.search import Searcher
    from ui.web import make_server

    port = free_port()
    chroma = start_chroma(port, tmp_path / "server")
    settings = Settings(data_dir=tmp_path / "data", chroma_url=f"http://127.0.0.1:{port}",
                        glossary_path=PROJECT_ROOT / "corpus" / "glossary.tsv")
    write(tmp_path / "docs" / "cold.md", front("cold-en", "en", "Cold Chain Rules", BODY))
    assert Ingestor(settings, embedder=e5).run([tmp_path / "docs"]).added == 1
    app = RunningApp(make_server(settings, Answerer(settings, searcher=Searcher(settings, embedder=e5))), free_port())
    try:
        before = asked_at_every_door(app.url)
        assert before["v1"].status_code == 200 and before["v1"].json()["citations"][0]["doc_id"] == "cold-en"
        stop(chroma)
        down = asked_at_every_door(app.url)
        assert down["v1"].status_code == 503 and down["v1"].json()["error"]["message"] == STORE_DOWN
        assert down["api"]["error"] == STORE_DOWN and down["api"]["citations"] == []
        assert "文档库暂时无法响应" in down["chat"] and app.thread.is_alive()
        chroma = start_chroma(port, tmp_path / "server")
        after = asked_at_every_door(app.url)
        assert after["v1"].status_code == 200 and after["api"]["citations"][0]["doc_id"] == "cold-en"
        assert after["api"]["answer"] == before["api"]["answer"] and "minus 80" in after["chat"]
    finally:
        app.stop()
        stop(chroma)


# kill -9 during an upload ----------------------------------------------------------------------
def serve(settings: Settings, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([IITKB, "serve", "--port", str(port)], env=cli_env(settings),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_for_port(port, proc, "iitkb serve")
    return proc


def cli(settings: Settings, *args) -> subprocess.CompletedProcess:
    return subprocess.run([IITKB, *args], capture_output=True, text=True, env=cli_env(settings), timeout=300)


def big_upload(path: Path, articles: int) -> Path:
    body = "".join(f"## Article {n}\nRule {n}: the site keeps the freezer log number {n} for {n} years and "
                   f"checks it every {n % 7 + 1} days before release.\n" for n in range(1, articles + 1))
    return write(path, front("freezer-en", "en", "Freezer Logs", body))


@pytest.mark.slow
def test_kill_9_of_serve_during_an_upload_loses_nothing_indexed(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", glossary_path=PROJECT_ROOT / "corpus" / "glossary.tsv")
    for n in range(3):
        write(tmp_path / "docs" / f"d{n}.md", front(f"d{n}-en", "en", f"Rules {n}", BODY.replace("80", f"{70 + n}")))
    assert cli(settings, "ingest", str(tmp_path / "docs")).returncode == 0
    before = json.loads(cli(settings, "stats", "--json").stdout)
    subprocess.run([IITKB, "users", "add", "ada", "--role", "admin", "--password-stdin"], input="admin-pass-333\n",
                   text=True, env=cli_env(settings), check=True, capture_output=True)
    port = free_port()
    proc = serve(settings, port)
    url = f"http://127.0.0.1:{port}/"
    admin = login(url, "ada", "admin-pass-333")
    sent = upload(admin, big_upload(tmp_path / "freezer.md", 400))       # a few seconds of embedding
    worker = threading.Thread(target=lambda: _ignore_errors(call_event, admin, "ingest", [[sent], "public"]),
                              daemon=True)
    worker.start()
    _wait_for_ingest_to_start(settings)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    checked = cli(settings, "check", "--json")
    report = json.loads(checked.stdout)
    if checked.returncode != 0:                     # what a crash left half-done, `--repair` finishes
        assert cli(settings, "check", "--repair").returncode == 0, report
    after = json.loads(cli(settings, "stats", "--json").stdout)
    assert after["documents"] >= before["documents"]
    ids = {d for d in _doc_ids(settings)}
    assert {"d0-en", "d1-en", "d2-en"} <= ids
    proc = serve(settings, port)                     # restart: it serves, and the upload can be made again
    try:
        admin = login(url, "ada", "admin-pass-333")
        done = call_event(admin, "ingest", [[upload(admin, tmp_path / "freezer.md")], "public"])
        assert done["success"], done
        assert cli(settings, "check").returncode == 0
        assert {"d0-en", "d1-en", "d2-en", "freezer-en"} <= set(_doc_ids(settings))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _ignore_errors(function, *args):
    try:
        function(*args)
    except Exception:           # the server is killed under it: the connection breaks, as intended
        pass


def _wait_for_ingest_to_start(settings: Settings):
    """Until the upload is saved and its document is recorded as pending in the catalog."""
    import sqlite3

    deadline = time.time() + START_S
    while time.time() < deadline:
        try:
            with sqlite3.connect(settings.data_dir / "catalog.sqlite", timeout=5) as db:
                if db.execute("SELECT COUNT(*) FROM docs WHERE state = 'pending'").fetchone()[0]:
                    return
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    pytest.fail("the upload never started ingesting")


def _doc_ids(settings: Settings) -> list[str]:
    from index.catalog import Catalog

    return [r.doc_id for r in Catalog(settings.data_dir).documents()]
