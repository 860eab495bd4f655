"""The feasibility questionnaire tab: a file or pasted lines in; the questions found shown for
review (untick a row to skip it, edit its wording); then a table of draft answers with a status
per question, and downloads: the sponsor's own DOCX or XLSX filled in (a new DOCX for other
files) and Markdown. Drafts cite public documents only unless a staff user ticks "include
internal references"; roles written in the file are ignored. A row that cannot be answered (too
long, say) shows why in its answer cell."""

from __future__ import annotations

import gradio as gr

from iitkb.schema import QUESTIONNAIRE_TYPES, unsupported_type
from proposals.batch import DraftError
from proposals.export import source_line, write_answers
from proposals.intake import QuestionnaireError
from proposals.review import draft_rows, review_rows, write_draft
from proposals.status import status_text
from ui.web.context import Context, inline_errors, uploaded_file, user_error
from ui.web.i18n import t, texts
from ui.web.render import md_escape, shorten

# Rows per run: 200 short questions take about a minute on a small server; more belongs in
# `iitkb ask --batch`, which has no request to time out.
MAX_QUESTIONS = 200
# Table headers stay put when the interface language changes (Gradio keeps a table's headers with
# its rows), so they carry both languages.
HEADERS = ["#", "Question 问题", "Answer 答案", "Sources 来源", "Status 状态"]
REVIEW_HEADERS = ["Use 使用", "#", "Where 位置", "Question 问题"]


def _source(upload, pasted, folder, ui):
    """The questionnaire file: the upload, or the pasted lines saved as a text file."""
    if upload:
        path = uploaded_file(upload)
        if path.suffix.lower() not in QUESTIONNAIRE_TYPES:
            raise user_error(unsupported_type(path.suffix, QUESTIONNAIRE_TYPES, "questionnaire"))
        return path
    if (pasted or "").strip():
        path = folder / "pasted.txt"
        path.write_text(pasted, encoding="utf-8")
        return path
    raise user_error(t("q_intro", ui))


def _rows(path) -> list[dict]:
    try:
        rows = review_rows(path)
    except (QuestionnaireError, OSError, UnicodeDecodeError) as exc:
        raise user_error(f"cannot read the questionnaire: {exc}") from None
    if not rows:
        raise user_error("the questionnaire holds no questions")
    if len(rows) > MAX_QUESTIONS:
        raise user_error(f"the questionnaire has {len(rows)} questions; at most {MAX_QUESTIONS} at a "
                       "time: split it, or use `iitkb ask --batch`")
    return rows


def _reviewed(rows: list[dict], table) -> list[dict]:
    """The rows as the reviewer left them: unticked ones skipped, edited wording asked."""
    values = table.values.tolist() if hasattr(table, "values") else list(table or [])
    if len(values) != len(rows):
        return rows
    return [{**row, "selected": bool(use) and use != "false", "question": str(question).strip()}
            for row, (use, _, _, question) in zip(rows, values)]


def review_handler(ctx: Context):
    def review(upload, pasted, ui, request: gr.Request):
        """The questions found, for the reviewer to untick or edit before drafting."""
        ctx.role(request)
        rows = _rows(_source(upload, pasted, ctx.fresh_dir(), ui))
        return [[True, n, row.get("where", ""), row["question"]] for n, row in enumerate(rows, start=1)]

    return review


def questionnaire_handler(ctx: Context):
    limit = ctx.settings.max_question_chars

    def run(upload, pasted, ui, request: gr.Request, progress=gr.Progress(), review=None, internal=False):
        """Draft the reviewed questions with the logged-in role."""
        role = ctx.role(request)
        folder = ctx.fresh_dir()
        path = _source(upload, pasted, folder, ui)
        rows = _reviewed(_rows(path), review)
        refusal = ctx.questionnaire_refusal(request, ui)
        if refusal:
            raise user_error(refusal)
        total = sum(1 for r in rows if r["selected"])
        done = [0]
        progress((0, total), desc=t("q_run", ui))

        def tick(_answer):
            done[0] += 1
            progress((done[0], total), desc=t("q_run", ui))

        try:
            answers = draft_rows(ctx.answerer, rows, role, include_internal=bool(internal), on_answer=tick)
        except DraftError as exc:
            raise user_error(str(exc)) from None
        for answer in answers:
            ctx.audit.answer("batch", getattr(request, "username", None), role, answer)
        filled = write_draft(path, answers, folder)
        write_answers(answers, folder / "draft-answers.md")
        table = [[number, shorten(a.get("question") or a.get("id") or "", limit), a.get("error") or a["answer"],
                  "<br>".join(md_escape(f"[{c['n']}] {source_line(c)}") for c in a.get("citations", [])),
                  status_text(a)]
                 for number, a in enumerate(answers, start=1)]
        return (table, gr.DownloadButton(value=str(filled), visible=True),
                gr.DownloadButton(value=str(folder / "draft-answers.md"), visible=True))

    return run


def questionnaire_tab(ctx: Context, ui) -> dict:
    review, run = review_handler(ctx), questionnaire_handler(ctx)
    intro = gr.Markdown(**texts("q_intro"))
    with gr.Row():
        upload = gr.File(**texts("q_file"), file_types=list(QUESTIONNAIRE_TYPES), elem_id="q-file")
        pasted = gr.Textbox(**texts("q_text"), lines=6, elem_id="q-text")
    with gr.Row():
        q_find = gr.Button(**texts("q_find"), elem_id="q-find")
        internal = gr.Checkbox(**texts("q_internal"), value=False, elem_id="q-internal")
    found = gr.Dataframe(**texts("q_review"), headers=REVIEW_HEADERS, datatype=["bool", "number", "str", "str"],
                         interactive=True, wrap=True, column_widths=["8%", "5%", "20%", "67%"],
                         elem_id="q-review", elem_classes=["kb-table"])
    q_run = gr.Button(**texts("q_run"), variant="primary", elem_id="q-run")
    q_note = gr.Markdown("", elem_id="q-note")
    table = gr.Dataframe(**texts("q_table"), headers=HEADERS, wrap=True, interactive=False,
                         column_widths=["4%", "22%", "42%", "22%", "10%"], elem_id="q-table",
                         datatype=["number", "str", "str", "markdown", "str"], elem_classes=["kb-table"],
                         max_height=900)
    with gr.Row():
        docx = gr.DownloadButton(**texts("dl_docx"), visible=False)
        markdown = gr.DownloadButton(**texts("dl_md"), visible=False)
    q_find.click(inline_errors(review, 1), [upload, pasted, ui], [found, q_note], api_visibility="private")
    q_run.click(inline_errors(run, 3), [upload, pasted, ui, found, internal], [table, docx, markdown, q_note],
                api_visibility="private", concurrency_limit=1, concurrency_id="questionnaire")
    return {"q_intro": intro, "q_file": upload, "q_text": pasted, "q_find": q_find, "q_internal": internal,
            "q_review": found, "q_run": q_run, "q_table": table, "dl_docx": docx, "dl_md": markdown}
