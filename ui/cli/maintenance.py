"""`iitkb` check, reindex, backup, restore and audit: keeping the index whole (index/check.py,
ingest/rebuild.py, index/backup.py do the work) and reading the audit trail (ui/audit.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from iitkb.settings import load_settings
from ui.audit import cli_admin
from ui.cli.base import app, err, fail, open_component, out, print_json


def _print_check(report, as_json: bool):
    if as_json:
        print_json(report.to_json())
        return
    for kind in report.repaired:
        err.print(f"[green]repaired[/green] {kind}")
    if report.ok:
        out.print(f"index consistent: {escape(str(report.counts))}")
    for problem in report.problems:
        out.print(f"[red]{problem.kind}[/red]: {escape(problem.message)}; fix: {escape(problem.fix)}")


@app.command()
def check(repair: bool = typer.Option(False, "--repair", help="fix what can be fixed in place"),
          as_json: bool = typer.Option(False, "--json", help="print the report as JSON")):
    """Check that the Chroma store, the catalog and the BM25 index agree; exit 1 if they do not."""
    from index.check import open_and_check
    from ingest.chunking import embedding_text

    index, report = open_component(lambda: open_and_check(load_settings()))
    try:
        if repair and index is not None and not report.ok:
            from index.check import repair as repair_index

            report = repair_index(index, report, text_of=embedding_text)
    finally:
        if index is not None:
            index.close()
    _print_check(report, as_json)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def reindex(paths: Optional[list[Path]] = typer.Argument(None, help="source folders (default: the files "
                                                          "the catalog records)"),
            as_json: bool = typer.Option(False, "--json", help="print the run report as JSON")):
    """Rebuild every store from the source files, and swap the new index in when it is complete."""
    from ingest.rebuild import ReindexError, reindex as rebuild

    try:
        report = open_component(lambda: rebuild(load_settings(), paths or None))
    except (ReindexError, OSError) as exc:
        fail(f"reindex failed, the old index is unchanged: {exc}")
    cli_admin("reindex", added=report.added)
    if as_json:
        print_json(report.to_json())
    else:
        err.print(f"reindexed: {report.added} documents, chunks embedded {report.chunks_embedded}; "
                  "restart a running `iitkb serve` so that it opens the new index")
    for item in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {escape(item['path'])}: {escape(item['reason'])}")


@app.command()
def backup(path: Path = typer.Argument(..., help="a new, empty folder for the snapshot")):
    """Snapshot the index, the users file and the audit log (safe while the app serves)."""
    from index.backup import BackupError, backup as take
    from index.index import Index

    index = open_component(lambda: Index(load_settings()))
    try:
        manifest = take(index, path)
    except (BackupError, OSError) as exc:
        fail(str(exc))
    finally:
        index.close()
    cli_admin("backup", path=str(path), documents=manifest["documents"])
    err.print(f"backed up {manifest['documents']} documents, {manifest['chunks']} chunks to {path}")


@app.command()
def restore(path: Path = typer.Argument(..., help="a folder written by `iitkb backup`"),
            force: bool = typer.Option(False, "--force", help="replace the index that is there")):
    """Put a backup back as the index (refuses to overwrite one without --force)."""
    from index.backup import BackupError, restore as put_back
    from index.check import repair as repair_index
    from ingest.chunking import embedding_text

    try:
        index = open_component(lambda: put_back(load_settings(), path, force=force))
    except (BackupError, OSError) as exc:
        fail(str(exc))
    try:
        report = repair_index(index, index.check(), text_of=embedding_text)
    finally:
        index.close()
    cli_admin("restore", path=str(path), consistent=report.ok)
    _print_check(report, as_json=False)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def audit(since: Optional[str] = typer.Option(None, "--since", help="YYYY-MM-DD (UTC) or an ISO time: "
                                              "records from then on"),
          user: Optional[str] = typer.Option(None, "--user", help="only this user's records "
                                             "(`anonymous` for anonymous use)"),
          as_json: bool = typer.Option(False, "--json", help="one JSON record a line")):
    """Read the audit trail: questions asked and what they cited, uploads, removals, user changes."""
    from ui.audit import parse_since, read_trail

    settings = load_settings()
    if since:
        try:
            parse_since(since)
        except ValueError as exc:
            fail(str(exc))
    shown = 0
    for record in read_trail(settings, since=since, user=user):
        shown += 1
        print_json(record) if as_json else out.print(escape(_audit_line(record)), highlight=False)
    if not settings.audit:
        err.print("[yellow]note[/yellow]: the audit trail is off (IITKB_AUDIT=0): nothing new is recorded")
    err.print(f"{shown} record(s) in {settings.audit_path.parent}")


def _audit_line(record: dict) -> str:
    head = (f"{record.get('time', '')}  {record.get('door', '-'):5}  "
            f"{record.get('user', '-')} ({record.get('role', '-')})")
    if record.get("event") == "answer":
        asked = record.get("question") or f"sha256:{record.get('question_sha256', '')[:16]}"
        outcome = "abstained" if record.get("abstained") else "cited " + (", ".join(record.get("cited") or []) or "-")
        return f"{head}  asked {asked!r}: {outcome} (index {record.get('index_version', '')})"
    if record.get("event") == "admin":
        details = {k: v for k, v in record.items() if k not in ("time", "event", "door", "user", "role", "action")}
        return f"{head}  {record.get('action')} {json.dumps(details, ensure_ascii=False)}"
    return f"{head}  {json.dumps(record, ensure_ascii=False)}"
