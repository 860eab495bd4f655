"""The page: a header with the interface-language switch, then the Ask, questionnaire and (for
admins) Documents tabs, and the `ask` API endpoint.

Thin by design: every answer comes from ``Answerer``, every document change from
``ingest.uploads``; the tabs only lay out components and render results. ``server.make_server``
adds login, the source-file route and the request guards around this app.
"""

from __future__ import annotations

import gradio as gr

from retrieval.answer import Answerer
from iitkb.settings import Settings
from ui.web import changes, pathway
from ui.web.chat import ANSWERS, api_ask, chat_labels, chat_tab, doc_type_choices
from ui.web.context import Context
from ui.web.documents import document_views, documents_labels, documents_tab
from ui.web.i18n import COMPONENTS, DEFAULT_UI, UI_LANGS, role_name, t, texts
from ui.web.questionnaire import questionnaire_tab
from ui.web.render import md_escape

# Gradio's own temporary files (uploads, downloads): swept hourly, dropped after a day.
DELETE_CACHE = (3600, 86400)


def build_app(settings: Settings, answerer: Answerer | None = None) -> gr.Blocks:
    """The Blocks app; its ``iitkb_context`` is the Context every handler shares."""
    ctx = Context(settings, answerer)
    with gr.Blocks(title="iitkb", analytics_enabled=False, delete_cache=DELETE_CACHE) as demo:
        with gr.Row(equal_height=True):
            header = gr.Markdown(**texts("header"))
            ui = gr.Radio(**texts("ui"), choices=list(UI_LANGS), value=DEFAULT_UI, scale=0, min_width=220,
                          elem_id="ui-lang")
        who = gr.Markdown("", elem_id="who")
        last = gr.State(None)           # the latest Answer, to re-render its sources in another language
        with gr.Tabs():
            with gr.Tab(**texts("chat_tab"), id="chat") as chat_tab_block:
                chat = chat_tab(ctx, ui, last)
            with gr.Tab(pathway.LABELS["p_tab"][0], id="pathway") as p_tab_block:
                route = pathway.pathway_tab(ctx, ui)
            with gr.Tab(**texts("q_tab"), id="questionnaire") as q_tab_block:
                questionnaire = questionnaire_tab(ctx, ui)
            with gr.Tab(changes.label("c_tab", DEFAULT_UI), id="changes") as c_tab_block:
                versions = changes.changes_tab(ctx, ui)
            with gr.Tab(**texts("docs_tab"), id="documents", visible=False) as docs_tab_block:
                documents = documents_tab(ctx, ui)
        gr.api(api_ask(ctx), api_name="ask", **ANSWERS)
        components = {"who": who, "chat_tab": chat_tab_block, "q_tab": q_tab_block, "docs_tab": docs_tab_block,
                      "header": header, "ui": ui, "p_tab": p_tab_block, "c_tab": c_tab_block, **chat,
                      **questionnaire, **documents, **route, **versions}

        def on_load(request: gr.Request):
            role = ctx.role(request)
            return (who_line(request, role, DEFAULT_UI), gr.update(visible=role == "admin"),
                    gr.update(choices=doc_type_choices(ctx, role, DEFAULT_UI)), *document_views(ctx, role),
                    changes.document_choices(ctx, role))

        demo.load(on_load, outputs=[who, docs_tab_block, chat["doc_type"], documents["d_table"],
                                    documents["d_pick"], versions["c_doc"]], api_visibility="private")
        ui.change(translator(ctx, components), inputs=[ui, last], outputs=list(components.values()),
                  api_visibility="private", queue=False)
    demo.queue(default_concurrency_limit=ANSWERS["concurrency_limit"])
    demo.iitkb_context = ctx
    return demo


def who_line(request: gr.Request, role: str, ui: str) -> str:
    name = getattr(request, "username", None)
    if not name:
        return t("anonymous", ui)
    return t("signed_in", ui).format(name=md_escape(name), role=role_name(role, ui))


def translator(ctx: Context, components: dict):
    """One handler that relabels every component in the chosen interface language, from the
    same table the layout was built from (``i18n.COMPONENTS``)."""

    def translate(ui, last, request: gr.Request):
        role = ctx.role(request)
        updates = {components[key]: gr.update(**texts(key, ui)) for key in COMPONENTS}
        updates[components["who"]] = who_line(request, role, ui)
        updates.update(chat_labels(ctx, components, role, ui, last))
        updates.update(documents_labels(ctx, components, ui))
        updates.update(pathway.pathway_labels(components, ui))
        updates.update(changes.changes_labels(components, ui))
        updates[components["p_tab"]] = gr.update(label=pathway.LABELS["p_tab"][ui == UI_LANGS[1]])
        updates[components["c_tab"]] = gr.update(label=changes.label("c_tab", ui))
        return updates

    return translate
