"""A document's own structure, read from its lines in any format: 编/章/节/条, Part/Chapter/
Section/Article, numbered SOP sections, FAQ questions.

Official texts reach us as plain text, Markdown (chapters as ``##`` headings, articles as plain
``第一条 …`` lines), HTML and PDF, so structural lines are recognised by their words whether or not
the source marks them as headings. A plain line counts only where it reads as structure: a chapter
line is short and has no sentence end, an article's number runs on from the last article, and
"Article 36 of the pilot measures …" stays body text.

Only the label and a short subject form a unit's heading path (``context``): an article's first
paragraph is body text, so it is quoted like any other sentence and never stored as a heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from iitkb.text import CJK

if TYPE_CHECKING:
    from ingest.loaders import Line

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUM = r"[零〇一二两三四五六七八九十百千\d]+"
_ZH_LEVEL = re.compile(rf"^第\s*({_NUM})\s*(编|章|节)")
_ZH_ARTICLE = re.compile(rf"^第\s*({_NUM})\s*条")
_EN_LEVEL = re.compile(r"^(part|chapter|section)\s+([ivxlc]+|\d+)\b\.?", re.I)
_EN_ARTICLE = re.compile(r"^(?:article|art\.)\s+(\d+)\b\.?", re.I)
# What follows "Article 12" on a plain line that opens the article: its text (a capital) or nothing.
_EN_ARTICLE_BODY = re.compile(r"^[.:：]?(?:\s*$|\s+(?=[A-Z\"“(\[]))")
# After "第十条" with no space, these continue a cross-reference ("第十条规定的", "第十条第二款").
_ZH_REFERENCE = re.compile(r"^(?:规定|的|、|，|至|和|或|及|与|第|中|之|所|款|项|\d)")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+\S")
_CN_NUMBERED = re.compile(r"^([一二三四五六七八九十]+)、")
_CN_SUBNUMBERED = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]")
_FAQ = re.compile(r"^Q(\d+)[.:：、\s]", re.I)
_SENTENCE_END = re.compile(r"[。！？；，、：.;,:!?]$")
# A full stop ends a subject; "No." and "Art." in "Decree No. 818" or "(draft Arts. 1-6)" do not.
_SUBJECT_STOP = re.compile(r"[。．！？!?]|(?<!\bNo)(?<!\bNos)(?<!\bArt)(?<!\bArts)(?<!\be\.g)(?<!\bi\.e)\.(?:\s|$)")
# A subject holding these is a sentence: a Chinese comma, a colon ("…下列事项："). Semicolons may
# list topics in a subject ("先做非临床研究；禁止情形"), and English titles hold commas.
_CLAUSE_MARK = re.compile(r"[，：:]")
_MARKER = re.compile(r"^(?:Q?\d+(?:\.\d+)*\.?|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)])\s*", re.I)
# A line that starts a new block (a structural line, an item, a bullet): never the tail of a wrap.
BLOCK_START = re.compile("|".join(p.pattern for p in (_ZH_LEVEL, _ZH_ARTICLE, _CN_NUMBERED, _CN_SUBNUMBERED))
                         + r"|^\d+(?:\.\d+)*[.、\s]|^(?:article|chapter|section|part)\s+\w|^[-•·*]\s", re.I)
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
RANKS = {"part": 1, "编": 1, "chapter": 2, "章": 2, "section": 3, "节": 3, "article": 4}

# A chapter or section line longer than this is a sentence that starts with 第二章, not a title
# (the longest chapter titles in the NHC, NMPA and State Council rules we read are about 20).
TITLE_MAX_ZH = 40
TITLE_MAX_EN = 120
# A bare 节 title ("伦理审查" between two articles, with no 第X节) is a short line of words.
BARE_TITLE_MAX = 16
# A subject after an article label ("第十条 伦理审查") is short; anything longer is the article's text.
SUBJECT_MAX_ZH = 24
SUBJECT_MAX_EN = 120   # "Collection, preservation or international provision of … without approval"
# In a document with marked headings, a plain 第X条 line opens an article only if its number is at
# most this far past the last article's (a skipped number or two where a line was garbled); the
# first one under a new chapter may jump further, as excerpts do (第七条, then 第三章 第二十条).
ARTICLE_GAP = 3


def cn_to_int(text: str) -> int:
    """第二十三条 -> 23; digits pass through."""
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for char in text:
        if char in CN_DIGITS:
            current = CN_DIGITS[char]
        elif char in CN_UNITS:
            total += (current or 1) * CN_UNITS[char]
            current = 0
    return total + current


def roman_to_int(text: str) -> int:
    if text.isdigit():
        return int(text)
    values = [_ROMAN[c] for c in text.lower()]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


@dataclass
class Unit:
    label: str
    key: str
    context: str                       # heading path: labels and short subjects only
    lines: list[tuple[str, int | None]] = field(default_factory=list)
    titled: bool = False               # opened by a title line with no body in it
    chapter: str = ""                  # the chapter it sits in, e.g. "第二章 伦理审查"

    @property
    def page(self) -> int | None:
        return next((page for _, page in self.lines if page is not None), None)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _title_like(text: str, zh: bool) -> bool:
    return len(text) <= (TITLE_MAX_ZH if zh else TITLE_MAX_EN) and not _SENTENCE_END.search(text)


def heading_entry(text: str) -> str:
    """A heading line as it enters the heading path: its number and words up to the first full stop."""
    text = _squash(text)
    marker = _MARKER.match(text)
    start = marker.end() if marker else 0
    stop = _SUBJECT_STOP.search(text, start)
    return text[:stop.start()] if stop and stop.start() > start else text


def short_subject(rest: str, zh: bool) -> str:
    """The subject after a label on a heading line, up to its first full stop, if it is short."""
    rest = _squash(rest.lstrip(".:：、 \u3000"))
    stop = _SUBJECT_STOP.search(rest)
    subject = rest[:stop.start()] if stop else rest
    too_long = len(subject) > (SUBJECT_MAX_ZH if zh else SUBJECT_MAX_EN)
    return "" if too_long or _CLAUSE_MARK.search(subject) else subject


class StructureParser:
    """Walks a document's lines once and cuts it into labelled units."""

    def __init__(self, lang: str, lines: list[Line]):
        self.zh = lang == "zh"
        # Where the source marks headings (Markdown, DOCX, HTML), numbered SOP lines open units only
        # as headings, and plain structural lines must read as structure (see the module docstring).
        self.headed = any(line.heading for line in lines)
        self.lines = lines
        self.units: list[Unit] = []
        self.chapter = ("", 0)                 # (label, number) for labels and keys
        self.chapter_title = ""
        self.heading_path: list[tuple[int, str]] = []
        self.top_number = 0
        self.last_article = 0
        self.level_opened = False              # a 编/章/节 line came after the last article
        self.bare_sections = 0
        self.current = Unit("前言" if self.zh else "Preamble", "head", "")

    def parse(self) -> list[Unit]:
        texts = [line.text.strip() for line in self.lines]
        following = _next_texts(texts)
        for line, text, after in zip(self.lines, texts, following):
            if text:
                self._open_unit(text, line.heading, after)
            self.current.lines.append((text, line.page))
        self._flush()
        return self.units

    def _flush(self):
        filled = [text for text, _ in self.current.lines if text]
        if len(filled) > (1 if self.current.titled else 0):
            self.units.append(self.current)

    def _start(self, label: str, key: str, level: int, heading: str, titled: bool = True):
        self._flush()
        self.heading_path = [h for h in self.heading_path if h[0] < level] + [(level, heading)]
        self.current = Unit(label, key, " > ".join(h[1] for h in self.heading_path), titled=titled,
                            chapter=self.chapter_title)

    def _open_unit(self, text: str, heading: int | None, after: str) -> bool:
        return (self._open_level(text, heading) or self._open_article(text, heading)
                or self._open_bare_section(text, heading, after)
                or self._open_numbered(text, heading, heading or 9))

    # 编/章/节, Part/Chapter/Section ------------------------------------------------------
    def _open_level(self, text: str, heading: int | None) -> bool:
        zh = _ZH_LEVEL.match(text)
        en = None if zh else _EN_LEVEL.match(text)
        if not (zh or en) or not (heading or _title_like(text, self.zh)):
            return False
        if zh:
            kind, number = zh.group(2), cn_to_int(zh.group(1))
            label = f"第{zh.group(1)}{kind}"
        else:
            kind, number = en.group(1).lower(), roman_to_int(en.group(2))
            label = f"{kind.capitalize()} {number}"
        title = heading_entry(text)
        rank = RANKS[kind]
        self.level_opened = True
        if rank == 1:
            self._start(title, f"part:{number}", rank, title)
        elif rank == 2:
            self.chapter, self.chapter_title = (label, number), title
            self._start(label, f"chap:{number}", rank, title)
        else:
            self._start(f"{self.chapter[0]} {label}".strip() if self.zh else label,
                        f"chap:{self.chapter[1]}.{number}", rank, title)
        return True

    # 第X条, Article N ---------------------------------------------------------------------
    def _open_article(self, text: str, heading: int | None) -> bool:
        zh = _ZH_ARTICLE.match(text)
        en = None if zh else _EN_ARTICLE.match(text)
        if not (zh or en):
            return False
        match = zh or en
        number = cn_to_int(match.group(1))
        rest = text[match.end():]
        if not heading and not self._plain_article(number, rest, bool(zh)):
            return False
        name = f"第{match.group(1)}条" if zh else f"Article {number}"
        label = f"{self.chapter[0]} {name}".strip() if self.zh and zh else name
        subject = short_subject(rest, self.zh) if heading else ""
        self.last_article, self.level_opened = number, False
        titled = bool(heading) and (bool(subject) or not rest.strip())
        self._start(label, f"art:{number}", RANKS["article"], f"{name} {subject}".strip(), titled)
        return True

    def _plain_article(self, number: int, rest: str, zh: bool) -> bool:
        """Does a plain line starting "第十条"/"Article 10" open that article, or only mention it?"""
        if not zh:
            return bool(_EN_ARTICLE_BODY.match(rest)) and self._runs_on(number)
        spaced = not rest or rest[0].isspace()
        if spaced or (not self.headed and rest[0] in "：:"):
            return self._runs_on(number)
        # "第一条为了……" with no space: only in unmarked text, as the very next article.
        return (not self.headed and not _ZH_REFERENCE.match(rest)
                and number in (self.last_article + 1, 1 if not self.last_article else -1))

    def _runs_on(self, number: int) -> bool:
        if number == 1:
            return True
        if self.headed and not self.level_opened:
            return self.last_article < number <= self.last_article + ARTICLE_GAP
        return number > self.last_article

    # bare 节 titles --------------------------------------------------------------------------
    def _open_bare_section(self, text: str, heading: int | None, after: str) -> bool:
        """"伦理审查" alone on a line between two articles heads the articles that follow."""
        if heading or not self.zh or not (self.last_article or self.chapter[1]):
            return False
        if len(text) > BARE_TITLE_MAX or not CJK.search(text) or re.search(r"[\W\d_]", text.replace(" ", "")):
            return False
        if not _starts_article(after):
            return False
        self.bare_sections += 1
        label = f"{self.chapter[0]} {text}".strip()
        self._start(label, f"chap:{self.chapter[1]}.t{self.bare_sections}", RANKS["节"], _squash(text))
        return True

    # numbered sections, FAQ, other headings --------------------------------------------------
    def _open_numbered(self, text: str, heading: int | None, level: int) -> bool:
        if not heading and (len(text) > 60 or text[-1] in "。；;，,.:：" or self.last_article):
            return False       # a body line that happens to start with a number, or an item
        subject = heading_entry(text)
        faq = _FAQ.match(text)
        if faq:
            self._start(text, f"q:{int(faq.group(1))}", level, _squash(text))
            return True
        numbered = _NUMBERED.match(text)
        if numbered and (heading or self._in_sequence(numbered.group(1))):
            self.top_number = int(numbered.group(1).split(".")[0])
            self._start(text, f"sec:{numbered.group(1)}", level, subject)
            return True
        cn = _CN_NUMBERED.match(text)
        if cn:
            self.top_number = cn_to_int(cn.group(1))
            self._start(text, f"sec:{self.top_number}", level, subject)
            return True
        sub = _CN_SUBNUMBERED.match(text)
        if sub and self.top_number:
            self._start(text, f"sec:{self.top_number}.{cn_to_int(sub.group(1))}", level, subject)
            return True
        if heading:
            self._start(text, f"h:{len(self.units)}", level, subject)
            return True
        return False

    def _in_sequence(self, number: str) -> bool:
        """Without marked headings (PDF, plain text), "1. Take the sample" inside section 4.2 is a
        list item, not section 1: a numbered line opens a section only where the numbering runs on
        (allowing a gap of two, for a heading lost to a line wrap)."""
        parts = [int(p) for p in number.split(".")]
        if len(parts) == 1:
            return self.top_number < parts[0] <= self.top_number + 3
        return self.top_number <= parts[0] <= self.top_number + 3


def _next_texts(texts: list[str]) -> list[str]:
    """For each line, the next non-empty line after it ("" at the end)."""
    following, upcoming = [], ""
    for text in reversed(texts):
        following.append(upcoming)
        upcoming = text or upcoming
    return following[::-1]


def _starts_article(text: str) -> bool:
    match = _ZH_ARTICLE.match(text)
    return bool(match) and not _ZH_REFERENCE.match(text[match.end():])
