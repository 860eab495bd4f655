"""What a questionnaire's text says about itself, in Chinese and English: which header names a
question or an answer column, and which cell or paragraph is a number, a section title, an
instruction to the reader, or a question.

Sponsors' forms differ in layout but not in these words, so every reader (DOCX tables and
paragraphs, XLSX sheets, CSV) asks the same questions of its text here.
"""

from __future__ import annotations

import re

from iitkb.text import has_cjk

# Header words per column role, checked in this order: "Question No." is a number column, and
# "Sources" must not be taken for a question column. English words match whole words (so
# "Questionnaire" in a title is no header); Chinese words match anywhere in the cell.
HEADER_ROLES: tuple[tuple[str, frozenset[str], tuple[str, ...]], ...] = (
    ("number", frozenset({"no", "nr", "num", "number", "s/n", "sn", "#", "序号"}), ("序号", "编号", "题号")),
    ("id", frozenset({"id"}), ()),
    ("role", frozenset({"role"}), ()),
    ("answer", frozenset({"answer", "answers", "response", "responses", "reply", "replies", "feedback"}),
     ("回答", "答复", "回复", "答案", "应答", "反馈", "填写")),
    ("sources", frozenset({"source", "sources", "reference", "references", "citation", "citations"}),
     ("来源", "依据", "出处", "参考")),
    ("status", frozenset({"status"}), ("状态",)),
    ("remarks", frozenset({"remark", "remarks", "comment", "comments", "note", "notes"}), ("备注", "说明")),
    ("question", frozenset({"question", "questions", "query", "queries", "item", "items", "description",
                            "requirement", "requirements", "topic", "content"}),
     ("问题", "题目", "提问", "问询", "内容", "事项", "项目")),
)
# A header cell is a short label; a longer cell, or one that asks something, is data.
HEADER_MAX_CHARS = 30

_WORD = re.compile(r"[a-z/#]+")
NUMBER = re.compile(r"^[(（]?(?:[A-Za-z]{0,2}\d+(?:[.\-]\d+)*|[ivxlcIVXLC]{1,6}|[A-Za-z]|[一二三四五六七八九十百]+)"
                    r"[)）.、．:：]?$")
# Enumerators of a section rather than of a question: 一、 / A / II (beside arabic question numbers).
SECTION_NUMBER = re.compile(r"^[(（]?(?:[一二三四五六七八九十百]+|[A-Z]|[IVXLC]{1,6})[)）.、．:：]?$")
SECTION = re.compile(r"^(?:[一二三四五六七八九十百]+[、.．]|第[一二三四五六七八九十百\d]+(?:部分|章|节|篇|项)|"
                     r"(?:part|section|chapter)\s+[\dA-Za-z]+\b|[A-Z][.、)]\s|[IVX]{1,5}[.、)]\s)", re.I)
# Instructions open with one of these words, in a form or above its table.
INSTRUCTION_START = re.compile(r"^(?:instructions?|notes?|guidance|please note|填写说明|说明|注意事项|注意|注|备注)"
                               r"\s*[:：]", re.I)
# ... or, outside a table, ask the reader to do something with the form itself.
INSTRUCTION_PHRASE = re.compile(r"please (?:fill|complete|answer|return|send|provide your answers)|fill in|"
                                r"answer (?:all|the following|each)|complete (?:this|the) (?:form|questionnaire)|"
                                r"请(?:在|于|如实|逐项|按|将)|填写|如实|以下问题|下列问题|本问卷|本表", re.I)
QUESTION_MARK = re.compile(r"[?？]")
EN_ASKS = re.compile(r"^(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|does|do|did|can|could|"
                     r"will|would|should|shall|has|have|had|may|must|please|describe|list|provide|specify|state|"
                     r"explain|indicate|confirm|outline|give)\b", re.I)
ZH_ASKS = re.compile(r"是否|如何|怎样|怎么|什么|哪些|哪个|哪里|哪|多少|几|吗|呢|请提供|请说明|请描述|请列出|请简述|"
                     r"有无|能否|可否|需不需要")
# A question worth answering has a few words at least; shorter cells are labels or codes.
MIN_QUESTION_CHARS = 6


def clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


def header_role(text: str) -> str | None:
    """The column role a header cell names, or None for a cell that is no header."""
    text = clean(text).lower()
    if not text or len(text) > HEADER_MAX_CHARS or QUESTION_MARK.search(text):
        return None
    words = set(_WORD.findall(text.replace("no.", "no ")))
    for role, english, chinese in HEADER_ROLES:
        if words & english or any(w in text for w in chinese):
            return role
    return None


def is_number(text: str) -> bool:
    return bool(NUMBER.match(clean(text)))


def is_section(text: str) -> bool:
    """A section title (一、基本信息 / Part B / A. Ethics): it asks nothing."""
    text = clean(text)
    return bool(SECTION.match(text)) and not QUESTION_MARK.search(text)


def is_instruction(text: str, in_table: bool = False) -> bool:
    """Text telling the reader how to fill the form. In a table row only the explicit
    "Note:" / "说明：" openings count: a row saying "请填写贵院伦理委员会名称" is a question."""
    text = clean(text)
    if QUESTION_MARK.search(text):
        return False
    return bool(INSTRUCTION_START.match(text)) or (not in_table and bool(INSTRUCTION_PHRASE.search(text)))


def question_score(text: str) -> float:
    """How much a cell reads like a question: the content vote for the question column."""
    text = clean(text)
    if not text:
        return 0.0
    if is_number(text):
        return -3.0
    score = 2.0 if QUESTION_MARK.search(text) else 0.0
    asks = ZH_ASKS.search(text) if has_cjk(text) else EN_ASKS.match(text)
    score += 1.0 if asks else 0.0
    return score + (0.5 if len(text) >= MIN_QUESTION_CHARS * 2 else -0.5)


def strip_enumerator(text: str) -> str:
    """The question without the "3." or "Q3:" a writer typed before it."""
    return TYPED_NUMBER.sub("", clean(text), count=1).strip() or clean(text)


# Typed question numbers: "1." "1、" "(1)" "Q1:" "问题1：" "2.3" — a bare "2024年" is no number.
TYPED_NUMBER = re.compile(r"^\s*(?:[(（]\d+[)）]|(?:Q|问题)\s*\d+[.、．:：)）]?|\d+(?:\.\d+)+[.、．)）]?|\d+[.、．)）:：])\s*",
                          re.I)


def typed_level(text: str) -> int | None:
    """0 for "1.", 1 for "1.2", ...; None when the text carries no typed number."""
    match = TYPED_NUMBER.match(clean(text))
    if not match:
        return None
    return match.group(0).strip().rstrip(".、．)）:：").count(".")
