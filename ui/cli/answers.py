"""`iitkb` search and ask: one question, or a sponsor's questionnaire as a batch."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from iitkb.settings import load_settings
from iitkb.progress import Progress
from ui.cli.base import (AsOfFilter, DocTypeFilter, LangFilter, Role, StatusFilter, app, err, fail,
                         leave_now, make_filters, open_component, out, print_json)


@app.command()
def search(query: str = typer.Argument(..., help="keywords or a question, in Chinese or English"),
           role: Role = typer.Option(Role.sponsor, help="sponsor sees public documents only"),
           k: int = typer.Option(10, "--k", min=1, max=100, help="number of results"),
           lang: LangFilter = None, doc_type: DocTypeFilter = None, status: StatusFilter = None,
           as_of: AsOfFilter = None,
           as_json: bool = typer.Option(False, "--json")):
    """Hybrid search over the index; prints scored clauses with their metadata."""
    from retrieval.filters import FilterError
    from retrieval.search import Searcher

    filters = make_filters(lang, doc_type, status, as_of)
    try:
        searcher = open_component(lambda: Searcher(load_settings()))
        result = searcher.search(query, role=role.value, k=k, filters=filters)
    except FilterError as exc:
        fail(str(exc))
    rows = [hit.to_json(rank) for rank, hit in enumerate(result.hits, start=1)]
    if as_json:
        print_json({"results": rows})
        return
    if not rows:
        out.print("no results")
    for row in rows:
        page = f", p. {row['page']}" if row["page"] else ""
        out.print(f"[bold]{row['rank']}.[/bold] {row['title']} — {row['section']}{page} "
                  f"[dim]({row['lang']}, {row['doc_type']}, {row['status']}, {row['score']:.4f})[/dim]")
        out.print("   " + row["text"][:240].replace("\n", " "))


@app.command()
def ask(question: Optional[str] = typer.Argument(None, help="the question, in Chinese or English"),
        role: Role = typer.Option(Role.sponsor, help="sponsor sees public documents only"),
        batch: Optional[Path] = typer.Option(None, help="questionnaire: .jsonl, .csv, .txt, .xlsx, .docx"),
        out_path: Optional[Path] = typer.Option(None, "--out", help="batch output: .jsonl, .md, .docx or .xlsx "
                                                "(a .docx/.xlsx questionnaire comes back filled in)"),
        dry_run: bool = typer.Option(False, "--dry-run", help="with --batch: list the questions found, "
                                     "with their locations, and answer none"),
        include_internal: bool = typer.Option(False, "--include-internal", help="staff: let a .docx/.xlsx/.md "
                                              "draft cite internal documents (drafts cite public ones only)"),
        lang: LangFilter = None, doc_type: DocTypeFilter = None, status: StatusFilter = None,
        as_of: AsOfFilter = None,
        k: Optional[int] = typer.Option(None, "--k", min=1, max=100, help="at most N clauses to draw the "
                                        "answer from (default: the answerer's own number)"),
        as_json: bool = typer.Option(False, "--json")):
    """Answer with clause-level citations, in the question's language; abstain when not covered."""
    from retrieval.filters import FilterError

    if (question is None) == (batch is None):
        fail("give either a QUESTION or --batch FILE")
    if dry_run:
        return _dry_run(batch, as_json)
    _check_draft_role(role.value, include_internal)
    filters = make_filters(lang, doc_type, status, as_of)
    if batch is not None and (lang or doc_type or status or as_of or k):
        fail("--lang, --doc-type, --status, --as-of and --k apply to one QUESTION, not to --batch")
    if batch is not None:
        return _ask_batch(open_component(lambda: _answerer(k)), batch, role.value, out_path, as_json,
                          include_internal)
    from index.store import StoreError
    from ui.local import ServedError, ask_running

    try:
        answer = _other_language(question, role.value) or (None if k else ask_running(load_settings(), {
            "question": question, "role": role.value, "lang": filters.lang, "doc_type": filters.doc_type,
            "status": filters.status, "as_of": filters.as_of}))
        if answer is None:          # no server running on this data folder: answer here
            answer = open_component(lambda: _answerer(k)).ask(question, role=role.value, filters=filters).to_json()
    except (FilterError, ServedError, StoreError) as exc:
        fail(str(exc))
    from ui.audit import command_line_trail, local_user

    command_line_trail().answer("cli", local_user(), role.value, answer)
    print_json(answer) if as_json else _print_answer(answer)
    leave_now()


