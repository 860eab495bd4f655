"""The admin's Documents tab: upload and ingest files, see the index, remove a document.

Every change goes through ``ingest.uploads.Uploads`` (names, types, sizes, one run at a time,
tidying the uploads folder); this module only checks the role and lays out the results. The
table reads the index the answers are served from, so it shows what people can find.
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from iitkb.schema import DOCUMENT_TYPES
from ingest.uploads import UploadError
from ui.web.context import Context, uploaded_file, user_error
from ui.web.render import md_escape, notice
from ui.web.i18n import DEFAULT_UI, t, texts

# The catalog's own field names: they mean the same in both interface languages.
HEADERS = ["doc_id", "title", "lang", "doc_type", "status", "access", "chunks", "path"]


def docs_intro(ctx: Context, ui: str) -> str:
    return t("d_intro", ui).format(types=" ".join(DOCUMENT_TYPES), mb=ctx.settings.max_file_mb)


def document_views(ctx: Context, role: str):
    """The admin's document table and remove choices; empty for everyone else."""
    if role != "admin":
        return [], gr.Dropdown(choices=[], value=None)
    records = sorted(ctx.searcher.index.documents(), key=lambda r: r.doc_id)
    rows = [[r.doc_id, r.meta.get("title", ""), r.meta.get("lang", ""), r.meta.get("doc_type", ""),
             r.meta.get("status", ""), r.meta.get("access", ""), r.chunks, r.path] for r in records]
    choices = [(f"{r.doc_id} · {r.meta.get('title', '')}", r.doc_id) for r in records]
    return rows, gr.Dropdown(choices=choices, value=None)


def failed(message: str) -> tuple:
    """A failed upload: the reason beside the form, the report and the table left as they were."""
    Context.note_user_error("upload", message)
    return gr.skip(), notice(message), gr.skip(), gr.skip()


def document_handlers(ctx: Context):
    def ingest(files, access, request: gr.Request, progress=gr.Progress()):
        """Save the uploads under data_dir/uploads with slug names, then ingest them."""
        ctx.require_admin(request)
        if not files:
            return failed("choose one or more files to ingest")
        sources = [uploaded_file(file) for file in files]
        try:
            report = ctx.uploads.ingest(sources, access, lambda done, total, path: progress(
                (done, total), desc=Path(path).name))
        except UploadError as exc:
            return failed(str(exc))
        ctx.audit.admin("web", getattr(request, "username", None), "admin", "upload", access=access,
                        files=report.get("saved_as", []), skipped=[s["path"] for s in report.get("skipped", [])])
        lines = report.get("warnings", []) + [f"{s['path']}: {s['reason']}" for s in report.get("skipped", [])]
        warnings = "\n\n".join(f"⚠ {md_escape(line)}" for line in lines)
        return (report, warnings, *document_views(ctx, "admin"))

    def remove(doc_id, ui, request: gr.Request):
        """Take the document out of the index; an uploaded file goes too, so it does not return."""
        ctx.require_admin(request)
        if not doc_id:
            raise user_error("choose a document to remove")
        if not ctx.uploads.remove(doc_id):
            raise user_error(f"no indexed document {doc_id!r}")
        ctx.audit.admin("web", getattr(request, "username", None), "admin", "remove", doc_id=doc_id)
        return (t("removed", ui).format(doc_id=doc_id), *document_views(ctx, "admin"))

    return ingest, remove


def documents_tab(ctx: Context, ui) -> dict:
    ingest, remove = document_handlers(ctx)
    intro = gr.Markdown(docs_intro(ctx, DEFAULT_UI))
    with gr.Row():
        # No file_types: Gradio would refuse another type with an error over the whole tab;
        # ingest.uploads skips it with its reason, shown beside the form (the intro lists the types).
        files = gr.File(**texts("d_files"), file_count="multiple", elem_id="d-files")
        with gr.Column():
            access = gr.Radio(**texts("d_access"), value="internal", elem_id="d-access")
            run = gr.Button(**texts("d_run"), variant="primary", elem_id="d-run")
    warnings = gr.Markdown("", elem_id="d-warnings")
    report = gr.JSON(**texts("d_report"), elem_id="d-report")
    table = gr.Dataframe(**texts("d_table"), headers=HEADERS, interactive=False, wrap=True, elem_id="d-table",
                         column_widths=["15%", "29%", "6%", "9%", "10%", "8%", "7%", "16%"])
    with gr.Row():
        pick = gr.Dropdown(**texts("d_pick"), choices=[], scale=3, elem_id="d-pick")
        remove_button = gr.Button(**texts("d_remove"), variant="stop", scale=1, elem_id="d-remove")
    note = gr.Markdown("")
    run.click(ingest, [files, access], [report, warnings, table, pick], api_visibility="private",
              concurrency_limit=1, concurrency_id="documents")
    remove_button.click(remove, [pick, ui], [note, table, pick], api_visibility="private",
                        concurrency_limit=1, concurrency_id="documents")
    return {"d_intro": intro, "d_files": files, "d_access": access, "d_run": run, "d_report": report,
            "d_table": table, "d_pick": pick, "d_remove": remove_button}


def documents_labels(ctx: Context, components: dict, ui: str) -> dict:
    """The intro names the allowed types and size, so it is formatted here in each language."""
    return {components["d_intro"]: docs_intro(ctx, ui)}
