"""`iitkb` diff, watch and pathway: what changed between versions, a watched folder with its
change reports, and the sponsor's route."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from iitkb.settings import load_settings
from ui.cli.base import Access, Lang, Role, app, err, fail, open_component, out, print_json


@app.command()
def diff(old: str = typer.Argument(..., help="the older version: a source_id or doc_id"),
         new: str = typer.Argument(..., help="the newer version: a source_id or doc_id"),
         lang: Optional[Lang] = typer.Option(None, help="compare the zh or the en documents"),
         role: Role = typer.Option(Role.sponsor, help="sponsor compares public documents only"),
         as_json: bool = typer.Option(False, "--json"),
         md: Optional[Path] = typer.Option(None, "--md", help="also write the comparison as Markdown here"),
         docx: Optional[Path] = typer.Option(None, "--docx", help="also write the comparison as Word here")):
    """Clause-level comparison of two versions of a rule: added, removed, changed, moved."""
    from index.index import Index
    from proposals.diff_export import write_diff
    from retrieval.diff import DiffError, Differ

    differ = Differ(open_component(lambda: Index(load_settings())))
    try:
        data = differ.diff(old, new, role=role.value, lang=lang.value if lang else None).to_json()
    except DiffError as exc:
        fail(str(exc))
    for path, fmt in ((md, ".md"), (docx, ".docx")):
        if path is not None:
            write_diff(data, path, fmt)
            err.print(f"wrote {path}")
    if as_json:
        print_json(data)
    elif md is None and docx is None:
        from rich.markup import escape

        out.print(f"[bold]{escape(data['old']['title'])}[/bold] -> [bold]{escape(data['new']['title'])}[/bold]: "
                  + ", ".join(f"{n} {kind}" for kind, n in data["counts"].items()), highlight=False)
        for change in data["changes"]:
            out.print(f"[bold]{change['kind']:>8}[/bold]  {escape(change['summary'])}", highlight=False)


@app.command()
def watch(folder: Path = typer.Argument(..., help="the folder to watch (new and changed files are ingested)"),
          interval: float = typer.Option(30.0, min=0.5, help="seconds between looks at the folder"),
          once: bool = typer.Option(False, "--once", help="look once, ingest what changed, report and stop"),
          access: Optional[Access] = typer.Option(None, help="access for files that declare none "
                                                  "(undeclared files default to internal)"),
          prune: bool = typer.Option(True, help="remove indexed documents whose files left the folder"),
          report_dir: Optional[Path] = typer.Option(None, "--report-dir", help="where change reports go "
                                                    "(default: change-reports/ in the data folder)"),
          as_json: bool = typer.Option(False, "--json", help="print each change report as JSON")):
    """Watch a folder: ingest new and changed files and write a change report (JSON and Markdown)
    naming the documents added, changed and removed and, for changed ones, the clauses."""
    from ingest.pipeline import Ingestor
    from ui.watch import watch as watch_folder

    if not folder.is_dir():
        fail(f"{folder} is not a folder: give the folder to watch")
    settings = load_settings()
    ingestor = open_component(lambda: Ingestor(settings))
    err.print(f"watching {folder} every {interval:g} s; Ctrl+C stops" if not once else f"looking at {folder}")

    def reported(run, report: dict):
        for item in run.skipped:
            err.print(f"[yellow]skipped[/yellow] {item['path']}: {item['reason']}")
        files = write_change_report(report, report_dir, skip_empty=True)
        if as_json and files["json"]:
            print_json({**report, "files": {"json": files["json"], "md": files["md"]}})

    try:
        watch_folder(ingestor, [folder], reported, interval=interval, once=once,
                     access=access.value if access else None, prune=prune)
    except KeyboardInterrupt:
        err.print("stopped")
    finally:
        ingestor.close()


def write_change_report(report: dict, report_dir: Optional[Path], skip_empty: bool = False) -> dict:
    """Write the report (unless nothing changed and ``skip_empty``), say where, and return the
    ``change_report`` object that `ingest --json` carries."""
    from ui.watch import REPORT_DIR, write_report

    data = {"json": None, "md": None, "documents": report["documents"]}
    if report["documents"] or not skip_empty:
        paths = write_report(report, report_dir or load_settings().data_dir / REPORT_DIR)
        data["json"], data["md"] = (str(p) for p in paths)
        counts = {k: sum(d["change"] == k for d in report["documents"]) for k in ("added", "changed", "removed")}
        err.print(f"change report {data['md']}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return data


@app.command()
def pathway(product: Optional[str] = typer.Option(None, help="cell, gene or other"),
            aim: Optional[str] = typer.Option(None, help="research or registration"),
            sponsor: Optional[str] = typer.Option(None, help="foreign, fie (foreign-invested, incorporated in "
                                                  "China), domestic or hospital"),
            samples_abroad: Optional[str] = typer.Option(None, "--samples-abroad", help="yes or no"),
            data_abroad: Optional[str] = typer.Option(None, "--data-abroad", help="yes or no"),
            new_technology: Optional[str] = typer.Option(None, "--new-technology", help="yes or no: a technology "
                                                         "not yet used clinically in China"),
            stem_cell: Optional[str] = typer.Option(None, "--stem-cell", help="yes or no (cell products; default no)"),
            site_grade: Optional[str] = typer.Option(None, "--site-grade", help="3a, other or unknown (default)"),
            lang: Lang = typer.Option(Lang.en, help="language of the pathway"),
            as_json: bool = typer.Option(False, "--json"),
            md: Optional[Path] = typer.Option(None, "--md", help="also write the pathway memo as Markdown here"),
            docx: Optional[Path] = typer.Option(None, "--docx", help="also write the pathway memo as Word here"),
            refresh_lock: bool = typer.Option(False, "--refresh-lock", help="after reviewing the flagged steps: record "
                                              "the corpus's current clause hashes as reviewed")):
    """The route, approvals and filings for a sponsor's study, in order, each step cited (public clauses)."""
    if refresh_lock:
        from evals.pathway_eval import refresh_lock as refresh

        changed = refresh()
        err.print(f"pathway lock refreshed; {len(changed)} clause(s) changed: {', '.join(changed) or 'none'}")
        return
    from index.index import Index
    from proposals.memo import to_markdown, write_memo
    from retrieval.pathway import Pathway, PathwayError
    from retrieval.pathway_tree import AnswerError, TreeError

    answers = {k: v for k, v in dict(product=product, aim=aim, sponsor=sponsor, samples_abroad=samples_abroad,
                                     data_abroad=data_abroad, new_technology=new_technology, stem_cell=stem_cell,
                                     site_grade=site_grade).items() if v is not None}
    try:
        result = Pathway.for_index(open_component(lambda: Index(load_settings()))).run(answers, lang=lang.value)
    except AnswerError as exc:
        fail(str(exc).replace("_", "-"))              # the question ids as the flags spell them
    except (PathwayError, TreeError) as exc:
        fail(str(exc))
    for path in (md, docx):
        if path is not None:
            err.print(f"wrote {write_memo(result, path)}")
    if as_json:
        print_json(result)
    elif md is None and docx is None:
        sys.stdout.write(to_markdown(result, footnotes=False))
