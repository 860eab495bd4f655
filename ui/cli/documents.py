"""`iitkb` ingest, stats, serve and users: building the index and running the app."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from iitkb.progress import Progress
from iitkb.settings import load_settings
from ui.audit import cli_admin
from ui.cli.base import Access, Role, app, err, fail, open_component, out, print_json


@app.command()
def ingest(paths: list[Path] = typer.Argument(..., help="files or folders to index"),
           access: Optional[Access] = typer.Option(None, help="access for files that declare none "
                                                   "(undeclared files default to internal)"),
           prune: bool = typer.Option(False, help="remove indexed documents whose files are gone"),
           strict: bool = typer.Option(False, help="exit non-zero when any file is skipped"),
           dry_run: bool = typer.Option(False, "--dry-run", help="show what would be indexed and which "
                                        "metadata was read from the text or defaulted; write nothing"),
           report_changes: bool = typer.Option(False, "--report-changes", help="write a change report (JSON and "
                                               "Markdown): documents added, changed, removed, and which clauses"),
           report_dir: Optional[Path] = typer.Option(None, "--report-dir", help="where --report-changes writes "
                                                     "(default: change-reports/ in the data folder)"),
           as_json: bool = typer.Option(False, "--json", help="print the run report as JSON")):
    """Index documents: Markdown, PDF, DOCX, HTML, text. Re-runs only touch what changed."""
    from index.diskfull import StorageFullError

    settings = load_settings()
    try:
        report, changes = _run_ingest(settings, paths, access.value if access else None, prune, dry_run,
                                      report_changes)
    except StorageFullError as exc:
        fail(exc.strerror or str(exc))
    if not dry_run:
        cli_admin("ingest", settings, paths=[str(p) for p in paths], added=report.added, updated=report.updated,
                  removed=report.removed, skipped=[s["path"] for s in report.skipped])
    _print_ingest(report, changes, report_dir, dry_run, as_json)
    if strict and report.skipped:
        raise typer.Exit(1)


def _run_ingest(settings, paths: list[Path], chosen: Optional[str], prune: bool, dry_run: bool,
                report_changes: bool):
    """The run report and the change list (None unless asked for)."""
    from ingest.pipeline import Ingestor
    from ui.watch import ingest_with_report

    with Progress("ingesting files") as bar:
        def tick(done: int, total: int, path: str):
            bar.update(done - 1, total, note=path)

        ingestor = open_component(lambda: Ingestor(settings, progress=tick))
        try:
            changes = None
            if dry_run:
                report = ingestor.preview(paths, access=chosen)
            elif report_changes:
                report, changes = ingest_with_report(ingestor, paths, access=chosen, prune=prune)
            else:
                report = ingestor.run(paths, access=chosen, prune=prune)
        finally:
            ingestor.close()
    return report, changes


def _print_ingest(report, changes, report_dir: Optional[Path], dry_run: bool, as_json: bool):
    if changes is not None:
        from ui.cli.rules import write_change_report

        changes = write_change_report(changes, report_dir)
    if as_json:
        print_json({**report.to_json(), **({"change_report": changes} if changes is not None else {})})
    elif dry_run:
        from rich.markup import escape

        for doc in report.documents:
            out.print(escape(f"{doc['path']} -> {doc['doc_id']} ({doc['source_id']}, {doc['text_kind']}): "
                             f"{doc['title']} [{doc['doc_type']}, {doc['access']}], {doc['chunks']} chunks, "
                             f"{doc['articles']} articles\n    read from the text: "
                             f"{', '.join(doc['read_from_text']) or '-'}; defaulted: {', '.join(doc['defaulted']) or '-'}"))
    else:
        err.print(f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
                  f"removed {report.removed}, chunks embedded {report.chunks_embedded}")
    for line in report.warnings:
        err.print(f"[yellow]warning[/yellow] {line}")
    for item in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {item['path']}: {item['reason']}")


@app.command()
def stats(as_json: bool = typer.Option(False, "--json")):
    """Documents and chunks in the index, per language, type, status and access."""
    from index.catalog import Catalog
    from index.index import catalog_version

    settings = load_settings()
    catalog = Catalog(settings.data_dir)
    # a sponsor's answers carry the version of the public documents alone
    data = {**catalog.stats(), "index_version": catalog_version(catalog),
            "index_version_public": catalog_version(catalog, ("public",))}
    if as_json:
        print_json(data)
        return
    out.print(f"[bold]{data['documents']}[/bold] documents, [bold]{data['chunks']}[/bold] chunks "
              f"in {settings.data_dir} (index version {data['index_version']}; "
              f"public documents {data['index_version_public']})")
    for name in ("lang", "doc_type", "status", "access"):
        table = Table(name, "documents", "chunks", box=None)
        for value, group in data[f"by_{name}"].items():
            table.add_row(value, str(group["documents"]), str(group["chunks"]))
        out.print(table)


@app.command()
def serve(host: str = typer.Option("127.0.0.1", help="interface to bind; non-loopback needs users"),
          port: Optional[int] = typer.Option(None, min=1, max=65535,
                                             help="port (default: IITKB_PORT, else 7860)")):
    """Serve the web app (chat with sources, questionnaires, admin documents tab)."""
    from ui.web import ServeError, serve as serve_app

    settings = load_settings()
    try:
        serve_app(settings, host=host, port=port or settings.port)
    except ServeError as exc:
        fail(str(exc))


users_app = typer.Typer(help="Web app users: sponsor, staff or admin.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(name: str, role: Role = typer.Option(..., help="sponsor, staff or admin"),
              password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from stdin")):
    """Add a user (or reset an existing user's role and password)."""
    from ui.users import UserError, UserStore

    if not password_stdin:
        fail("pass the password on standard input with --password-stdin (it never goes on the command line)")
    password = sys.stdin.readline().rstrip("\n")
    store = UserStore(load_settings().users_path)
    try:
        first = len(store) == 0
        store.add(name, role.value, password)
    except UserError as exc:
        fail(str(exc))
    cli_admin("user_add", target=name, target_role=role.value)
    err.print(f"user {name} saved with role {role.value}")
    if first:
        err.print("the web app now asks everyone to log in (a running `iitkb serve` too, from its next request)")


@users_app.command("key")
def users_key(name: str):
    """Print a new API key for NAME (the OpenAI-compatible door, /v1); it is shown only once."""
    from ui.users import UserError, UserStore

    try:
        key = UserStore(load_settings().users_path).new_key(name)
    except UserError as exc:
        fail(str(exc))
    cli_admin("user_key", target=name)
    err.print(f"new API key for {name} (stored hashed; it is not shown again):")
    sys.stdout.write(key + "\n")


@users_app.command("list")
def users_list(as_json: bool = typer.Option(False, "--json")):
    """List users and their roles (never their password hashes)."""
    from ui.users import UserStore

    rows = UserStore(load_settings().users_path).list()
    if as_json:
        print_json(rows)
    for row in [] if as_json else rows:
        out.print(f"{row['name']}\t{row['role']}")


@users_app.command("remove")
def users_remove(name: str):
    """Remove a user."""
    from ui.users import UserStore

    if not UserStore(load_settings().users_path).remove(name):
        fail(f"no user named {name!r}")
    cli_admin("user_remove", target=name)
    err.print(f"user {name} removed")
