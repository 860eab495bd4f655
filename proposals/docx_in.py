"""DOCX questionnaires: question tables, numbered question paragraphs, or (when the file has
neither) one question per paragraph, all in reading order.

A table counts when a question column is found in it (see grid.py). A paragraph counts when it is
numbered, by Word's list numbering or a typed "3." / "Q3:", or when it asks with a question mark;
numbered paragraphs that head deeper-numbered ones are section titles. Headings and instructions
to the reader are never questions.
"""

from __future__ import annotations

import re
from pathlib import Path

from docx.oxml.ns import qn

from proposals.cues import QUESTION_MARK, clean, is_instruction, is_section, strip_enumerator, typed_level
from proposals.grid import Cell, find_questions, located
from proposals.items import Location, QuestionnaireError

HEADING_STYLES = ("Heading", "Title", "Subtitle", "标题")
# "Answer: ____" under a question: the place the form leaves for its answer.
ANSWER_LABEL = re.compile(r"^(?:answer|response|reply|回答|答复|回复|答)\s*[:：]?\s*[_\s.…]*$", re.I)


def open_document(path: Path):
    import docx

    from iitkb.archives import zip_problem

    problem = zip_problem(path, "DOCX")
    if problem:
        raise QuestionnaireError(problem)
    try:
        return docx.Document(str(path))
    except Exception as exc:
        raise QuestionnaireError(f"cannot read the DOCX ({exc.__class__.__name__}): save it again "
                                 "from Word") from None


def body_blocks(document):
    """("p", n, paragraph) and ("t", n, table), 1-based, in the body's reading order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    counts = {"p": 0, "t": 0}
    for element in document.element.body.iterchildren():
        kind = {qn("w:p"): "p", qn("w:tbl"): "t"}.get(element.tag)
        if kind:
            counts[kind] += 1
            block = Paragraph(element, document._body) if kind == "p" else Table(element, document._body)
            yield kind, counts[kind], block


def read_docx(path: Path) -> list[dict]:
    document = open_document(path)
    blocks = list(body_blocks(document))
    paragraphs = [(n, p) for kind, n, p in blocks if kind == "p"]
    tables = {n: located(*find_questions(table_grid(t)), "table", table=n) for kind, n, t in blocks if kind == "t"}
    chosen = _numbered_questions(document, paragraphs)
    if not chosen and not any(tables.values()):
        chosen = _plain_questions(paragraphs)
    rows = []
    for kind, number, _ in blocks:
        rows.extend(tables[number] if kind == "t" else [chosen[number]] if number in chosen else [])
    return rows


def table_grid(table) -> list[list[Cell]]:
    """Cell texts keyed by their <w:tc>: a merged cell is the same element at every position."""
    return [[Cell(cell.text, cell._tc) for cell in row.cells] for row in table.rows]


def is_heading(paragraph) -> bool:
    name = paragraph.style.name if paragraph.style is not None else ""
    return name.startswith(HEADING_STYLES) or bool(paragraph._p.xpath("./w:pPr/w:outlineLvl"))


def _numbered_questions(document, paragraphs) -> dict[int, dict]:
    levels = {n: _level(document, p) for n, p in paragraphs}
    numbered = [n for n, _ in paragraphs if levels[n] is not None]
    chosen, section = {}, None
    for position, (n, paragraph) in enumerate(paragraphs):
        text = clean(paragraph.text)
        if not text:
            continue
        if is_heading(paragraph) or is_section(text) or _heads_deeper(n, levels, numbered, text):
            section = text
            continue
        asks = levels[n] is not None or (QUESTION_MARK.search(text) and not is_instruction(text))
        if asks:
            question = strip_enumerator(text) if typed_level(text) is not None else text
            chosen[n] = {"question": question, "section": section,
                         "location": Location("paragraph", paragraph=n, answer_paragraph=_placeholder(paragraphs,
                                                                                                      position))}
    return chosen


def _plain_questions(paragraphs) -> dict[int, dict]:
    """The old plain list: every paragraph that is no heading or instruction is a question."""
    return {n: {"question": clean(p.text), "location": Location("paragraph", paragraph=n)}
            for n, p in paragraphs if clean(p.text) and not is_heading(p) and not is_instruction(p.text)
            and not ANSWER_LABEL.match(clean(p.text))}


def _heads_deeper(n: int, levels: dict, numbered: list[int], text: str) -> bool:
    """"1. Ethics" followed by "1.1 …?": a numbered section title, not a question."""
    if levels[n] is None or QUESTION_MARK.search(text):
        return False
    following = [m for m in numbered if m > n][:1]
    return bool(following) and levels[following[0]] > levels[n]


def _placeholder(paragraphs, position: int) -> int | None:
    if position + 1 < len(paragraphs):
        n, following = paragraphs[position + 1]
        if clean(following.text) and ANSWER_LABEL.match(clean(following.text)):
            return n
    return None


def _level(document, paragraph) -> int | None:
    """The list level of a numbered paragraph (bullets are no numbers), else its typed level."""
    num_id, level = _num_properties(paragraph)
    if num_id and _num_format(document, num_id, level) not in ("bullet", "none", None):
        return level
    return typed_level(paragraph.text)


def _num_properties(paragraph) -> tuple[str | None, int]:
    """numId and ilvl from the paragraph, or else from its style and the styles it is based on."""
    style = paragraph.style
    elements = [paragraph._p]
    while style is not None:
        elements.append(style.element)
        style = style.base_style
    for element in elements:
        num_id = element.xpath("./w:pPr/w:numPr/w:numId/@w:val")
        if num_id:
            level = element.xpath("./w:pPr/w:numPr/w:ilvl/@w:val")
            return (None if num_id[0] == "0" else num_id[0]), int(level[0]) if level else 0
    return None, 0


def _num_format(document, num_id: str, level: int) -> str | None:
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return None
    abstract = numbering.xpath(f'./w:num[@w:numId="{num_id}"]/w:abstractNumId/@w:val')
    if not abstract:
        return None
    found = numbering.xpath(f'./w:abstractNum[@w:abstractNumId="{abstract[0]}"]/w:lvl[@w:ilvl="{level}"]'
                            "/w:numFmt/@w:val")
    return found[0] if found else "decimal"
