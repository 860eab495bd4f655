"""Structure-aware chunking: one chunk per clause where the document has clauses.

A citation is only as precise as its chunk, so units follow the document's own structure:
章/节/条 in Chinese rules, Chapter/Article/Section in English ones, numbered sections in SOPs and
guidance, Q1/Q2 in FAQs. A unit longer than the token budget is split on sentence boundaries by
llama-index's SentenceSplitter (counting the embedder's own tokens), with a small overlap.

Each unit gets a ``section`` label for citations (``第三章 第二十条``, ``Article 20``, ``4.2 Sample
receipt``) and a ``section_key`` (``art:20``, ``sec:4.2``, ``q:3``) that is the same in a rule's zh
and en documents, which is how a hit in one language finds its counterpart in the other.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Callable

from ingest.loaders import Line
from iitkb.schema import Chunk, DocMeta

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUM = r"[零〇一二两三四五六七八九十百千\d]+"
_ZH_CHAPTER = re.compile(rf"^第({_NUM})章")
_ZH_SECTION = re.compile(rf"^第({_NUM})节")
_ZH_ARTICLE = re.compile(rf"^第({_NUM})条(?=[\s　]|$)")
_EN_CHAPTER = re.compile(r"^chapter\s+([ivxlc]+|\d+)\b", re.I)
_EN_SECTION = re.compile(r"^section\s+(\d+)\b", re.I)
_EN_ARTICLE = re.compile(r"^(?:article|art\.)\s+(\d+)\b", re.I)
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+\S")
_CN_NUMBERED = re.compile(r"^([一二三四五六七八九十]+)、")
_CN_SUBNUMBERED = re.compile(r"^[（(]([一二三四五六七八九十]+)[）)]")
_FAQ = re.compile(r"^Q(\d+)[.:：、\s]", re.I)
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}

CHUNKER_VERSION = "2"   # part of every file's hash: a change here re-chunks the corpus


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
    context: str                       # heading path, for the embedded text only
    lines: list[tuple[str, int | None]] = field(default_factory=list)
    titled: bool = False               # opened by a title line (a heading or 第X章) with no body in it

    @property
    def page(self) -> int | None:
        return next((page for _, page in self.lines if page is not None), None)


class StructureParser:
    """Walks a document's lines once and cuts it into labelled units."""

    def __init__(self, lang: str, lines: list[Line]):
        self.zh = lang == "zh"
        # Where the source marks headings (Markdown, DOCX, HTML), only headings open units, so a
        # paragraph that starts "Article 36 of ..." stays inside its section.
        self.headed = any(line.heading for line in lines)
        self.lines = lines
        self.units: list[Unit] = []
        self.chapter = ("", 0)
        self.heading_path: list[tuple[int, str]] = []
        self.top_number = 0
        self.current = Unit("前言" if self.zh else "Preamble", "head", "")

    def parse(self) -> list[Unit]:
        for line in self.lines:
            text = line.text.strip()
            if text:
                self._open_unit(text, line.heading)
            self.current.lines.append((text, line.page))
        self._flush()
        return self.units

    def _flush(self):
        filled = [text for text, _ in self.current.lines if text]
        if len(filled) > (1 if self.current.titled else 0):
            self.units.append(self.current)

    def _start(self, label: str, key: str, level: int, text: str, titled: bool = True):
        self._flush()
        self.heading_path = [h for h in self.heading_path if h[0] < level] + [(level, text)]
        self.current = Unit(label, key, " > ".join(h[1] for h in self.heading_path), titled=titled)

    def _open_unit(self, text: str, heading: int | None) -> bool:
        if self.headed and not heading:
            return False
        level = heading or 9
        for pattern, parse in ((_ZH_CHAPTER, cn_to_int), (_EN_CHAPTER, roman_to_int)):
            match = pattern.match(text)
            if match:
                number = parse(match.group(1))
                self.chapter = (match.group(0) if self.zh else f"Chapter {number}", number)
                self._start(self.chapter[0], f"chap:{number}", min(level, 2), text)
                return True
        for pattern in (_ZH_SECTION, _EN_SECTION):
            match = pattern.match(text)
            if match:
                number = cn_to_int(match.group(1))
                label = f"{self.chapter[0]} {match.group(0)}".strip() if self.zh else f"Section {number}"
                self._start(label, f"chap:{self.chapter[1]}.{number}", min(level, 3), text)
                return True
        for pattern in (_ZH_ARTICLE, _EN_ARTICLE):
            match = pattern.match(text)
            if match:
                number = cn_to_int(match.group(1))
                label = f"{self.chapter[0]} {match.group(0)}".strip() if self.zh else f"Article {number}"
                self._start(label, f"art:{number}", min(level, 4), text, titled=bool(heading))
                return True
        return self._open_numbered(text, heading, level)

    def _open_numbered(self, text: str, heading: int | None, level: int) -> bool:
        if not heading and (len(text) > 60 or text[-1] in "。；;，,.:："):
            return False       # a body line that happens to start with a number
        faq = _FAQ.match(text)
        if faq:
            self._start(text, f"q:{int(faq.group(1))}", level, text)
            return True
        numbered = _NUMBERED.match(text)
        if numbered and (heading or self._in_sequence(numbered.group(1))):
            self.top_number = int(numbered.group(1).split(".")[0])
            self._start(text, f"sec:{numbered.group(1)}", level, text)
            return True
        cn = _CN_NUMBERED.match(text)
        if cn:
            self.top_number = cn_to_int(cn.group(1))
            self._start(text, f"sec:{self.top_number}", level, text)
            return True
        sub = _CN_SUBNUMBERED.match(text)
        if sub and self.top_number:
            self._start(text, f"sec:{self.top_number}.{cn_to_int(sub.group(1))}", level, text)
            return True
        if heading:
            self._start(text, f"h:{len(self.units)}", level, text)
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


