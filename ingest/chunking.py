"""Structure-aware chunking: one chunk per clause where the document has clauses.

A citation is only as precise as its chunk, so units follow the document's own structure:
章/节/条 in Chinese rules, Chapter/Article/Section in English ones, numbered sections in SOPs and
guidance, Q1/Q2 in FAQs (ingest/structure.py reads them). A unit longer than the token budget is
split between its paragraphs (an article's 款 and items), and a paragraph still too long on sentence
boundaries by llama-index's SentenceSplitter (counting the embedder's own tokens); every piece keeps
the unit's label.

Each unit gets a ``section`` label for citations (``第三章 第二十条``, ``Article 20``, ``4.2 Sample
receipt``) and a ``section_key`` (``art:20``, ``sec:4.2``, ``q:3``) that is the same in a rule's zh
and en documents, which is how a hit in one language finds its counterpart in the other.
"""

from __future__ import annotations

import hashlib
import re
from typing import Callable

from ingest.loaders import Line
from ingest.structure import StructureParser, Unit, cn_to_int, roman_to_int  # noqa: F401 (re-exported)
from iitkb import tables
from iitkb.schema import Chunk, DocMeta

CHUNKER_VERSION = "6"   # part of every file's hash: a change here re-chunks the corpus
# A line ending in one of these closes a paragraph (a 款 or an item); one that does not was wrapped.
_PARAGRAPH_END = re.compile(r"[。！？；：.!?;:」”）)]$")
# Where a long paragraph may be cut: after a Chinese full stop (with its closing quote or bracket),
# or after an English one followed by a space.
_SENTENCE_END = re.compile(r"(?<=[。！？；])(?![」”）)])|(?<=[。！？；][」”）)])|(?<=[.!?])\s+(?=\S)")


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
                chunking_tokenizer_fn=split_keeping_spaces,
                secondary_chunking_regex=r"[^,.;。？！；!?]+[,.;。？！；!?]?")
        return self._sentence_splitter

    def chunk(self, meta: DocMeta, lines: list[Line]) -> list[Chunk]:
        chunks: list[Chunk] = []
        for unit in StructureParser(meta.lang, lines).parse():
            for text, page in self._pieces(unit):
                chunks.append(self._make(meta, unit, text, page, len(chunks)))
        return chunks

    def _pieces(self, unit: Unit) -> list[tuple[str, int | None]]:
        """A unit within budget stays whole; a longer one is cut between its paragraphs (款 and
        items, a table's rows), and only a paragraph over budget by itself is cut between
        sentences. A piece that goes on with a table starts with the table's header row, so its
        rows still say what each cell is."""
        text = _join(unit.lines)
        if self.count_tokens(text) <= self.max_tokens:
            return [(text, unit.page)]
        pieces: list[tuple[str, int | None]] = []
        group: list[tuple[str, int | None]] = []
        for paragraph, page, header in _with_headers(_paragraphs(unit.lines)):
            if self.count_tokens(paragraph) > self.max_tokens:
                # what is pending (a heading, a short 款) goes with it rather than stand alone
                first = group[0][1] if group else page
                joined = "\n".join(t for t, _ in group + [(paragraph, page)])
                pieces.extend((piece, first if i == 0 else page)
                              for i, piece in enumerate(self._splitter.split_text(joined)))
                group = []
                continue
            candidate = "\n".join(t for t, _ in group + [(paragraph, page)])
            if group and self.count_tokens(candidate) > self.max_tokens:
                head = [(h, page) for h in header] if paragraph not in header else []
                if head and tuple(t for t, _ in group[-len(head):]) == header:
                    group = group[:-len(head)]          # a header would end the piece without its rows
                if group:
                    pieces.append(("\n".join(t for t, _ in group), group[0][1]))
                group = head
            group.append((paragraph, page))
        if group:
            pieces.append(("\n".join(t for t, _ in group), group[0][1]))
        return [(text, page if page is not None else unit.page) for text, page in pieces]

    @staticmethod
    def _make(meta: DocMeta, unit: Unit, text: str, page: int | None, index: int) -> Chunk:
        digest = hashlib.sha1(f"{unit.label}\n{text}".encode()).hexdigest()[:16]
        data = {**meta.chunk_metadata(), "page": page, "section": unit.label,
                "section_key": unit.key, "context": unit.context, "chapter": unit.chapter,
                "chunk_index": index, "hash": digest}
        return Chunk(id=f"{meta.doc_id}:{index}:{digest[:8]}", text=text, meta=data)


def split_keeping_spaces(text: str) -> list[str]:
    """Sentences whose concatenation is the text, for SentenceSplitter. Its default, nltk's punkt,
    takes 1.5-2.5 s to load on these 2 cores (a first ingest of the bundled corpus went from 34 to
    30 s, median of 3 interleaved runs) and does not split Chinese at all."""
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if end > start:
            pieces.append(text[start:end])
            start = end
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _join(lines: list[tuple[str, int | None]]) -> str:
    """Lines -> text: blank lines become paragraph breaks, wrapped lines are kept as lines."""
    text = "\n".join(t for t, _ in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _paragraphs(lines: list[tuple[str, int | None]]) -> list[tuple[str, int | None]]:
    """Lines -> paragraphs with their first page: a wrapped line joins the line before it; a
    table row (or a Markdown table's separator line) is a paragraph of its own."""
    paragraphs: list[tuple[str, int | None]] = []
    open_paragraph = False
    for text, page in lines:
        if not text:
            open_paragraph = False
            continue
        row = tables.cells(text) is not None or tables.is_separator(text)
        if open_paragraph and not row:
            paragraphs[-1] = (f"{paragraphs[-1][0]}\n{text}", paragraphs[-1][1])
        else:
            paragraphs.append((text, page))
        open_paragraph = not row and not _PARAGRAPH_END.search(text)
    return paragraphs


def _with_headers(paragraphs: list[tuple[str, int | None]]):
    """(paragraph, page, header) where header is the header row (and Markdown separator) of the
    table the paragraph belongs to, () outside a table or before its header is complete."""
    header: tuple[str, ...] = ()
    previous_row = False
    for at, (paragraph, page) in enumerate(paragraphs):
        row = tables.cells(paragraph)
        following = paragraphs[at + 1][0] if at + 1 < len(paragraphs) else ""
        if previous_row and row is None and tables.continues_cell(paragraph, following):
            yield paragraph, page, header            # a wrapped cell's tail: still in the table
            continue
        if tables.is_separator(paragraph):
            header = header + (paragraph,) if len(header) == 1 else header
        elif row is None:
            header = ()
        elif not previous_row and tables.looks_like_header(row):
            header = (paragraph,)
        previous_row = row is not None or tables.is_separator(paragraph)
        yield paragraph, page, header


def embedding_text(chunk: Chunk) -> str:
    """What the dense model reads: the title and heading path give a clause its context."""
    m = chunk.meta
    head = " | ".join(part for part in (m.get("title"), m.get("context") or m.get("section")) if part)
    return f"{head}\n{chunk.text}" if head else chunk.text
