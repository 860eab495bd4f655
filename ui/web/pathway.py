"""The Pathway tab: the sponsor's answers in, the route and its cited steps out, with the memo as
DOCX and Markdown downloads. Public: every role sees it, and it cites public clauses only
(``retrieval.pathway`` never looks at anything else).

The questions, their choices and their wording come from the pathway tree itself, in the
interface language, so the tab never keeps its own copy of the decision logic. The tab's own
labels live here (``LABELS``) rather than in ``i18n.TEXT``; ``pathway_labels`` gives the updates
the language switch needs.

Wiring (ui/web/app.py)::

    with gr.Tab("Pathway", id="pathway") as pathway_tab_block:
        pathway = pathway_tab(ctx, ui)
    ...
    updates.update(pathway_labels(pathway, ui))       # in translator(); keys p_intro, p_run, p_out,
                                                      # p_docx, p_md and p_q_<question id>
"""

from __future__ import annotations

from functools import lru_cache

import gradio as gr

from proposals.memo import to_markdown, write_memo
from retrieval.pathway import Pathway, PathwayError
from retrieval.pathway_load import load_tree
from retrieval.pathway_tree import AnswerError, Question, Tree, matches
from ui.web.context import Context, user_error
from ui.web.i18n import DEFAULT_UI, UI_LANGS
from ui.web.render import md_escape

LABELS = {
    "p_tab": ("Pathway", "研究路径"),
    "p_intro": ("Answer a few questions about the study: the pathway shows the route, the reviews, "
                "approvals and filings in order, who decides and how long it takes where the rules say, "
                "and the traps to avoid. Every step cites the clauses it rests on.",
                "回答几个关于研究的问题：路径将按顺序列出研究路径、所需的审查、审批和备案，由谁决定、规定的时限，"
                "以及需要避免的误区。每一步都标注所依据的条款。"),
    "p_run": ("Show the pathway", "生成研究路径"),
    "p_empty": ("The pathway appears here.", "研究路径将显示在这里。"),
    "dl_docx": ("Download memo (DOCX)", "下载备忘录（DOCX）"),
    "dl_md": ("Download memo (Markdown)", "下载备忘录（Markdown）"),
}


def _lang(ui: str) -> str:
    return "zh" if ui == UI_LANGS[1] else "en"


def _label(key: str, ui: str) -> str:
    return LABELS[key][1 if _lang(ui) == "zh" else 0]


def _choices(question: Question, lang: str) -> list[tuple[str, str]]:
    return [(c.label[lang], c.value) for c in question.choices]


def pathway_handler(ctx: Context, pathway: Pathway, ui, inputs: dict):
    """The click handler; Gradio passes the inputs as one {component: value} mapping."""

    def run(values: dict, request: gr.Request):
        """The pathway for the chosen answers; the login is checked, the clauses are public."""
        ctx.role(request)
        answers = {qid: values[radio] for qid, radio in inputs.items() if values.get(radio) not in (None, "")}
        try:
            result = pathway.run(answers, lang=_lang(values[ui]))
        except (AnswerError, PathwayError) as exc:
            raise user_error(str(exc)) from None
        folder = ctx.fresh_dir()
        docx = write_memo(result, folder / "pathway-memo.docx")
        markdown = write_memo(result, folder / "pathway-memo.md")
        return (to_markdown(result, footnotes=False, escape=md_escape),
                gr.DownloadButton(value=str(docx), visible=True), gr.DownloadButton(value=str(markdown), visible=True))

    return run


def pathway_tab(ctx: Context, ui, pathway: Pathway | None = None) -> dict:
    """Lay out the tab inside the caller's ``gr.Tab``; returns its components by key (only
    components, so the dict can join the app's list of relabelled outputs)."""
    pathway = pathway or Pathway.for_index(ctx.searcher.index)
    lang = _lang(DEFAULT_UI)
    intro = gr.Markdown(_label("p_intro", DEFAULT_UI))
    inputs: dict[str, gr.Radio] = {}
    with gr.Row(equal_height=False):
        for q in pathway.tree.questions:
            inputs[q.id] = gr.Radio(choices=_choices(q, lang), value=q.default, label=q.text[lang],
                                    visible=not q.ask_if, elem_id=f"p-{q.id.replace('_', '-')}", min_width=220)
    run_button = gr.Button(_label("p_run", DEFAULT_UI), variant="primary", elem_id="p-run")
    output = gr.Markdown(_label("p_empty", DEFAULT_UI), elem_id="p-out")
    with gr.Row():
        docx = gr.DownloadButton(_label("dl_docx", DEFAULT_UI), visible=False)
        markdown = gr.DownloadButton(_label("dl_md", DEFAULT_UI), visible=False)
    run_button.click(pathway_handler(ctx, pathway, ui, inputs), {ui, *inputs.values()}, [output, docx, markdown],
                     api_visibility="private")
    _show_conditional(pathway, inputs)
    return {"p_intro": intro, "p_run": run_button, "p_out": output, "p_docx": docx, "p_md": markdown,
            **{f"p_q_{qid}": radio for qid, radio in inputs.items()}}


def _show_conditional(pathway: Pathway, inputs: dict[str, gr.Radio]):
    """A question asked only for some answers (stem cells: cell products) shows only for them."""
    for q in pathway.tree.questions:
        for on in sorted({key for part in q.ask_if for key in part}):
            def toggle(*values, q=q):
                return gr.update(visible=matches(q.ask_if, dict(zip(inputs, values))))

            inputs[on].change(toggle, list(inputs.values()), inputs[q.id], api_visibility="private", queue=False)


def pathway_labels(tab: dict, ui: str, tree: Tree | None = None) -> dict:
    """Updates that relabel the tab in interface language ``ui`` (for the app's translator)."""
    lang = _lang(ui)
    updates = {tab["p_intro"]: gr.update(value=_label("p_intro", ui)), tab["p_run"]: gr.update(value=_label("p_run", ui)),
               tab["p_docx"]: gr.update(label=_label("dl_docx", ui)), tab["p_md"]: gr.update(label=_label("dl_md", ui))}
    for q in (tree or _default_tree()).questions:
        updates[tab[f"p_q_{q.id}"]] = gr.update(label=q.text[lang], choices=_choices(q, lang))
    return updates


@lru_cache(maxsize=1)
def _default_tree() -> Tree:
    return load_tree()
