"""The web app over real HTTP on 127.0.0.1: login, the /ask API by role, the source-file route,
handlers that re-check the role when called by hand, uploads, questionnaires, and serve's guard."""

import json
import shutil
import uuid
from pathlib import Path

import gradio as gr
import httpx
import pytest
from gradio_client.exceptions import AuthenticationError

from tests.conftest import front, write
from tests.ui.conftest import INTERNAL_TITLES, RunningApp, call_event, client, free_port, login
from ingest.uploads import safe_upload_name
from ui.web import ServeError, make_server, serve
from ui.web.chat import chat_handlers, doc_type_choices
from ui.web.context import Context
from ui.web.documents import document_handlers
from ui.web.questionnaire import questionnaire_handler
from ui.web.server import is_loopback

SOP_QUESTIONS = ("How does the safety desk log an SAE on form F-SAE-01?", "FALCON-7 SAE 接收流程是什么？")
INTERNAL_MARKS = ("F-SAE-01", "FALCON", "SOP", "sop-sae", *INTERNAL_TITLES)


def leaks(data, question: str = "") -> list[str]:
    """Internal marks found in ``data`` outside the question the user typed."""
    text = json.dumps(data, ensure_ascii=False)
    for q in (question, json.dumps(question, ensure_ascii=False)[1:-1]):
        text = text.replace(q, "") if q else text
    return [mark for mark in INTERNAL_MARKS if mark in text]


def session(web, name: str | None) -> httpx.Client:
    return login(web.url, name)


# login -------------------------------------------------------------------------------------
def test_login_is_required(web):
    with pytest.raises(AuthenticationError):
        client(web.url, None)
    with pytest.raises(ValueError, match="Could not login"):
        from gradio_client import Client

        Client(web.url, auth=("sam", "not-the-password"), verbose=False)
    anonymous = session(web, None)
    assert anonymous.get("/config").status_code == 401
    assert anonymous.post("/gradio_api/call/ask", json={"data": ["What reviews?"]}).status_code == 401
    assert anonymous.get("/source/rule-en").status_code == 401


def test_only_ask_is_in_the_api(web):
    api = client(web.url, "sam").view_api(print_info=False, return_format="dict")
    assert list(api["named_endpoints"]) == ["/ask"] and not api["unnamed_endpoints"]


# answers by role ---------------------------------------------------------------------------
@pytest.mark.parametrize("question", SOP_QUESTIONS)
def test_ask_takes_the_role_from_the_login(web, question):
    sponsor = client(web.url, "sam").predict(question, api_name="/ask")
    assert sponsor["role"] == "sponsor" and leaks(sponsor, question) == []
    assert all(c["access"] == "public" for c in sponsor["citations"])
    staff = client(web.url, "stella").predict(question, api_name="/ask")
    assert staff["role"] == "staff" and not staff["abstained"]
    assert any(c["doc_id"].startswith("sop-sae") and c["access"] == "internal" for c in staff["citations"])


def test_ask_returns_the_design_object_in_the_question_language(web):
    sam = client(web.url, "sam")
    english = sam.predict("What reviews must a study pass before institutional approval?", api_name="/ask")
    assert set(english) >= {"id", "question", "role", "language", "answer", "abstained", "citations",
                            "latency_ms"}
    assert english["language"] == "en" and english["citations"][0]["section"] == "Article 10"
    first = english["citations"][0]
    assert {"n", "source_id", "doc_id", "title", "status", "issuer", "doc_number", "page", "path", "quote"} <= set(first)
    # the server path gives way to a link through the role-checked route (gradio_client would
    # otherwise try to download any {"path": ...} dict)
    assert first["path"] is None and first["url"] == "source/rule-en"
    assert session(web, "sam").get(first["url"]).status_code == 200
    chinese = sam.predict("临床研究立项前需要通过哪些审查？", api_name="/ask")
    assert chinese["language"] == "zh" and chinese["citations"][0]["lang"] == "zh"


