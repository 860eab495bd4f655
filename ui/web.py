"""The web app: chat with cited sources, feasibility questionnaires, and an admin Documents tab.

Thin by design: every answer comes from ``Answerer``, every document list from the catalog,
every ingest from ``Ingestor``; this module only lays out components and renders results.

Roles (DESIGN.md) are decided here from the login alone: ``request.username`` is looked up in the
users file on every call, so no request parameter can raise a role, and a removed user loses
access at once. Every handler re-checks the role itself, because Gradio events can be called
directly over HTTP whether or not a tab is shown. When no users exist the app serves anonymous
sponsors only, and only on a loopback address.

Source files are served by ``/source/{doc_id}``, which applies the same role check: a sponsor
asking for an internal document gets the same 404 as for a document that does not exist.

Example::

    serve(load_settings(), host="127.0.0.1", port=7860)
"""

from __future__ import annotations

import html
import ipaddress
import re
import shutil
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path

import gradio as gr
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse
from starlette.routing import Mount

from retrieval.answer import Answer, Answerer
from proposals.export import source_line, write_answers
from retrieval.filters import VISIBLE, FilterError, Filters
from proposals.intake import QuestionnaireError, read_questionnaire
from proposals.batch import answer_items
from iitkb.schema import STATUSES
from iitkb.settings import PROJECT_ROOT, Settings
from iitkb.text import split_sentences
from ui.users import UserError, UserStore

UPLOAD_TYPES = (".md", ".pdf", ".docx", ".html", ".htm", ".txt")
QUESTIONNAIRE_TYPES = (".csv", ".xlsx", ".docx", ".txt", ".jsonl")
MAX_QUESTIONS = 200
ANSWER_CONCURRENCY = 4          # answers running at once; the rest wait in Gradio's queue
LOOPBACK_NAMES = ("localhost",)
SETUP_HINT = "add a user first: `iitkb users add NAME --role staff --password-stdin`"

EXAMPLES = [
    "Can I run a CAR-T IIT without an IND?",
    "境外申办方把样本运出境需要人类遗传资源审批吗？",
    "What must be reported after a serious adverse event in an IIT?",
    "研究者发起的临床研究立项前需要通过哪些审查？",
]

# Interface text, English then Chinese. The answer's language follows the question, not this.
TEXT = {
    "title": ("iitkb: regulatory assistant for cell and gene therapy IITs in China",
              "iitkb：中国细胞和基因治疗研究者发起的临床研究（IIT）法规助手"),
    "intro": ("Ask in English or Chinese. Every sentence of an answer cites the clause it comes from; "
              "check the sources panel before relying on it.",
              "可用中文或英文提问。答案的每一句都标注出处条款，使用前请在来源栏核对原文。"),
    "ui_lang": ("Interface language", "界面语言"),
    "tab_chat": ("Ask", "问答"),
    "tab_questionnaire": ("Feasibility questionnaire", "可行性问卷"),
    "tab_documents": ("Documents", "文档管理"),
    "chat": ("Answers with citations", "带引用的回答"),
    "placeholder": ("Pick an example or type a question below.", "选择一个示例问题，或在下方输入您的问题。"),
    "question": ("Your question", "您的问题"),
    "question_hint": ("e.g. Can I run a CAR-T IIT without an IND?",
                      "例如：境外申办方把样本运出境需要人类遗传资源审批吗？"),
    "ask": ("Ask", "提问"),
    "empty": ("Type a question first.", "请先输入问题。"),
    "clear": ("New conversation", "新对话"),
    "filters": ("Filters", "筛选"),
    "f_lang": ("Document language", "文件语言"),
    "any": ("Any", "不限"),
    "f_type": ("Document type", "文件类型"),
    "f_status": ("Status", "效力状态"),
    "f_status_info": ("Leave empty for all: drafts and superseded rules then rank lower.",
                      "不选则包括全部：草案和已被取代的规定排序靠后。"),
    "f_as_of": ("As of (YYYY-MM-DD)", "截至日期（YYYY-MM-DD）"),
    "f_as_of_info": ("Only rules in force on that date.", "仅包括该日期有效的规定。"),
    "sources": ("Sources", "来源"),
    "sources_empty": ("The sources of an answer appear here: the document, its clause and status, and "
                      "the quoted sentence highlighted in the clause.",
                      "答案的来源显示在这里：文件、条款、效力状态，并在条款原文中高亮所引用的句子。"),
    "no_sources": ("No sources: the knowledge base does not cover this question.",
                   "没有来源：知识库未涵盖这个问题。"),
    "open": ("open the source", "打开原文"),
    "page": ("page", "第"),
    "searching": ("Searching the knowledge base…", "正在检索知识库……"),
    "q_intro": ("Upload a questionnaire (CSV, XLSX, DOCX, TXT or JSONL: one question per row or "
                "paragraph) or paste questions, one per line. The answers are drafts: review them "
                "against the cited sources before sending them to a sponsor.",
                "上传问卷（CSV、XLSX、DOCX、TXT 或 JSONL：每行或每段一个问题），或粘贴问题（每行一个）。"
                "答案均为草稿，发送给申办方前请对照所引来源审核。"),
    "q_file": ("Questionnaire file", "问卷文件"),
    "q_text": ("…or paste questions, one per line", "……或粘贴问题，每行一个"),
    "q_run": ("Draft answers", "起草答案"),
    "q_table": ("Draft answers", "答案草稿"),
    "dl_docx": ("Download DOCX", "下载 DOCX"),
    "dl_md": ("Download Markdown", "下载 Markdown"),
    "d_intro": ("Add documents to the index: {types}, up to {mb:g} MB each. Front matter or a "
                ".meta.yaml sidecar supplies the metadata; a document that declares itself internal "
                "stays internal whatever is chosen here.",
                "向索引添加文件：{types}，每个不超过 {mb:g} MB。元数据来自文件头（front matter）或 "
                ".meta.yaml 附属文件；文件自身声明为内部的，无论此处如何选择都保持内部。"),
    "d_files": ("Files to ingest", "要导入的文件"),
    "d_access": ("Access", "访问权限"),
    "public": ("public: sponsors can see it", "公开：申办方可见"),
    "internal": ("internal: staff only", "内部：仅员工可见"),
    "d_run": ("Ingest", "导入"),
    "d_report": ("Run report", "运行报告"),
    "d_table": ("Indexed documents", "已索引的文件"),
    "d_pick": ("Document to remove", "要移除的文件"),
    "d_remove": ("Remove from index", "从索引中移除"),
    "removed": ("Removed {doc_id} from the index.", "已从索引中移除 {doc_id}。"),
    "signed_in": ("Signed in as **{name}** ({role}) · [log out](logout)",
                  "已登录：**{name}**（{role}）· [退出登录](logout)"),
    "anonymous": ("Anonymous use: public documents only.", "匿名使用：仅可查看公开文件。"),
}
ROLE_NAMES = {"sponsor": ("sponsor", "申办方"), "staff": ("staff", "员工"), "admin": ("admin", "管理员")}
STATUS_NAMES = {"in_force": ("in force", "现行有效"), "trial": ("trial", "试行"),
                "draft": ("draft", "征求意见稿"), "superseded": ("superseded", "已被取代"),
                "not_yet_in_force": ("not yet in force", "尚未施行")}
