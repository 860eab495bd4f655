"""The `iitkb` command line's shared parts: the app, consoles, choices and error handling.

The commands live beside this module, one module per family (contract in docs/ARCHITECTURE.md).
Thin: they parse, call, print.

Machine-readable output (``--json``) goes to stdout alone; progress bars and notes go to stderr.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from enum import Enum
from typing import Annotated, Optional

import typer
from rich.console import Console

from iitkb.schema import ACCESS, LANGS, ROLES

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Bilingual regulatory knowledge base for CGT investigator-initiated trials in China.")
# Output that is not a terminal is never wrapped or cut to fit (piped output used to break at 80
# columns, even mid-phrase in Chinese): a line is as long as its text, a table row is one line.
PIPED_WIDTH = 100_000


def _console(stream) -> Console:
    return Console(file=stream, soft_wrap=True, width=None if stream.isatty() else PIPED_WIDTH)


err = _console(sys.stderr)
out = _console(sys.stdout)


def _choices(name: str, values: tuple[str, ...]) -> type[Enum]:
    """A typer choice list made from the schema's enum, so the CLI never keeps its own copy."""
    return Enum(name, {v: v for v in values}, type=str)


Access = _choices("Access", ACCESS)
Role = _choices("Role", ROLES)
Lang = _choices("Lang", LANGS)


# The filters `search` and `ask` share (retrieval.filters.Filters), defined once.
LangFilter = Annotated[Optional[Lang], typer.Option(help="only documents in this language")]
DocTypeFilter = Annotated[Optional[str], typer.Option("--doc-type", help="e.g. regulation, guidance, sop")]
StatusFilter = Annotated[Optional[list[str]], typer.Option(help="in_force, trial, draft, superseded, "
                                                          "not_yet_in_force (repeatable)")]
AsOfFilter = Annotated[Optional[str], typer.Option("--as-of", help="YYYY-MM-DD: rules in force then")]


def make_filters(lang: Optional[Lang], doc_type: Optional[str], status: Optional[list[str]],
                 as_of: Optional[str]):
    """The Filters object for the shared options; a bad value fails with its reason."""
    from retrieval.filters import FilterError, Filters

    try:
        return Filters(lang=lang.value if lang else None, doc_type=doc_type,
                       status=tuple(status) if status else None, as_of=as_of)
    except FilterError as exc:
        fail(str(exc))


def fail(message: str, code: int = 2):
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def leave_now() -> None:
    """End a command that wrote nothing but its output (and its audit line, already on disk),
    skipping the interpreter's teardown: freeing the termbase, jieba's dictionary and the
    tokenizer's tables object by object took 0.2-0.3 s of every `iitkb ask` (measured against
    an exit without teardown, 5 runs)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):    # a reader that stopped early (| head) or a closed stream
            pass
    logging.shutdown()
    os._exit(0)


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def open_component(factory):
    """Build a component, turning configuration errors into one clear line."""
    from index.embedders import EmbedderError
    from index.store import IndexMismatchError, StoreError

    try:
        return factory()
    except (EmbedderError, IndexMismatchError, StoreError, ValueError) as exc:
        fail(str(exc))