# the source-file route ---------------------------------------------------------------------
def test_sponsor_cannot_fetch_an_internal_file(web, kb_settings):
    sam = session(web, "sam")
    hidden, missing = sam.get("/source/sop-sae-en"), sam.get("/source/no-such-doc")
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()
    assert sam.get("/source/sop-sae-zh").status_code == 404
    public = sam.get("/source/rule-en")
    assert public.status_code == 200 and "Article 10" in public.text
    assert public.headers["content-type"].startswith("text/html")          # the rendered page
    assert public.headers["x-content-type-options"] == "nosniff"
    staff = session(web, "stella").get("/source/sop-sae-en")
    assert staff.status_code == 200 and "F-SAE-01" in staff.text
    # nor through Gradio's own file route, by path
    internal_path = next(kb_settings.data_dir.parent.glob("corpus/sop.en.md"))
    for url in (f"/gradio_api/file={internal_path}", f"/gradio_api/file={kb_settings.users_path}"):
        assert sam.get(url).status_code in (403, 404)


# handlers re-check the role ----------------------------------------------------------------
@pytest.mark.parametrize("question", SOP_QUESTIONS)
def test_chat_event_posted_by_hand_keeps_the_sponsor_role(web, question):
    done = call_event(session(web, "sam"), "respond", [question, [], "any", "any", [], "", "English"])
    assert done["success"] and leaks(done["output"]["data"], question) == []


def test_admin_events_posted_by_hand_are_refused_for_others(web):
    for name in ("sam", "stella"):
        http = session(web, name)
        for api_name, data in (("remove", [None, "English"]), ("ingest", [None, "public"])):
            done = call_event(http, api_name, data)
            assert not done["success"] and "Only an admin" in done["output"]["error"]


def test_admin_handlers_refuse_non_admins_in_process(kb_settings, answerer):
    ingest, remove = document_handlers(Context(kb_settings, answerer))
    for name in ("sam", "stella"):
        with pytest.raises(gr.Error, match="Only an admin"):
            remove("rule-en", "English", gr.Request(username=name))
        with pytest.raises(gr.Error, match="Only an admin"):
            ingest(["whatever.md"], "public", gr.Request(username=name))
    assert answerer.searcher.index.document("rule-en") is not None


def test_a_server_path_is_never_read_as_an_upload(kb_settings, answerer, tmp_path):
    run = questionnaire_handler(Context(kb_settings, answerer))
    planted = write(tmp_path / "questions.txt", "What reviews must a study pass?\n")
    with pytest.raises(gr.Error, match="upload the file"):
        run(str(planted), "", "English", gr.Request(username="sam"))


# uploads -------------------------------------------------------------------------------------
@pytest.mark.parametrize("original,saved", [
    ("../../etc/cron.d/evil.md", "evil.md"),
    ("..\\..\\windows\\Rules v2 (final).PDF", "rules-v2-final.pdf"),
    (".hidden.txt", "hidden.txt"),
    ("细胞治疗管理办法.docx", None),
])
def test_upload_names_become_slugs(original, saved):
    name = safe_upload_name(original)
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    if saved:
        assert name == saved
    else:
        assert name.startswith("document-") and name.endswith(".docx")


@pytest.mark.parametrize("original", ["payload.exe", "archive.tar.gz", "noext", "evil.md.sh"])
def test_upload_types_outside_the_allow_list_are_refused(original):
    with pytest.raises(ValueError, match="supported are"):
        safe_upload_name(original)


def in_upload_folder(path: Path) -> str:
    """Place a file where Gradio keeps uploads, as the browser's upload would."""
    from gradio.utils import get_upload_folder

    target = Path(get_upload_folder()) / uuid.uuid4().hex / path.name
    target.parent.mkdir(parents=True)
    shutil.copyfile(path, target)
    return str(target)


