"""Answers into Word: back into the sponsor's own DOCX, or a new draft for other questionnaires.

In the sponsor's file each answer goes into its row's answer cell (a column is added when the
table has none) or after its question paragraph, filling an "Answer: ____" line when there is
one. Only those places change; the answer takes the cell's own paragraph and run formatting.
Each distinct source an answer cites is one Word footnote (text: source.py's source line), placed
in reading order; the [n] markers themselves are not written. A sources list and the review note
close the document.
"""

from __future__ import annotations

import copy
from pathlib import Path

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.enum.text import WD_COLOR_INDEX
from docx.shared import Cm
from docx.text.paragraph import Paragraph

from iitkb.text import detect_lang
from proposals.cues import clean
from proposals.docx_in import ANSWER_LABEL, body_blocks, open_document
from proposals.footnotes import Footnotes
from proposals.sources import distinct_sources, name_notes, segments, source_line
from proposals.status import status_text

DISCLAIMER = {
    "en": "Draft answers generated from the knowledge base. Every answer must be reviewed by "
          "regulatory staff against the cited sources before it is sent to a sponsor.",
    "zh": "以下答案由知识库自动起草，发送给申办方前须由法规人员对照所引来源逐条审核。",
}
SOURCES_HEADING = {"en": "Sources", "zh": "参考来源"}
ANSWER_HEADER = {"en": "Answer", "zh": "答复"}
# Width of an answer column added to a table that has none (about a third of an A4 text width).
ADDED_COLUMN_WIDTH = Cm(6)
# A cell holding only these (or nothing) is a blank to fill; any other text is kept, and the
# draft goes after it.
BLANK = set(" _-—–/.…·:：")


def write_back_docx(source: Path, answers: list[dict], out: Path):
    document = open_document(source)
    notes = Footnotes(document)
    places = _places(document)
    paragraphs, tables = document.paragraphs, document.tables     # numbered before anything is inserted
    added: dict[int, int] = {}
    placed = [a for a in answers if (a.get("location") or {}).get("kind") in ("table", "paragraph")]
    for answer in sorted(placed, key=lambda a: _reading_order(a, places)):
        location = answer["location"]
        if location["kind"] == "table":
            first, more, like = _cell_target(tables[location["table"] - 1], location, added)
        else:
            first, more, like = _paragraph_target(paragraphs, location)
        write_answer(answer, first, more, notes, like)
    add_sources(document, answers)
    notes.finish()
    document.save(str(out))


def new_docx(answers: list[dict], title: str):
    """A fresh draft: the review note up front, a heading and the answer for each question (its
    footnotes name the sources)."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=0)
    for language in ("en", "zh"):
        document.add_paragraph(DISCLAIMER[language]).runs[0].italic = True
    notes = Footnotes(document)
    for number, answer in enumerate(answers, start=1):
        document.add_heading(f"{number}. {answer.get('question') or answer.get('id')}", level=1)
        if answer.get("error"):
            document.add_paragraph(f"Error: {answer['error']}")
            continue
        write_answer(answer, document.add_paragraph(), document.add_paragraph, notes)
    notes.finish()
    return document


def write_answer(answer: dict, first: Paragraph, more, notes: Footnotes, like=None):
    """The answer's paragraphs: its sentences with footnotes, its notes on the sources, and the
    status when it is not a plain "answered". ``more()`` makes the next paragraph; ``like`` is
    the run formatting to write with."""
    lang = answer.get("language") or "en"
    citations = {c["n"]: c for c in answer.get("citations", [])}
    blocks = [b for b in name_notes(answer.get("answer") or "", list(citations.values()), lang).split("\n\n")
              if b.strip()]
    placed: dict[int, int] = {}
    paragraph = first
    for index, block in enumerate(blocks):
        paragraph = first if index == 0 else more()
        for text, numbers in segments(block, set(citations)):
            _add_run(paragraph, text, like)
            for n in numbers:
                if n in placed:
                    notes.repeat(paragraph, placed[n], like)
                else:
                    placed[n] = notes.add(paragraph, source_line(citations[n], lang), like)
    if answer.get("status", "answered") != "answered":
        flag = _add_run(paragraph if not blocks else more(), f"\u2691 {status_text(answer)}", like)
        flag.italic = True
        flag.font.highlight_color = WD_COLOR_INDEX.YELLOW


def add_sources(document, answers: list[dict]):
    """The sponsor's file ends with every source the draft cites, and the review note."""
    lang = _language(answers)
    _heading(document, SOURCES_HEADING[lang])
    for line in distinct_sources(answers):
        document.add_paragraph(f"\u2022 {line}")
    document.add_paragraph().add_run(DISCLAIMER[lang]).italic = True


