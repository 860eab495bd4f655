"""The Ask tab and the `ask` API: a question in, a cited answer out, sources beside it.

A question the answerer refuses (too long, empty) or one over the caller's answer budget gets
its reason where the answer would be, in the chat or in the API object's ``error``, rather than
an error state: the person sees what to change and the conversation goes on.
"""

from __future__ import annotations

import gradio as gr

from index.store import StoreError
from iitkb.text import detect_lang
from retrieval.filters import FilterError, Filters
from ui.web.context import Context
from ui.web.i18n import DEFAULT_UI, t, texts, ui_for
from ui.web.render import api_answer, md_escape, notice, refused, shorten, sources_html

# Answers running at once; the rest wait in Gradio's queue. Four keep both cores of a small
# server busy while a short question still starts within a second (tests/ui/test_load.py).
ANSWER_CONCURRENCY = 4
EXAMPLES = [
    "Can I run a CAR-T IIT without an IND?",
    "境外申办方把样本运出境需要人类遗传资源审批吗？",
    "What must be reported after a serious adverse event in an IIT?",
    "研究者发起的临床研究立项前需要通过哪些审查？",
]
ANSWERS = dict(concurrency_limit=ANSWER_CONCURRENCY, concurrency_id="answers")


def make_filters(lang: str, doc_type: str, statuses: list[str], as_of: str) -> Filters:
    """The chosen filters; a bad value raises FilterError, whose message the chat shows inline."""
    return Filters(lang=None if lang in ("", "any", None) else lang,
                   doc_type=None if doc_type in ("", "any", None) else doc_type,
                   status=tuple(statuses) if statuses else None,
                   as_of=(as_of or "").strip() or None)


def doc_type_choices(ctx: Context, role: str, ui: str) -> list[tuple[str, str]]:
    """Types of the documents this role can see: a sponsor's list never hints at internal ones."""
    types = sorted({d.get("doc_type", "") for d in ctx.visible_documents(role)} - {""})
    return [(t("any", ui), "any")] + [(x, x) for x in types]


def chat_handlers(ctx: Context):
    limit = ctx.settings.max_question_chars

    def respond(question, history, lang, doc_type, statuses, as_of, ui, request: gr.Request):
        """Stream the answer into the chat, then show its sources beside it."""
        role = ctx.role(request)
        question = (question or "").strip()
        problem = t("empty", ui) if not question else ctx.unsupported_question(question)
        try:
            filters = make_filters(lang, doc_type, statuses, as_of)
        except FilterError as exc:
            problem = problem or str(exc)
        if problem:                     # said in the chat; the question stays in the box
            user_said = [{"role": "user", "content": md_escape(shorten(question, limit))}] if question else []
            ctx.note_user_error("chat", problem)
            yield (list(history or []) + user_said + [{"role": "assistant", "content": notice(problem)}],
                   question, gr.skip(), gr.skip())
            return
        history = list(history or []) + [{"role": "user", "content": md_escape(shorten(question, limit))},
                                         {"role": "assistant", "content": t("searching", ui)}]
        refusal = ctx.answer_refusal(request, ui)
        if refusal:
            history[-1] = {"role": "assistant", "content": notice(refusal)}
            yield history, question, gr.skip(), gr.skip()
            return
        yield list(history), "", gr.skip(), gr.skip()
        try:
            for step in ctx.answerer.stream(question, role=role, filters=filters):
                if isinstance(step, str):
                    history[-1] = {"role": "assistant", "content": md_escape(step) + " ▌"}
                    yield list(history), "", gr.skip(), gr.skip()
                else:
                    history[-1] = {"role": "assistant", "content": md_escape(step.answer)}
                    ctx.audit.answer("web", getattr(request, "username", None), role, step.to_json())
                    yield list(history), "", sources_html(step, ui), step
        except FilterError as exc:      # (QueryError too) the question stays in the box, to be changed
            ctx.note_user_error("chat", str(exc))
            history[-1] = {"role": "assistant", "content": notice(str(exc))}
            yield list(history), question, gr.skip(), gr.skip()
        except StoreError as exc:       # the Chroma server is down: say so, keep the question
            history[-1] = {"role": "assistant", "content": notice(ctx.store_down(exc))}
            yield list(history), question, gr.skip(), gr.skip()

    def pick_example(selection: gr.SelectData):
        return selection.value.get("text", "") if isinstance(selection.value, dict) else ""

    def clear(ui):
        return [], sources_html(None, ui), None

    return respond, pick_example, clear


