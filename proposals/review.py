"""The questionnaire as a reviewer handles it: the questions found, as JSON rows to show, deselect
and edit; the draft of the rows kept; the draft written back into the sponsor's own file.

The rows are plain JSON (a web table or session state holds them as they are). Editing a row's
question changes what is asked, not the file: the sponsor's wording stays in the draft.

    rows = review_rows(path)                       # [{"id", "question", "where", "selected", ...}]
    rows[2]["selected"] = False
    answers = draft_rows(answerer, rows, role="staff")
    out = write_draft(path, answers, folder)       # folder / "<name>.draft.docx" (or .xlsx)
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from proposals.batch import draft_answers
from proposals.export import write_answers
from proposals.intake import read_questionnaire
from proposals.items import Item

IN_PLACE = (".docx", ".xlsx")     # the sponsor's file comes back filled in; others become a new .docx


def review_rows(path: Path) -> list[dict]:
    """Every question found in ``path``, selected, with its location ("where" for people)."""
    return [{**item.to_json(), "selected": True} for item in read_questionnaire(Path(path), line_roles=False)]


def draft_rows(answerer, rows: list[dict], role: str, include_internal: bool = False,
               on_answer: Callable[[dict], None] | None = None) -> list[dict]:
    """Answers for the selected rows, as edited; raises batch.DraftError for a sponsor asking for
    internal references."""
    items = [Item.from_json(row) for row in rows if row.get("selected", True) and str(row.get("question", "")).strip()]
    return draft_answers(answerer, items, role, include_internal, on_answer)


def draft_name(source: Path) -> str:
    suffix = source.suffix.lower() if source.suffix.lower() in IN_PLACE else ".docx"
    return f"{source.stem}.draft{suffix}"


def write_draft(source: Path, answers: list[dict], folder: Path) -> Path:
    """The draft file in ``folder``: the source itself filled in, when it is a DOCX or XLSX."""
    source = Path(source)
    out = Path(folder) / draft_name(source)
    write_answers(answers, out, source=source)
    return out