# where answers go --------------------------------------------------------------------------
def _places(document) -> dict[tuple[str, int], int]:
    return {(kind, n): position for position, (kind, n, _) in enumerate(body_blocks(document))}


def _reading_order(answer: dict, places) -> tuple[int, int]:
    location = answer["location"]
    if location["kind"] == "table":
        return places.get(("t", location["table"]), 0), location["row"]
    return places.get(("p", location["paragraph"]), 0), 0


def _cell_target(table, location: dict, added: dict[int, int]):
    column = location.get("answer_cell") or added.get(location["table"]) or _add_column(table, location, added)
    cell = table.rows[location["row"] - 1].cells[column - 1]
    first = cell.paragraphs[0]
    like = _run_properties(first)
    if set(cell.text) <= BLANK:
        for run in list(first.runs):
            run._r.getparent().remove(run._r)
    else:
        first = _paragraph_like(cell.add_paragraph(), first)

    def more():
        return _paragraph_like(cell.add_paragraph(), first)

    return first, more, like


def _add_column(table, location: dict, added: dict[int, int]) -> int:
    table.add_column(ADDED_COLUMN_WIDTH)
    column = len(table.columns)
    header = location.get("header_row")
    if header:
        row = table.rows[header - 1]
        row.cells[column - 1].text = ANSWER_HEADER[detect_lang(" ".join(c.text for c in row.cells))]
    added[location["table"]] = column
    return column


def _paragraph_target(paragraphs: list[Paragraph], location: dict):
    placeholder = location.get("answer_paragraph")
    if placeholder:
        first = paragraphs[placeholder - 1]
        label = ANSWER_LABEL.match(clean(first.text))
        like = _run_properties(first)
        for run in list(first.runs):
            run._r.getparent().remove(run._r)
        _add_run(first, clean(label.group(0)).rstrip("_ .…") + " ", like)
    else:
        first, like = _insert_after(paragraphs[location["paragraph"] - 1]), None
    last = [first]

    def more():
        last[0] = _insert_after(last[0])
        return last[0]

    return first, more, like


def _insert_after(paragraph: Paragraph) -> Paragraph:
    element = OxmlElement("w:p")
    paragraph._p.addnext(element)
    return Paragraph(element, paragraph._parent)


# formatting --------------------------------------------------------------------------------
def _run_properties(paragraph: Paragraph):
    """What Word would type with here: the first run's properties, else the paragraph mark's."""
    if paragraph.runs and paragraph.runs[0]._r.rPr is not None:
        return paragraph.runs[0]._r.rPr
    return paragraph._p.find(qn("w:pPr") + "/" + qn("w:rPr"))


def _add_run(paragraph: Paragraph, text: str, like):
    run = paragraph.add_run(text)
    if like is not None:
        run._r.insert(0, copy.deepcopy(like))
    return run


def _paragraph_like(paragraph: Paragraph, model: Paragraph) -> Paragraph:
    if model._p.pPr is not None:
        paragraph._p.insert(0, copy.deepcopy(model._p.pPr))
    return paragraph


def _heading(document, text: str):
    try:
        document.add_paragraph(text, style="Heading 1")
    except KeyError:                       # a template without Heading 1
        document.add_paragraph().add_run(text).bold = True


def _language(answers: list[dict]) -> str:
    zh = sum(a.get("language") == "zh" for a in answers)
    return "zh" if zh * 2 > len(answers) else "en"