UI_LANGS = ("English", "中文")
# Table headers stay put when the interface language changes (Gradio keeps a table's headers with
# its rows), so they carry both languages, or the catalog's field names.
QUESTIONNAIRE_HEADERS = ["#", "Question 问题", "Answer 答案", "Sources 来源"]
DOCUMENT_HEADERS = ["doc_id", "title", "lang", "doc_type", "status", "access", "chunks", "path"]

CSS = """
.kb-sources {display: flex; flex-direction: column; gap: 10px; max-height: 680px; overflow-y: auto;}
.kb-empty {color: var(--body-text-color-subdued); font-size: 0.92em; padding: 8px 2px;}
.kb-card {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
          background: var(--background-fill-secondary);}
.kb-head {font-weight: 600; line-height: 1.4;}
.kb-n {color: var(--color-accent); margin-right: 4px;}
.kb-meta {font-size: 0.84em; color: var(--body-text-color-subdued); margin: 3px 0 6px;}
.kb-badge {display: inline-block; font-size: 0.74em; padding: 1px 8px; border-radius: 10px;
           margin-left: 6px; font-weight: 600; vertical-align: middle;}
.kb-in_force {background: #dcfce7; color: #166534;} .kb-trial {background: #dbeafe; color: #1e40af;}
.kb-draft {background: #fef9c3; color: #854d0e;} .kb-superseded {background: #fee2e2; color: #991b1b;}
.kb-not_yet_in_force {background: #ede9fe; color: #5b21b6;}
.kb-text {font-size: 0.88em; white-space: pre-wrap; max-height: 200px; overflow-y: auto; margin: 0;
          border-left: 3px solid var(--border-color-accent); padding-left: 8px;}
.kb-text mark {background: #fde68a; color: #1f2937; padding: 0 1px;}
.kb-open {font-size: 0.84em; margin-top: 6px;}
"""


class ServeError(RuntimeError):
    """The app cannot be served as asked; the message says how to fix it."""


def t(key: str, ui: str):
    """Interface text in the chosen interface language."""
    return TEXT[key][1 if ui == "中文" else 0]