def test_admin_ingest_saves_slugs_checks_size_and_type_then_removes(kb_settings, answerer, tmp_path):
    small = kb_settings.with_(max_file_mb=0.002)
    ingest, remove = document_handlers(Context(small, answerer))
    body = "## 1. Scope\nCell therapy storage rooms keep a temperature log checked twice a day.\n"
    files = [in_upload_folder(write(tmp_path / "Storage Rules (v2).md", body)),
             in_upload_folder(write(tmp_path / "big.txt", "x" * 3000)),
             in_upload_folder(write(tmp_path / "tool.exe", "MZ")),
             in_upload_folder(write(tmp_path / "rule.md", front("rule-en", "en", "Clash", "## 1. Clash\nSame doc_id.\n")))]
    admin = gr.Request(username="ada")
    report, _warnings, rows, _ = ingest(files, "public", admin)
    assert report["added"] == 1 and report["saved_as"] == ["uploads/storage-rules-v2.md", "uploads/rule.md"]
    reasons = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert "over the 0.002 MB limit" in reasons["big.txt"] and "unsupported file type .exe" in reasons["tool.exe"]
    assert "duplicate doc_id 'rule-en'" in reasons["rule.md"]
    assert not (kb_settings.data_dir / "uploads" / "rule.md").exists()         # a skipped upload is not kept
    doc_id = "storage-rules-v2"
    assert doc_id in [row[0] for row in rows]
    record = answerer.searcher.index.document(doc_id)
    assert record.meta["access"] == "public" and Path(record.path).name == "storage-rules-v2.md"
    answer = answerer.ask("How often is the storage room temperature log checked?", role="sponsor")
    assert any(c.chunk.meta["doc_id"] == doc_id for c in answer.citations)
    note, rows, _ = remove(doc_id, "English", admin)
    assert doc_id in note and doc_id not in [row[0] for row in rows]
    assert not (kb_settings.data_dir / "uploads" / "storage-rules-v2.md").exists()


# questionnaires ------------------------------------------------------------------------------
def test_questionnaire_ignores_roles_written_in_the_file(kb_settings, answerer, tmp_path):
    run = questionnaire_handler(Context(kb_settings, answerer))
    csv = write(tmp_path / "feasibility.csv", "id,question,role\n"
                f"q1,{SOP_QUESTIONS[0]},staff\nq2,What reviews must a study pass before approval?,admin\n")
    rows, docx, markdown = run(in_upload_folder(csv), "", "English", gr.Request(username="sam"))
    assert len(rows) == 2 and leaks(rows, SOP_QUESTIONS[0]) == []
    assert "[1]" in rows[1][2] and "Measures on Investigator-Initiated Clinical Research" in rows[1][3]
    text = downloaded(markdown).read_text(encoding="utf-8")
    assert leaks(text.replace(SOP_QUESTIONS[0], "")) == [] and "Article 10" in text
    words = docx_text(downloaded(docx))
    assert leaks(words.replace(SOP_QUESTIONS[0], "")) == [] and "Article 10" in words