class Chunker:
    """Cuts a loaded document into chunks bounded in the embedder's tokens.

    Example::

        chunker = Chunker(count_tokens=embedder.count_tokens, max_tokens=320, overlap=32)
        chunks = chunker.chunk(meta, loaded.lines)
    """

    def __init__(self, count_tokens: Callable[[str], int], max_tokens: int = 320, overlap: int = 32):
        if max_tokens < 64:
            raise ValueError(f"max_tokens={max_tokens} is too small for a clause; use 64 or more")
        if not 0 <= overlap < max_tokens // 2:
            raise ValueError(f"overlap={overlap} must be between 0 and half of max_tokens")
        self.count_tokens = count_tokens
        self.max_tokens = max_tokens
        self.overlap = overlap
        self._sentence_splitter = None

    @property
    def _splitter(self):
        """llama-index's SentenceSplitter, counting the embedder's tokens; imported on first need."""
        if self._sentence_splitter is None:
            from llama_index.core.node_parser import SentenceSplitter

            self._sentence_splitter = SentenceSplitter(
                chunk_size=self.max_tokens, chunk_overlap=self.overlap, paragraph_separator="\n\n",
                tokenizer=lambda text: range(self.count_tokens(text)),
                secondary_chunking_regex=r"[^,.;。？！；!?]+[,.;。？！；!?]?")
        return self._sentence_splitter

    def chunk(self, meta: DocMeta, lines: list[Line]) -> list[Chunk]:
        chunks: list[Chunk] = []
        for unit in StructureParser(meta.lang, lines).parse():
            for text, page in self._pieces(unit):
                chunks.append(self._make(meta, unit, text, page, len(chunks)))
        return chunks

    def _pieces(self, unit: Unit) -> list[tuple[str, int | None]]:
        text = _join(unit.lines)
        if self.count_tokens(text) <= self.max_tokens:
            return [(text, unit.page)]
        pieces, start = [], 0
        for piece in self._splitter.split_text(text):
            found = text.find(piece[:40], max(0, start - 200))
            start = found if found >= 0 else start
            pieces.append((piece, _page_at(unit.lines, start) or unit.page))
        return pieces

    @staticmethod
    def _make(meta: DocMeta, unit: Unit, text: str, page: int | None, index: int) -> Chunk:
        digest = hashlib.sha1(f"{unit.label}\n{text}".encode()).hexdigest()[:16]
        data = {**meta.chunk_metadata(), "page": page, "section": unit.label,
                "section_key": unit.key, "context": unit.context, "chunk_index": index, "hash": digest}
        return Chunk(id=f"{meta.doc_id}:{index}:{digest[:8]}", text=text, meta=data)


def _join(lines: list[tuple[str, int | None]]) -> str:
    """Lines -> text: blank lines become paragraph breaks, wrapped lines are kept as lines."""
    text = "\n".join(t for t, _ in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _page_at(lines: list[tuple[str, int | None]], offset: int) -> int | None:
    position = 0
    for text, page in lines:
        position += len(text) + 1
        if position > offset:
            return page
    return None


def embedding_text(chunk: Chunk) -> str:
    """What the dense model reads: the title and heading path give a clause its context."""
    m = chunk.meta
    head = " | ".join(part for part in (m.get("title"), m.get("context") or m.get("section")) if part)
    return f"{head}\n{chunk.text}" if head else chunk.text