def api_ask(ctx: Context):
    limit = ctx.settings.max_question_chars

    def ask(question: str, request: gr.Request) -> dict:
        """Answer one question with citations (docs/ARCHITECTURE.md JSON); the role comes from the
        login. A question that cannot be answered as asked comes back with the reason in "error"."""
        role = ctx.role(request)
        refusal = ctx.unsupported_question(question or "") or \
            ctx.answer_refusal(request, ui_for(detect_lang(shorten(question or "", limit))))
        if refusal:
            return refused(question, role, refusal, limit)
        try:
            answer = api_answer(ctx.answerer.ask(question, role=role))
        except FilterError as exc:
            return refused(question, role, str(exc), limit)
        except StoreError as exc:
            return refused(question, role, ctx.store_down(exc), limit)
        ctx.audit.answer("api", getattr(request, "username", None), role, answer)
        return answer

    return ask


def chat_tab(ctx: Context, ui, last) -> dict:
    """The chat, the question box, filters and the sources panel, wired to ``chat_handlers``."""
    respond, pick_example, clear = chat_handlers(ctx)
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(**texts("chatbot"), height=520, elem_id="chatbot", buttons=["copy"],
                                 examples=[{"text": q} for q in EXAMPLES], feedback_options=None)
            with gr.Row():
                question = gr.Textbox(**texts("question"), scale=5, lines=1, max_lines=6, elem_id="question",
                                      autofocus=True)
                ask = gr.Button(**texts("ask"), variant="primary", scale=1, elem_id="ask")
            with gr.Accordion(**texts("filters"), open=False) as filters:
                with gr.Row():
                    lang = gr.Dropdown(**texts("lang"), value="any")
                    doc_type = gr.Dropdown(**texts("doc_type"), choices=[(t("any", DEFAULT_UI), "any")],
                                           value="any")
                    as_of = gr.Textbox(**texts("as_of"), placeholder="2025-01-01")
                status = gr.CheckboxGroup(**texts("status"))
            clear_button = gr.Button(**texts("clear"), size="sm")
        with gr.Column(scale=2):
            sources_title = gr.Markdown(**texts("sources_title"))
            sources = gr.HTML(sources_html(None, DEFAULT_UI), elem_id="sources")
    inputs = [question, chatbot, lang, doc_type, status, as_of, ui]
    outputs = [chatbot, question, sources, last]
    ask.click(respond, inputs, outputs, api_visibility="private", **ANSWERS)
    question.submit(respond, inputs, outputs, api_visibility="private", **ANSWERS)
    chatbot.example_select(pick_example, None, question, api_visibility="private", queue=False).then(
        respond, inputs, outputs, api_visibility="private", **ANSWERS)
    clear_button.click(clear, ui, [chatbot, sources, last], api_visibility="private", queue=False)
    return {"chatbot": chatbot, "question": question, "ask": ask, "filters": filters, "lang": lang,
            "doc_type": doc_type, "as_of": as_of, "status": status, "clear": clear_button,
            "sources_title": sources_title, "sources": sources}


def chat_labels(ctx: Context, components: dict, role: str, ui: str, last) -> dict:
    """What the language switch changes here beyond the fixed labels: the type list, the sources."""
    return {components["doc_type"]: gr.update(choices=doc_type_choices(ctx, role, ui)),
            components["sources"]: sources_html(last, ui)}