# roles -------------------------------------------------------------------------------------
class Context:
    """What every handler shares: one Answerer (and its Searcher) per app, the users, a lock
    that keeps ingest runs one at a time, and a scratch folder for downloads."""

    def __init__(self, settings: Settings, answerer: Answerer | None):
        self.settings = settings
        self.answerer = answerer or Answerer(settings)
        self.users = UserStore(settings.users_path)
        self.auth_required = len(self.users) > 0
        self.ingest_lock = threading.Lock()
        self._ingestor = None
        self.scratch = Path(tempfile.mkdtemp(prefix="iitkb-web-"))
        weakref.finalize(self, shutil.rmtree, self.scratch, True)

    @property
    def searcher(self):
        return self.answerer.searcher

    def role_for(self, username: str | None) -> str | None:
        """The role of a logged-in name; anonymous sponsor only when the app has no users."""
        if username:
            return self.users.role(username)
        return None if self.auth_required else "sponsor"

    def role(self, request: gr.Request | None) -> str:
        role = self.role_for(getattr(request, "username", None))
        if role is None:
            raise gr.Error("Please log in again: this account is unknown or has been removed.")
        return role

    def require_admin(self, request: gr.Request | None) -> None:
        if self.role(request) != "admin":
            raise gr.Error("Only an admin may change the documents in the index.")

    def visible_documents(self, role: str) -> list[dict]:
        return [d for d in self.searcher.documents() if d.get("access") in VISIBLE[role]]

    def ingestor(self):
        """One Ingestor, built on first use and reusing the Searcher's embedder (call under the lock)."""
        if self._ingestor is None:
            from ingest.pipeline import Ingestor

            self._ingestor = Ingestor(self.settings, embedder=self.searcher.embedder)
        return self._ingestor

    def fresh_dir(self) -> Path:
        """A new folder for one download, dropping those older than an hour."""
        for old in self.scratch.iterdir():
            if old.stat().st_mtime < time.time() - 3600:
                shutil.rmtree(old, ignore_errors=True)
        return Path(tempfile.mkdtemp(dir=self.scratch))


# rendering ---------------------------------------------------------------------------------
_MD_INLINE = re.compile(r"([\\`*_<>|$~])")
_MD_LINE_START = re.compile(r"(?m)^(\s*)([#+=-]|\d+[.)])")


def md_escape(text: str) -> str:
    """Document text shown as literal text in the chat's Markdown, never as markup.

    Only what Markdown would act on is escaped (so a copied answer keeps its [n] markers
    clean): inline markup characters, a link's "](", and list or heading marks at a line start."""
    text = _MD_INLINE.sub(r"\\\1", text).replace("](", "]\\(")
    return _MD_LINE_START.sub(lambda m: m.group(1) + _escape_mark(m.group(2)), text)


def _escape_mark(mark: str) -> str:
    """A backslash goes before the punctuation ("12." -> "12\\."): it escapes nothing else."""
    return mark[:-1] + "\\" + mark[-1] if mark[0].isdigit() else "\\" + mark