def _other_language(question: str, role: str) -> dict | None:
    """A question in neither Chinese nor English: abstain with a note in both, rather than
    search (its kanji would read as Chinese and get a Chinese "not covered")."""
    from iitkb.text import OTHER_LANGUAGE_NOTE, other_language

    if not other_language(question):
        return None
    from retrieval.answer import Answer

    return Answer(question, role, "en", OTHER_LANGUAGE_NOTE, True).to_json()


class _AtMost:
    """The searcher, returning at most ``k`` clauses: how ``ask --k`` bounds what an answer draws on."""

    def __init__(self, searcher, k: int):
        self._searcher, self._k = searcher, k

    def search(self, query: str, role: str = "sponsor", k: int = 10, filters=None):
        return self._searcher.search(query, role=role, k=min(k, self._k), filters=filters)

    def __getattr__(self, name: str):
        return getattr(self._searcher, name)


def _answerer(k: Optional[int]):
    from retrieval.answer import Answerer
    from retrieval.search import Searcher

    settings = load_settings()
    return Answerer(settings, searcher=_AtMost(Searcher(settings), k) if k else None)


def _ask_batch(answerer, batch: Path, role: str, out_path: Optional[Path], as_json: bool,
               include_internal: bool = False):
    """JSONL out answers each line with its role; a .docx/.xlsx/.md draft is for a sponsor."""
    from proposals.batch import answer_items, draft_answers
    from proposals.export import DRAFTS, OUTPUTS, write_answers
    from proposals.status import summary

    if out_path is not None and out_path.suffix.lower() not in OUTPUTS:
        fail(f"--out must end in {', '.join(OUTPUTS)}")
    items = _read_batch(batch)
    drafting = out_path is not None and out_path.suffix.lower() in DRAFTS
    with Progress("answering questions", total=len(items)) as bar:
        answered: list[dict] = []

        def done(answer: dict):
            answered.append(answer)
            counts = summary(answered)
            bar.advance(note=f"{counts['answered']} answered, {counts['needs_review']} to review, "
                             f"{counts['not_covered']} not covered")

        answers = (draft_answers(answerer, items, role, include_internal, on_answer=done) if drafting
                   else answer_items(answerer, items, role, on_answer=done))
    from ui.audit import command_line_trail, local_user

    trail, user = command_line_trail(), local_user()
    for answer in answers:
        trail.answer("batch", user, role, answer)
    if out_path is not None:
        write_answers(answers, out_path, source=batch)
        err.print(f"wrote {len(answers)} answers to {out_path}")
        if drafting and role != "sponsor" and not include_internal:
            err.print("[dim]the draft cites public documents only; --include-internal lets it cite internal ones[/dim]")
    if as_json or out_path is None:
        for answer in answers:
            print_json(answer)
    counts = summary(answers)
    err.print(f"{counts['answered']} answered, {counts['needs_review']} need review, "
              f"{counts['not_covered']} not covered")
    errors = sum(1 for a in answers if a.get("error"))
    if errors:
        err.print(f"[yellow]{errors} line(s) had errors; see their \"error\" field[/yellow]")


def _read_batch(batch: Path):
    from proposals.intake import QuestionnaireError, read_questionnaire

    try:
        return read_questionnaire(batch)
    except (QuestionnaireError, OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {batch}: {exc}")


def _dry_run(batch: Optional[Path], as_json: bool):
    """The questions a batch would answer, and where each one is in the file."""
    if batch is None:
        fail("--dry-run lists a questionnaire's questions: use it with --batch FILE")
    items = _read_batch(batch)
    if as_json:
        for item in items:
            print_json(item.to_json())
        return
    from rich.text import Text

    table = Table("id", "where", "question", box=None)
    for item in items:          # Text: a question's own [brackets] are no markup
        table.add_row(Text(item.id), item.location.label() if item.location else "",
                      Text(item.question or item.error or "", style="red" if item.error else ""))
    out.print(table)
    err.print(f"{len(items)} question(s) in {batch}")


def _check_draft_role(role: str, include_internal: bool):
    from proposals.batch import DraftError, draft_role

    try:
        draft_role(role, include_internal)
    except DraftError as exc:
        fail(str(exc))


def _print_answer(answer: dict):
    out.print(answer["answer"])
    for c in answer["citations"]:
        from proposals.sources import source_line

        out.print(f"[bold][{c['n']}][/bold] {source_line(c)}")
        out.print(f"    [dim]{c['quote']}[/dim]")