def docx_text(path: Path) -> str:
    """All text in a DOCX, footnotes included (the citations may be Word footnotes)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as package:
        xml = " ".join(package.read(n).decode("utf-8") for n in package.namelist() if n.startswith("word/")
                       and n.endswith(".xml"))
    return re.sub(r"<[^>]+>", "", xml)


def downloaded(button) -> Path:
    value = button.value
    return Path(value["path"] if isinstance(value, dict) else value)


def test_pasted_questions_use_the_login_role(kb_settings, answerer):
    run = questionnaire_handler(Context(kb_settings, answerer))
    pasted = f"{SOP_QUESTIONS[0]}\n\n{SOP_QUESTIONS[1]}\n"
    rows, _, _ = run(None, pasted, "English", gr.Request(username="stella"), internal=True)
    assert len(rows) == 2 and all("SOP Safety Desk SAE Intake" in r[3] or "安全组" in r[3] for r in rows)
    # without the tick, a staff draft cites public documents only
    rows, _, _ = run(None, pasted, "English", gr.Request(username="stella"))
    assert leaks([r[2:] for r in rows]) == []
    with pytest.raises(gr.Error, match="staff and admin"):
        run(None, pasted, "English", gr.Request(username="sam"), internal=True)


def test_reviewed_questions_skip_unticked_rows_and_ask_the_edited_wording(kb_settings, answerer):
    from ui.web.questionnaire import review_handler

    ctx = Context(kb_settings, answerer)
    pasted = "What reviews must a study pass before approval?\nWhat is the capital of France?\n"
    found = review_handler(ctx)(None, pasted, "English", gr.Request(username="sam"))
    assert [row[3] for row in found] == pasted.split("\n")[:2] and all(row[0] for row in found)
    found[0][3] = "What reviews must a study pass before institutional approval?"
    found[1][0] = False
    rows, _, _ = questionnaire_handler(ctx)(None, pasted, "English", gr.Request(username="sam"), review=found)
    assert len(rows) == 1 and "institutional approval" in rows[0][1] and "[1]" in rows[0][2]


# serving -----------------------------------------------------------------------------------
def test_serve_refuses_a_public_host_without_users(tmp_path):
    from iitkb.settings import Settings

    settings = Settings(data_dir=tmp_path / "data")
    with pytest.raises(ServeError, match="iitkb users add"):
        serve(settings, host="0.0.0.0", port=free_port())
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10") and not is_loopback("example.org")


def test_without_users_a_loopback_app_is_anonymous_sponsor(kb_settings, answerer, tmp_path):
    settings = kb_settings.with_(users_file=tmp_path / "no-users.json")
    running = RunningApp(make_server(settings, answerer), free_port())
    try:
        from gradio_client import Client

        anonymous = Client(running.url, verbose=False)
        answer = anonymous.predict(SOP_QUESTIONS[0], api_name="/ask")
        assert answer["role"] == "sponsor" and leaks(answer, SOP_QUESTIONS[0]) == []
        http = httpx.Client(base_url=running.url)
        assert http.get("/source/sop-sae-en").status_code == 404
        assert http.get("/source/rule-en").status_code == 200
    finally:
        running.stop()


def test_chat_streams_partial_text_then_the_sources(kb_settings, answerer):
    import threading

    from retrieval.answer import Answerer
    from tests.retrieval.test_llm import FakeModel, make_server as model_server

    model = FakeModel()
    server = model_server(model)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = kb_settings.with_(llm_url=f"http://127.0.0.1:{server.server_address[1]}/v1", llm_model="m")
        respond, _, _ = chat_handlers(Context(settings, Answerer(settings, searcher=answerer.searcher)))
        model.reply = "Every study must pass scientific review and ethics review before institutional approval [1]."
        steps = list(respond("What reviews must a study pass before institutional approval?", [], "any", "any",
                             [], "", "English", gr.Request(username="sam")))
    finally:
        server.shutdown()
    partial = [chat[-1]["content"] for chat, _, _, _ in steps[1:-1]]
    chat, question_box, sources, last = steps[-1]
    assert last.mode == "generative" and chat[-1]["content"].startswith("Every study must pass")
    # partial texts carry the typing mark, and only what the final, checked answer keeps
    assert partial and all(text.endswith(" ▌") and chat[-1]["content"].startswith(text[:-2]) for text in partial)
    assert question_box == "" and 'class="kb-card"' in sources and "<mark>" in sources and "Article 10" in sources


def test_filter_choices_never_hint_at_internal_documents(kb_settings, answerer):
    ctx = Context(kb_settings, answerer)
    assert "sop" not in [value for _, value in doc_type_choices(ctx, "sponsor", "English")]
    assert "sop" in [value for _, value in doc_type_choices(ctx, "staff", "中文")]