def highlight(text: str, quote: str) -> str:
    """The chunk text, HTML-escaped, with each quoted sentence wrapped in <mark>."""
    spans = []
    for sentence in split_sentences(quote) or [quote]:
        words = sentence.split()
        if not words:
            continue
        match = re.search(r"\s*".join(re.escape(w) for w in words), text)
        if match:
            spans.append(match.span())
    out, position = [], 0
    for start, end in sorted(spans):
        if start < position:
            continue
        out += [html.escape(text[position:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        position = end
    out.append(html.escape(text[position:]))
    return "".join(out)


def source_link(doc_id: str, page) -> str:
    """Relative, so the app also works behind a path prefix; PDFs open at the cited page."""
    from urllib.parse import quote

    return f"source/{quote(doc_id, safe='')}" + (f"#page={int(page)}" if page else "")


def sources_html(answer: Answer | None, ui: str) -> str:
    if answer is None:
        return f'<div class="kb-sources"><div class="kb-empty">{html.escape(t("sources_empty", ui))}</div></div>'
    if not answer.citations:
        return f'<div class="kb-sources"><div class="kb-empty">{html.escape(t("no_sources", ui))}</div></div>'
    return '<div class="kb-sources">' + "".join(_card(c, ui) for c in answer.citations) + "</div>"


def _card(citation, ui: str) -> str:
    meta = citation.chunk.meta
    status = meta.get("status", "")
    badge = STATUS_NAMES.get(status, (status, status))[1 if ui == "中文" else 0]
    page = meta.get("page")
    details = [meta.get("issuer"), meta.get("doc_number"), meta.get("section"),
               (f"p. {page}" if ui != "中文" else f"第 {page} 页") if page else None,
               meta.get("lang"), meta.get("doc_type")]
    return (f'<div class="kb-card" id="kb-src-{citation.n}">'
            f'<div class="kb-head"><span class="kb-n">[{citation.n}]</span>{html.escape(meta.get("title", ""))}'
            f'<span class="kb-badge kb-{html.escape(status)}">{html.escape(badge)}</span></div>'
            f'<div class="kb-meta">{" · ".join(html.escape(str(d)) for d in details if d)}</div>'
            f'<blockquote class="kb-text">{highlight(citation.chunk.text, citation.quote)}</blockquote>'
            f'<div class="kb-open"><a href="{html.escape(source_link(meta["doc_id"], page))}" '
            f'target="_blank" rel="noopener">{html.escape(t("open", ui))} ↗</a></div></div>')


def make_filters(lang: str, doc_type: str, statuses: list[str], as_of: str) -> Filters:
    try:
        return Filters(lang=None if lang in ("", "any", None) else lang,
                       doc_type=None if doc_type in ("", "any", None) else doc_type,
                       status=tuple(statuses) if statuses else None,
                       as_of=(as_of or "").strip() or None)
    except FilterError as exc:
        raise gr.Error(str(exc)) from None


# handlers ----------------------------------------------------------------------------------
def _chat_handlers(ctx: Context):
    def respond(question, history, lang, doc_type, statuses, as_of, ui, request: gr.Request):
        """Stream the answer into the chat, then show its sources beside it."""
        role = ctx.role(request)
        question = (question or "").strip()
        if not question:
            raise gr.Error(t("empty", ui))
        filters = make_filters(lang, doc_type, statuses, as_of)
        history = list(history or []) + [{"role": "user", "content": md_escape(question)},
                                         {"role": "assistant", "content": t("searching", ui)}]
        yield list(history), "", gr.skip(), gr.skip()
        try:
            for step in ctx.answerer.stream(question, role=role, filters=filters):
                if isinstance(step, str):
                    history[-1] = {"role": "assistant", "content": md_escape(step) + " ▌"}
                    yield list(history), "", gr.skip(), gr.skip()
                else:
                    history[-1] = {"role": "assistant", "content": md_escape(step.answer)}
                    yield list(history), "", sources_html(step, ui), step
        except FilterError as exc:
            raise gr.Error(str(exc)) from None

    def pick_example(selection: gr.SelectData):
        return selection.value.get("text", "") if isinstance(selection.value, dict) else ""

    def clear(ui):
        return [], sources_html(None, ui), None

    return respond, pick_example, clear


def _questionnaire_handler(ctx: Context):
    def run(upload, pasted, ui, request: gr.Request, progress=gr.Progress()):
        """Answer every question with the logged-in role; per-line roles in the file are ignored."""
        role = ctx.role(request)
        folder = ctx.fresh_dir()
        if upload:
            path = uploaded_file(upload)
            if path.suffix.lower() not in QUESTIONNAIRE_TYPES:
                raise gr.Error(f"unsupported questionnaire type {path.suffix or '(none)'}: use "
                               f"{', '.join(QUESTIONNAIRE_TYPES)}")
        elif (pasted or "").strip():
            path = folder / "pasted.txt"
            path.write_text(pasted, encoding="utf-8")
        else:
            raise gr.Error(t("q_intro", ui))
        try:
            items = read_questionnaire(path, line_roles=False)
        except (QuestionnaireError, OSError, UnicodeDecodeError) as exc:
            raise gr.Error(f"cannot read the questionnaire: {exc}") from None
        if not items:
            raise gr.Error("the questionnaire holds no questions")
        if len(items) > MAX_QUESTIONS:
            raise gr.Error(f"the questionnaire has {len(items)} questions; at most {MAX_QUESTIONS} at a "
                           "time: split it, or use `iitkb ask --batch`")
        done = [0]
        progress((0, len(items)), desc=t("q_run", ui))

        def tick():
            done[0] += 1
            progress((done[0], len(items)), desc=t("q_run", ui))

        answers = answer_items(ctx.answerer, items, role, tick, line_roles=False)
        write_answers(answers, folder / "draft-answers.docx")
        write_answers(answers, folder / "draft-answers.md")
        rows = [[number, a.get("question") or a.get("id"), a.get("error") or a["answer"],
                 "<br>".join(md_escape(f"[{c['n']}] {source_line(c)}") for c in a.get("citations", []))]
                for number, a in enumerate(answers, start=1)]
        return (rows, gr.DownloadButton(value=str(folder / "draft-answers.docx"), visible=True),
                gr.DownloadButton(value=str(folder / "draft-answers.md"), visible=True))

    return run


def uploaded_file(value) -> Path:
    """A file that came in through Gradio's upload route, never a server path a caller names.

    An event can be posted by hand with any path as a file input, so this is checked here
    rather than trusted to the form."""
    from gradio.utils import get_upload_folder

    path = Path(str(value)).resolve()
    if not path.is_relative_to(Path(get_upload_folder()).resolve()) or not path.is_file():
        raise gr.Error("upload the file through the form: only uploaded files are read")
    return path


def safe_upload_name(original: str) -> str:
    """A slug for an uploaded file's name: no folders, no dots but the allowed suffix."""
    import hashlib

    name = Path(original.replace("\\", "/")).name
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_TYPES:
        raise ValueError(f"unsupported file type {suffix or '(none)'}: allowed are {' '.join(UPLOAD_TYPES)}")
    stem = re.sub(r"[^a-z0-9]+", "-", name[: -len(suffix)].lower()).strip("-")[:80]
    return f"{stem or 'document-' + hashlib.sha1(name.encode()).hexdigest()[:8]}{suffix}"


def _document_handlers(ctx: Context):
    uploads = ctx.settings.data_dir / "uploads"

    def ingest(files, access, request: gr.Request, progress=gr.Progress()):
        """Save the uploads under data_dir/uploads with slug names, then ingest them."""
        ctx.require_admin(request)
        if access not in ("public", "internal"):
            raise gr.Error("choose public or internal access")
        if not files:
            raise gr.Error("choose one or more files to ingest")
        saved, rejected = [], []
        limit = ctx.settings.max_file_mb
        for file in files:
            source = uploaded_file(file)
            try:
                name = safe_upload_name(source.name)
                size_mb = source.stat().st_size / 1e6
                if size_mb > limit:
                    raise ValueError(f"file is {size_mb:.1f} MB, over the {limit:g} MB limit")
                if uploads / name in saved:
                    raise ValueError(f"another file in this upload is also saved as {name}; rename one")
            except ValueError as exc:
                rejected.append({"path": source.name, "reason": str(exc)})
                continue
            uploads.mkdir(parents=True, exist_ok=True)
            target = uploads / name
            shutil.copyfile(source, target)
            saved.append(target)
        with ctx.ingest_lock:
            ingestor = ctx.ingestor()
            ingestor.progress = lambda done, total, path: progress((done, total), desc=Path(path).name)
            report = ingestor.run(saved, access=access).to_json() if saved else {}
            _drop_unindexed(ingestor, saved)
        report = {**{"added": 0, "updated": 0, "unchanged": 0, "removed": 0, "chunks_embedded": 0},
                  **report, "skipped": rejected + report.get("skipped", [])}
        report["saved_as"] = [str(p.relative_to(ctx.settings.data_dir)) for p in saved]
        return (report, *document_views(ctx, "admin"))

    def remove(doc_id, ui, request: gr.Request):
        """Take the document out of the index; an uploaded file goes too, so it does not return."""
        ctx.require_admin(request)
        if not doc_id:
            raise gr.Error("choose a document to remove")
        with ctx.ingest_lock:
            ingestor = ctx.ingestor()
            record = ingestor.index.document(doc_id)
            if record is None or not ingestor.remove_document(doc_id):
                raise gr.Error(f"no indexed document {doc_id!r}")
            ingestor.index.refresh_lexical()
        stored = Path(record.path) if Path(record.path).is_absolute() else PROJECT_ROOT / record.path
        if stored.resolve().parent == uploads.resolve():
            stored.unlink(missing_ok=True)
        return (t("removed", ui).format(doc_id=doc_id), *document_views(ctx, "admin"))

    return ingest, remove


def _drop_unindexed(ingestor, saved: list[Path]) -> None:
    """A saved upload the run skipped (unreadable, a duplicate doc_id) is deleted, not left behind."""
    from iitkb.paths import stored_path as display_path

    indexed = {record.path for record in ingestor.index.documents(state=None)}
    for path in saved:
        if display_path(path) not in indexed:
            path.unlink(missing_ok=True)


def doc_type_choices(ctx: Context, role: str, ui: str) -> list[tuple[str, str]]:
    """Types of the documents this role can see: a sponsor's list never hints at internal ones."""
    types = sorted({d.get("doc_type", "") for d in ctx.visible_documents(role)} - {""})
    return [(t("any", ui), "any")] + [(x, x) for x in types]


def document_views(ctx: Context, role: str):
    """The admin's document table and remove choices; empty for everyone else."""
    if role != "admin":
        return [], gr.Dropdown(choices=[], value=None)
    records = sorted(ctx.searcher.index.documents(), key=lambda r: r.doc_id)
    rows = [[r.doc_id, r.meta.get("title", ""), r.meta.get("lang", ""), r.meta.get("doc_type", ""),
             r.meta.get("status", ""), r.meta.get("access", ""), r.chunks, r.path] for r in records]
    choices = [(f"{r.doc_id} · {r.meta.get('title', '')}", r.doc_id) for r in records]
    return rows, gr.Dropdown(choices=choices, value=None)


# layout ------------------------------------------------------------------------------------
def build_app(settings: Settings, answerer: Answerer | None = None) -> gr.Blocks:
    """The Blocks app; ``make_server`` adds login and the source-file route around it."""
    ctx = Context(settings, answerer)
    with gr.Blocks(title="iitkb", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        with gr.Row(equal_height=True):
            header = gr.Markdown(f"### {t('title', 'English')}\n{t('intro', 'English')}")
            ui = gr.Radio(list(UI_LANGS), value=UI_LANGS[0], label=t("ui_lang", "English"), scale=0,
                          min_width=220, elem_id="ui-lang")
        who = gr.Markdown("", elem_id="who")
        last = gr.State(None)           # the latest Answer, to re-render its sources in another language
        with gr.Tabs():
            with gr.Tab(t("tab_chat", "English"), id="chat") as chat_tab:
                chat = _chat_tab(ctx, ui, last)
            with gr.Tab(t("tab_questionnaire", "English"), id="questionnaire") as q_tab:
                questionnaire = _questionnaire_tab(ctx, ui)
            with gr.Tab(t("tab_documents", "English"), id="documents", visible=False) as docs_tab:
                documents = _documents_tab(ctx, ui)
        gr.api(_api_ask(ctx), api_name="ask", concurrency_limit=ANSWER_CONCURRENCY,
               concurrency_id="answers")
        labelled = {"who": who, "chat_tab": chat_tab, "q_tab": q_tab, "docs_tab": docs_tab,
                    "header": header, "ui": ui, **chat, **questionnaire, **documents}

        def on_load(request: gr.Request):
            role = ctx.role(request)
            return (_who(ctx, request, role, "English"), gr.Tab(visible=role == "admin"),
                    gr.Dropdown(choices=doc_type_choices(ctx, role, "English")), *document_views(ctx, role))

        demo.load(on_load, outputs=[who, docs_tab, chat["doc_type"], documents["d_table"], documents["d_pick"]],
                  api_visibility="private")
        ui.change(_translator(ctx, labelled), inputs=[ui, last], outputs=list(labelled.values()),
                  api_visibility="private", queue=False)
    demo.queue(default_concurrency_limit=ANSWER_CONCURRENCY)
    demo.iitkb_context = ctx
    return demo


def _chat_tab(ctx: Context, ui, last) -> dict:
    respond, pick_example, clear = _chat_handlers(ctx)
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label=t("chat", "English"), height=520, elem_id="chatbot",
                                 placeholder=t("placeholder", "English"), buttons=["copy"],
                                 examples=[{"text": q} for q in EXAMPLES], feedback_options=None)
            with gr.Row():
                question = gr.Textbox(label=t("question", "English"), placeholder=t("question_hint", "English"),
                                      scale=5, lines=1, max_lines=6, elem_id="question", autofocus=True)
                ask = gr.Button(t("ask", "English"), variant="primary", scale=1, elem_id="ask")
            with gr.Accordion(t("filters", "English"), open=False) as filters:
                with gr.Row():
                    lang = gr.Dropdown([(t("any", "English"), "any"), ("中文 (zh)", "zh"), ("English (en)", "en")],
                                       value="any", label=t("f_lang", "English"))
                    doc_type = gr.Dropdown([(t("any", "English"), "any")], value="any",
                                           label=t("f_type", "English"))
                    as_of = gr.Textbox(label=t("f_as_of", "English"), info=t("f_as_of_info", "English"),
                                       placeholder="2025-01-01")
                status = gr.CheckboxGroup([(STATUS_NAMES[s][0], s) for s in STATUSES], label=t("f_status", "English"),
                                          info=t("f_status_info", "English"))
            clear_button = gr.Button(t("clear", "English"), size="sm")
        with gr.Column(scale=2):
            sources_title = gr.Markdown(f"#### {t('sources', 'English')}")
            sources = gr.HTML(sources_html(None, "English"), elem_id="sources")
    inputs = [question, chatbot, lang, doc_type, status, as_of, ui]
    outputs = [chatbot, question, sources, last]
    common = dict(api_visibility="private", concurrency_limit=ANSWER_CONCURRENCY, concurrency_id="answers")
    ask.click(respond, inputs, outputs, **common)
    question.submit(respond, inputs, outputs, **common)
    chatbot.example_select(pick_example, None, question, api_visibility="private", queue=False).then(
        respond, inputs, outputs, **common)
    clear_button.click(clear, ui, [chatbot, sources, last], api_visibility="private", queue=False)
    return {"chatbot": chatbot, "question": question, "ask": ask, "filters": filters, "lang": lang,
            "doc_type": doc_type, "as_of": as_of, "status": status, "clear": clear_button,
            "sources_title": sources_title, "sources": sources}


def _questionnaire_tab(ctx: Context, ui) -> dict:
    run = _questionnaire_handler(ctx)
    intro = gr.Markdown(t("q_intro", "English"))
    with gr.Row():
        upload = gr.File(label=t("q_file", "English"), file_types=list(QUESTIONNAIRE_TYPES),
                         elem_id="q-file")
        pasted = gr.Textbox(label=t("q_text", "English"), lines=6, elem_id="q-text")
    q_run = gr.Button(t("q_run", "English"), variant="primary", elem_id="q-run")
    table = gr.Dataframe(headers=QUESTIONNAIRE_HEADERS, label=t("q_table", "English"), wrap=True,
                         interactive=False, column_widths=["5%", "25%", "45%", "25%"], elem_id="q-table",
                         datatype=["number", "str", "str", "markdown"])
    with gr.Row():
        docx = gr.DownloadButton(t("dl_docx", "English"), visible=False)
        markdown = gr.DownloadButton(t("dl_md", "English"), visible=False)
    q_run.click(run, [upload, pasted, ui], [table, docx, markdown], api_visibility="private",
                concurrency_limit=1, concurrency_id="questionnaire")
    return {"q_intro": intro, "q_file": upload, "q_text": pasted, "q_run": q_run, "q_table": table,
            "dl_docx": docx, "dl_md": markdown}


def _documents_tab(ctx: Context, ui) -> dict:
    ingest, remove = _document_handlers(ctx)
    intro = gr.Markdown(_docs_intro(ctx, "English"))
    with gr.Row():
        files = gr.File(label=t("d_files", "English"), file_count="multiple", file_types=list(UPLOAD_TYPES),
                        elem_id="d-files")
        with gr.Column():
            access = gr.Radio([(t("internal", "English"), "internal"), (t("public", "English"), "public")],
                              value="internal", label=t("d_access", "English"), elem_id="d-access")
            run = gr.Button(t("d_run", "English"), variant="primary", elem_id="d-run")
    report = gr.JSON(label=t("d_report", "English"), elem_id="d-report")
    table = gr.Dataframe(headers=DOCUMENT_HEADERS, label=t("d_table", "English"), interactive=False,
                         wrap=True, elem_id="d-table",
                         column_widths=["15%", "29%", "6%", "9%", "10%", "8%", "7%", "16%"])
    with gr.Row():
        pick = gr.Dropdown([], label=t("d_pick", "English"), scale=3, elem_id="d-pick")
        remove_button = gr.Button(t("d_remove", "English"), variant="stop", scale=1, elem_id="d-remove")
    note = gr.Markdown("")
    run.click(ingest, [files, access], [report, table, pick], api_visibility="private",
              concurrency_limit=1, concurrency_id="documents")
    remove_button.click(remove, [pick, ui], [note, table, pick], api_visibility="private",
                        concurrency_limit=1, concurrency_id="documents")
    return {"d_intro": intro, "d_files": files, "d_access": access, "d_run": run, "d_report": report,
            "d_table": table, "d_pick": pick, "d_remove": remove_button}


def _docs_intro(ctx: Context, ui: str) -> str:
    return t("d_intro", ui).format(types=" ".join(UPLOAD_TYPES), mb=ctx.settings.max_file_mb)


def _who(ctx: Context, request: gr.Request, role: str, ui: str) -> str:
    name = getattr(request, "username", None)
    if not name:
        return t("anonymous", ui)
    return t("signed_in", ui).format(name=md_escape(name), role=ROLE_NAMES[role][1 if ui == "中文" else 0])


def _translator(ctx: Context, c: dict):
    """One handler that relabels every component in the chosen interface language."""

    def translate(ui, last, request: gr.Request):
        role = ctx.role(request)
        zh = ui == "中文"
        labels = {key: gr.update(label=t(key, ui)) for key in ("q_file", "q_text", "d_files", "d_report", "d_pick")}
        return {
            c["who"]: _who(ctx, request, role, ui), c["header"]: f"### {t('title', ui)}\n{t('intro', ui)}",
            c["chat_tab"]: gr.Tab(label=t("tab_chat", ui)),
            c["q_tab"]: gr.Tab(label=t("tab_questionnaire", ui)),
            c["docs_tab"]: gr.Tab(label=t("tab_documents", ui)),
            c["ui"]: gr.Radio(label=t("ui_lang", ui)),
            c["chatbot"]: gr.Chatbot(label=t("chat", ui), placeholder=t("placeholder", ui)),
            c["question"]: gr.Textbox(label=t("question", ui), placeholder=t("question_hint", ui)),
            c["ask"]: gr.Button(t("ask", ui)), c["clear"]: gr.Button(t("clear", ui)),
            c["filters"]: gr.Accordion(label=t("filters", ui)),
            c["lang"]: gr.Dropdown(label=t("f_lang", ui), choices=[(t("any", ui), "any"), ("中文 (zh)", "zh"),
                                                                  ("English (en)", "en")]),
            c["doc_type"]: gr.Dropdown(label=t("f_type", ui), choices=doc_type_choices(ctx, role, ui)),
            c["as_of"]: gr.Textbox(label=t("f_as_of", ui), info=t("f_as_of_info", ui)),
            c["status"]: gr.CheckboxGroup(label=t("f_status", ui), info=t("f_status_info", ui),
                                          choices=[(STATUS_NAMES[s][1 if zh else 0], s) for s in STATUSES]),
            c["sources_title"]: f"#### {t('sources', ui)}", c["sources"]: sources_html(last, ui),
            c["q_intro"]: t("q_intro", ui), c["q_run"]: gr.Button(t("q_run", ui)),
            c["q_table"]: gr.update(label=t("q_table", ui)), c["d_table"]: gr.update(label=t("d_table", ui)),
            c["dl_docx"]: gr.DownloadButton(label=t("dl_docx", ui)),
            c["dl_md"]: gr.DownloadButton(label=t("dl_md", ui)),
            c["d_intro"]: _docs_intro(ctx, ui), c["d_run"]: gr.Button(t("d_run", ui)),
            c["d_access"]: gr.Radio(label=t("d_access", ui), choices=[(t("internal", ui), "internal"),
                                                                    (t("public", ui), "public")]),
            c["d_remove"]: gr.Button(t("d_remove", ui)),
            **{c[key]: update for key, update in labels.items()},
        }

    return translate


def _api_ask(ctx: Context):
    def ask(question: str, request: gr.Request) -> dict:
        """Answer one question with citations (DESIGN.md JSON); the role comes from the login."""
        role = ctx.role(request)
        try:
            return api_answer(ctx.answerer.ask(question, role=role))
        except FilterError as exc:
            raise gr.Error(str(exc)) from None

    return ask


def api_answer(answer: Answer) -> dict:
    """The DESIGN.md object for remote callers, each citation's server path giving way to a link.

    gradio_client takes any dict with a string "path" for a file to download (and fails on it),
    and a server path means nothing to a remote caller anyway. "path" stays, as null; "url"
    (relative to the app's address) opens the cited file through the role-checked route."""
    data = answer.to_json()
    for citation in data["citations"]:
        citation["url"] = source_link(citation["doc_id"], citation.get("page"))
        citation["path"] = None
    return data


# serving -----------------------------------------------------------------------------------
def make_server(settings: Settings, answerer: Answerer | None = None) -> FastAPI:
    """A FastAPI app: the source-file route, then the Gradio app (with login when users exist)."""
    demo = build_app(settings, answerer)
    ctx: Context = demo.iitkb_context
    server = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    gradio_app: list = []

    @server.get("/source/{doc_id}")
    def source(doc_id: str, request: Request):
        """The document's file, if the logged-in role may see it; 404 alike for hidden and missing."""
        role = ctx.role_for(_cookie_user(gradio_app[0], request) if gradio_app else None)
        if role is None:
            raise HTTPException(status_code=401, detail="log in first")
        meta = next((d for d in ctx.visible_documents(role) if d.get("doc_id") == doc_id), None)
        path = _stored_file(meta.get("path", "")) if meta else None
        if path is None:
            raise HTTPException(status_code=404, detail="no such document")
        return _file_response(path)

    auth = (lambda name, password: ctx.users.verify(name, password) is not None) if ctx.auth_required else None
    gr.mount_gradio_app(
        server, demo, path="/", auth=auth, auth_message="iitkb: log in with the account an administrator "
        "gave you / 请使用管理员分配的账号登录", show_error=False, ssr_mode=False,
        max_file_size=int(settings.max_file_mb * 1e6), footer_links=["api"],
        blocked_paths=[str(settings.data_dir), str(PROJECT_ROOT / "corpus"), str(settings.users_path)],
        theme=gr.themes.Soft(font=["Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", "system-ui",
                                   "sans-serif"], font_mono=["monospace"]),
        css=CSS)
    gradio_app.extend(r.app for r in server.routes if isinstance(r, Mount))
    # mount_gradio_app leaves this False, which makes Gradio skip its own check that a file
    # input was uploaded (and not named by the caller); set it so that check runs too.
    demo.has_launched = True
    return server


def _cookie_user(gradio_app, request: Request) -> str | None:
    """The logged-in name behind Gradio's session cookie (the same lookup as Gradio's /user)."""
    cookie_id = getattr(gradio_app, "cookie_id", None)
    if cookie_id is None:
        return None
    token = request.cookies.get(f"access-token-{cookie_id}") or \
        request.cookies.get(f"access-token-unsecure-{cookie_id}")
    return gradio_app.tokens.get(token) if token else None


def _stored_file(stored: str) -> Path | None:
    """Catalog paths are relative to the project or absolute (DESIGN.md, ingest)."""
    path = Path(stored) if Path(stored).is_absolute() else PROJECT_ROOT / stored
    return path if stored and path.is_file() else None


def _file_response(path: Path) -> FileResponse:
    """PDFs inline (so #page=N works), text as plain text, anything else as a download.

    HTML is sent as plain text: a document's markup must never run as this app's page."""
    suffix = path.suffix.lower()
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox",
               "Cache-Control": "private, no-store"}
    if suffix == ".pdf":
        headers.pop("Content-Security-Policy")
        return FileResponse(path, media_type="application/pdf", headers=headers, content_disposition_type="inline")
    if suffix in (".md", ".markdown", ".txt", ".html", ".htm"):
        return FileResponse(path, media_type="text/plain; charset=utf-8", headers=headers,
                            content_disposition_type="inline")
    return FileResponse(path, filename=path.name, headers=headers)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Run the app; without users it serves anonymous sponsors on a loopback address only."""
    try:
        users = len(UserStore(settings.users_path))
    except UserError as exc:
        raise ServeError(str(exc)) from None
    if not users and not is_loopback(host):
        raise ServeError(f"refusing to serve on {host} with no users: anyone who can reach it would use "
                         f"the app without logging in. To serve beyond this machine, {SETUP_HINT} "
                         "(users file: " f"{settings.users_path}); or serve on 127.0.0.1.")
    import uvicorn

    app = make_server(settings)
    mode = f"{users} user(s), login required" if users else "no users: anonymous sponsor access"
    print(f"iitkb web app on http://{host}:{port} ({mode}); Ctrl+C stops it", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning")
