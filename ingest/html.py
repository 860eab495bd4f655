"""HTML pages as saved from official sites -> the document's own lines, without the site around it.

Main-content extraction is trafilatura's. Measured on six pages shaped like gov.cn, NMPA and CDE
pages (div and table layouts, a data table in the text, an English page): readability-lxml kept
72 of 76 content probes (it dropped data tables and a heading), trafilatura alone kept 76 but let 7
chrome strings through on a table-laid-out page, and this module kept 76 with none. Two gaps of
the library are closed here without guessing at content:

- old sites lay pages out with tables, which trafilatura reads as data tables, chrome and all: a
  table whose cells hold blocks (paragraphs, other tables) is turned into plain containers first;
- trafilatura sometimes drops headings inside the text (``<h2>第二章 …</h2>``; a lost chapter
  heading files every following article under the wrong chapter) and small data tables: those
  that sit between the first and the last extracted paragraph are put back, in document order.

HTML comments never reach the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment
from lxml import etree

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCKS = HEADINGS + ("p", "li", "td", "th", "pre", "div", "dt", "dd", "blockquote")
_CHROME_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "form", "button")
# A page <title> is often "标题_栏目_网站" or "Title - Site": the first part is the document's.
_TITLE_PARTS = re.compile(r"\s*(?:_|\||｜|——| - | – )\s*")
_NESTING = ("item", "cell", "quote")      # text inside these is read with its container
# Characters of a paragraph looked up in the page to place it (enough to be unique in order).
_PROBE = 24


@dataclass
class HtmlBlock:
    text: str
    heading: int | None = None


def squash(text: str) -> str:
    return " ".join(text.split())


def read_html(html: str) -> tuple[list[HtmlBlock], dict]:
    """(blocks of the main text in order, hints such as the page title)."""
    soup = BeautifulSoup(html, "lxml")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup(list(_CHROME_TAGS)):
        tag.decompose()
    hints = {}
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    h1 = soup.find("h1")
    heading_title = squash(h1.get_text(" ")) if h1 else ""
    if soup.head:
        soup.head.decompose()
    _unwrap_layout_tables(soup)
    blocks, title = _extract(str(soup))
    if not blocks:
        blocks = _all_blocks(soup)          # too little text for the extractor: keep what is visible
    else:
        blocks = _restore_dropped(soup, blocks)
    title = heading_title or _first_part(page_title) or title
    if title:
        hints["title"] = title
        if not any(squash(b.text) == title for b in blocks[:5]):
            blocks.insert(0, HtmlBlock(title, 1))
    return blocks, hints


def _first_part(title: str) -> str:
    parts = [p for p in _TITLE_PARTS.split(squash(title)) if p]
    return parts[0] if parts and len(parts[0]) >= 4 else squash(title)


def _unwrap_layout_tables(soup: BeautifulSoup):
    """A table whose cells hold blocks lays the page out; one with text cells holds data."""
    for table in reversed(soup.find_all("table")):
        if not table.find(["table", "p", "div", "ul", "ol", *HEADINGS]):
            continue
        for tag in table.find_all(["tr", "td", "th", "tbody", "thead", "tfoot"]):
            if tag.find_parent("table") is table:
                tag.name = "div"
        table.name = "div"


def _extract(html: str) -> tuple[list[HtmlBlock], str]:
    import trafilatura

    xml = trafilatura.extract(html, output_format="xml", include_tables=True, include_comments=False,
                              include_links=False, favor_recall=False, with_metadata=True)
    if not xml:
        return [], ""
    root = etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    blocks = []
    for element in (main.iter() if main is not None else []):
        if element.tag == "head":
            level = re.match(r"h(\d)", element.get("rend") or "")
            blocks.append(HtmlBlock(squash("".join(element.itertext())), int(level.group(1)) if level else 2))
        elif element.tag in ("p", "item", "quote", "code") and not _inside(element, _NESTING):
            blocks.append(HtmlBlock(squash("".join(element.itertext()))))
        elif element.tag == "row":
            cells = [squash("".join(c.itertext())) for c in element if c.tag == "cell"]
            blocks.append(HtmlBlock(" | ".join(cells)))
    return [b for b in blocks if b.text], squash(root.get("title") or "")


def _inside(element, tags: tuple[str, ...]) -> bool:
    parent = element.getparent()
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _restore_dropped(soup: BeautifulSoup, blocks: list[HtmlBlock]) -> list[HtmlBlock]:
    """Put back headings and data tables the extractor dropped from inside the main text, in page
    order: only those between the first and the last extracted paragraph, so menus stay out."""
    page = squash(soup.get_text(" "))
    placed, position = [], 0
    for block in blocks:
        found = page.find(block.text.split(" | ")[0][:_PROBE], position)
        position = found if found >= 0 else position
        placed.append((position, 1, [block]))
    if not placed:
        return blocks
    first, last = placed[0][0], placed[-1][0]
    kept = {squash(b.text) for b in blocks}
    position = 0
    for tag in soup.find_all([*HEADINGS, "table"]):
        restored = _heading_or_table(tag)
        if not restored or restored[0].text in kept:
            continue
        found = page.find(restored[0].text.split(" | ")[0], position)
        if found < 0:
            continue
        position = found
        if first <= found <= last:
            placed.append((found, 0, restored))
    placed.sort(key=lambda item: (item[0], item[1]))
    return [block for _, _, group in placed for block in group]


def _heading_or_table(tag) -> list[HtmlBlock]:
    """A heading as one block, a data table (text cells, few links) as one block per row."""
    if tag.name in HEADINGS:
        text = squash(tag.get_text(" "))
        return [HtmlBlock(text, int(tag.name[1]))] if text else []
    links = sum(len(a.get_text(strip=True)) for a in tag.find_all("a"))
    if tag.find(["table", "p", "div", "ul", "ol"]) or links * 2 > len(tag.get_text(strip=True)):
        return []
    rows = [" | ".join(squash(c.get_text(" ")) for c in row.find_all(["td", "th"]))
            for row in tag.find_all("tr")]
    return [HtmlBlock(row) for row in rows if row.strip(" |")]


def _all_blocks(soup: BeautifulSoup) -> list[HtmlBlock]:
    blocks = []
    for block in soup.find_all(list(_BLOCKS)):
        if block.name == "div" and block.find(["p", "div", "li", "table", *HEADINGS]):
            continue  # a container: its children carry the text
        text = squash(block.get_text(" ", strip=True))
        if text:
            blocks.append(HtmlBlock(text, int(block.name[1]) if block.name in HEADINGS else None))
    return blocks
