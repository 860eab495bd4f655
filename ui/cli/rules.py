"""`iitkb` diff and pathway: what changed between versions, and the sponsor's route."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from iitkb.settings import load_settings
from ui.cli.base import Lang, Role, app, err, fail, open_component, out, print_json


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
