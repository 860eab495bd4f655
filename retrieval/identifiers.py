"""Internal identifiers out of answer text: a reader is told the rule's name, never its source_id.

Corpus sentences refer to other documents by source_id ("see ethics-2023", "（见 dual-track）",
"under stemcell-2015"). Quoted as is, "hgr-regulation-2019" means nothing to a sponsor. A bare
reference in brackets is dropped (the sentence names the rule already, or the citation does); a
reference in running text becomes the document's title in the answer's language, when the asking
role may see that document, and a neutral phrase when it may not.

Example::

    names = Names.from_documents(index_documents, role="sponsor")
    names.clean("Records are kept 30 years (see bnt-regulation-2025).", "en")
    # 'Records are kept 30 years.'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iitkb.text import CJK
from retrieval.filters import VISIBLE

# A source_id as the corpus writes them: lower-case words joined by hyphens, most ending in a year.
_ID = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)+"
OTHER = {"en": "a related document", "zh": "相关文件"}
_MAYBE = re.compile(_ID)


def might_hold_id(text: str) -> bool:
    """A cheap first look: no hyphenated lower-case word, no identifier."""
    return _MAYBE.search(text) is not None
_SEE = r"(?:see(?: also)?|cf\.|见|参见|另见|详见)"


@dataclass
class Names:
    titles: dict[tuple[str, str], str]      # (source_id, lang) -> title, for documents the role may see
    ids: frozenset[str]                     # every source_id and doc_id in the index

    @classmethod
    def from_documents(cls, metas: list[dict], role: str) -> "Names":
        visible = VISIBLE.get(role, ("public",))
        titles: dict[tuple[str, str], str] = {}
        ids = set()
        for meta in metas:
            ids.update(x for x in (meta.get("source_id"), meta.get("doc_id")) if x)
            if meta.get("access", "public") in visible and meta.get("title"):
                titles.setdefault((meta["source_id"], meta.get("lang", "en")), meta["title"])
        return cls(titles, frozenset(ids))

    def find(self, text: str) -> list[str]:
        """The identifiers ``text`` writes: an indexed id that no English phrase could be (a
        digit, two hyphens, a short code such as ``sop-``) wherever it stands, and any other
        (``dual-track``) where it is written as a reference: in brackets, after "see" / "见", or in
        Chinese text, since "the dual-track system" is also plain English."""
        return [m.group() for m in re.finditer(rf"(?<![\w/.-]){_ID}(?![\w/-])", text)
                if m.group() in self.ids and _is_identifier(text, m)]

    def clean(self, text: str, lang: str) -> str:
        if not self.find(text):
            return text
        text = self._drop_bracketed(text)
        text = re.sub(rf"(?<![\w/.-]){_ID}(?![\w/-])", lambda m: self._name(m, text, lang), text)
        return _tidy(text)

    def _drop_bracketed(self, text: str) -> str:
        """"(see dual-track)", "（nhc-iit-2024）", "(hgr-regulation-2019, as amended)" -> "(as amended)"."""
        def bracket(match: re.Match) -> str:
            space, opening, inner, closing = match.group(1), match.group(2), match.group(3), match.group(4)
            parts = [p for p in re.split(r"\s*[,，;；、]\s*|\s+and\s+|和|及", inner) if p.strip()]
            kept = [p for p in parts if not self._is_reference(p)]
            if len(kept) == len(parts):
                return match.group()
            return f"{space}{opening}{(', ' if opening == '(' else '，').join(kept)}{closing}" if kept else ""
        return re.sub(r"(\s?)([(（])([^()（）]{1,160})([)）])", bracket, text)

    def _is_reference(self, part: str) -> bool:
        words = re.sub(rf"^{_SEE}\s*", "", part.strip(), flags=re.I)
        words = re.sub(r"\s*(?:for details|for the details|第.{1,6}[章条]|Art(?:icle)?s?\.? ?\d+.*)$", "", words)
        return words.strip() in self.ids

    def _name(self, match: re.Match, text: str, lang: str) -> str:
        found = match.group()
        if found not in self.ids or not _is_identifier(text, match):
            return found
        source = found if any(k[0] == found for k in self.titles) else found.rsplit("-", 1)[0]
        title = self.titles.get((source, lang)) or self.titles.get((source, "en" if lang == "zh" else "zh"))
        if title is None:
            return OTHER[lang]
        return f"《{title}》" if lang == "zh" else f"the {title}" if not title.startswith("The ") else title


def _is_identifier(text: str, match: re.Match) -> bool:
    found = match.group()
    coded = re.search(r"\d", found) or found.count("-") >= 2 or len(found.split("-")[0]) <= 3
    return bool(coded) or _as_reference(text, match)


def _as_reference(text: str, match: re.Match) -> bool:
    before = text[:match.start()].rstrip()
    if re.search(rf"(?:[(（,，、;；]|{_SEE})$", before, re.I) or CJK.search(text[max(0, match.start() - 3):match.start()]):
        return True
    return text[match.end():].lstrip()[:1] in ")）,，、;；" and bool(text[match.end():].strip())


def _tidy(text: str) -> str:
    """Punctuation left behind by a removed reference: doubled spaces, a space before a stop."""
    text = re.sub(r"\s+([,.;:!?，。；：！？）)])", r"\1", text)
    text = re.sub(r"([(（])\s+", r"\1", text)
    text = re.sub(r"[,，]\s*([.。;；])", r"\1", text)
    text = re.sub(r"(?:\bsee|见|参见|详见)\s*([.。;；)）])", r"\1", text)
    text = re.sub(r"\s*([《》])\s*", lambda m: m.group(1), text)
    return re.sub(r"\s{2,}", " ", text).strip()
