"""A small bilingual index with users of every role, served on 127.0.0.1 for the web tests.

The app runs in this process under uvicorn (a thread), over the retrieval tests' corpus: a rule
in zh and en, a superseded draft, an English guidance, and an internal SOP in both languages.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from iitkb.settings import Settings
from tests.conftest import write
from tests.retrieval.conftest import GLOSSARY, build_corpus

PASSWORDS = {"sam": "sponsor-pass-1", "stella": "staff-pass-22", "ada": "admin-pass-333"}
ROLES = {"sam": "sponsor", "stella": "staff", "ada": "admin"}
INTERNAL_TITLES = ("SOP Safety Desk SAE Intake", "安全组 SAE 接收 SOP")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningApp:
    """uvicorn in a thread: started when built, stopped by ``stop``."""

    def __init__(self, app, port: int):
        import uvicorn

        self.app = app
        self.url = f"http://127.0.0.1:{port}/"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web app did not start within 30 s")
            time.sleep(0.05)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="package")
def kb_settings(tmp_path_factory, e5) -> Settings:
    from ingest.pipeline import Ingestor
    from ui.users import UserStore

    root = tmp_path_factory.mktemp("webkb")
    settings = Settings(data_dir=root / "data", glossary_path=write(root / "glossary.tsv", GLOSSARY))
    ingestor = Ingestor(settings, embedder=e5)
    report = ingestor.run([build_corpus(root / "corpus")])
    ingestor.close()
    assert report.added == 6 and not report.skipped
    users = UserStore(settings.users_path)
    for name, role in ROLES.items():
        users.add(name, role, PASSWORDS[name])
    return settings


@pytest.fixture(scope="package")
def answerer(kb_settings, e5):
    from retrieval.answer import Answerer
    from retrieval.search import Searcher

    return Answerer(kb_settings, searcher=Searcher(kb_settings, embedder=e5))


@pytest.fixture(scope="package")
def web(kb_settings, answerer):
    """The app with login: one server for the whole package."""
    from ui.web import make_server

    running = RunningApp(make_server(kb_settings, answerer), free_port())
    yield running
    running.stop()


def client(url: str, name: str | None):
    from gradio_client import Client

    return Client(url, auth=(name, PASSWORDS[name]) if name else None, verbose=False)


def pytest_collection_modifyitems(items):
    """Gradio's queue calls pandas in ways pandas now warns about; that is Gradio's to fix."""
    for item in items:
        if "tests/ui/" in str(item.fspath):
            item.add_marker(pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"))


def login(url: str, name: str | None, password: str | None = None) -> httpx.Client:
    """An HTTP client holding ``name``'s session cookie (anonymous without a name)."""
    http = httpx.Client(base_url=url, timeout=60)
    if name:
        reply = http.post("/login", data={"username": name, "password": password or PASSWORDS[name]})
        assert reply.status_code == 200, reply.text
    return http


def call_event(http: httpx.Client, api_name: str, data: list) -> dict:
    """Post a UI event by hand, the way a script could without the page: the final message."""
    config = http.get("/config").json()
    fn_index = next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)
    session_hash = uuid.uuid4().hex[:12]
    joined = http.post("/gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "event_data": None,
                                                        "session_hash": session_hash, "trigger_id": None})
    assert joined.status_code == 200, joined.text
    with http.stream("GET", f"/gradio_api/queue/data?session_hash={session_hash}") as stream:
        for line in stream.iter_lines():
            if line.startswith("data:") and json.loads(line[5:]).get("msg") == "process_completed":
                return json.loads(line[5:])
    raise AssertionError("the event never completed")


def upload(http: httpx.Client, path: Path) -> dict:
    """Send a file through Gradio's upload route, as the page does: the FileData an event takes."""
    with path.open("rb") as fh:
        reply = http.post("/gradio_api/upload", files=[("files", (path.name, fh))])
    assert reply.status_code == 200, reply.text
    return {"path": reply.json()[0], "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}
