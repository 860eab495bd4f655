"""Answers out, chosen by the output's suffix: JSONL (one docs/ARCHITECTURE.md object per line), Markdown,
DOCX or XLSX.

Given the questionnaire it came from (``source``) of the same type, a DOCX or XLSX draft is that
very file with the answers in place (docx_out.py, xlsx_out.py); otherwise it is a new document.
"""

from __future__ import annotations

import json
from pathlib import Path

from proposals.docx_out import DISCLAIMER, new_docx, write_back_docx
from proposals.markdown_out import to_markdown
from proposals.sources import source_line
from proposals.xlsx_out import new_xlsx, write_back_xlsx

__all__ = ["DISCLAIMER", "DRAFTS", "OUTPUTS", "source_line", "to_markdown", "write_answers"]

OUTPUTS = (".jsonl", ".md", ".docx", ".xlsx")
DRAFTS = (".md", ".docx", ".xlsx")        # documents a sponsor may receive (JSONL is the raw record)
TITLE = "Feasibility questionnaire: draft answers"


def write_answers(answers: list[dict], path: Path, title: str = TITLE, source: Path | None = None):
    """Write ``answers`` to ``path``; a same-type ``source`` is filled in place of a new document."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in OUTPUTS:
        raise ValueError(f"unsupported output type {suffix or '(none)'}: use {', '.join(OUTPUTS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    in_place = source is not None and Path(source).suffix.lower() == suffix
    if suffix == ".jsonl":
        path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers), encoding="utf-8")
    elif suffix == ".md":
        path.write_text(to_markdown(answers, title), encoding="utf-8")
    elif suffix == ".docx":
        write_back_docx(Path(source), answers, path) if in_place else new_docx(answers, title).save(str(path))
    else:
        write_back_xlsx(Path(source), answers, path) if in_place else new_xlsx(answers, path)
