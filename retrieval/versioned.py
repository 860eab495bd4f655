"""What every answer says about versions: a question about change is answered from the
differences between the two versions, a cited rule that a newer one replaced names its
replacement, and the answer records the index version it was made from.

``Answerer.stream`` asks ``change_answer`` first (None: not a question about change, or not two
versions the asker may see) and passes whatever answer it made through ``finish``. Both read the
documents of the asker's role only, so a sponsor's answer never names, links or counts an
internal version: its replacement is a public text or none, and its ``index_version`` hashes the
public documents alone.

Example::

    versioned = VersionedAnswers.of(searcher)
    answer = versioned.change_answer("2016年和2023年伦理审查办法有什么区别？", "sponsor")
    answer = versioned.finish(answer or answerer_answer, "sponsor")
    answer.to_json()["index_version"], answer.to_json()["citations"][0]["replaced_by"]
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from dataclasses import replace

from retrieval.answer import STATUS_NOTES, Answer, Citation
from retrieval.changes_answer import ChangeAnswerer
from retrieval.filters import VISIBLE, check_role
from retrieval.versions import Version, Versions, short_title

# Said after a source's status note, naming the rule that replaced it (never by an id).
REPLACED = {
    "en": {"superseded": "It was replaced by \u201c{title}\u201d{number}.",
           "draft": "The rule it led to is \u201c{title}\u201d{number}.",
           "other": "[{n}] has been replaced by \u201c{title}\u201d{number}.",
           "number": " ({number})"},
    "zh": {"superseded": "取代它的是《{title}》{number}。",
           "draft": "据此制定的规定为《{title}》{number}。",
           "other": "[{n}] 已被《{title}》{number}取代。",
           "number": "（{number}）"},
}
REPLACED_FIELDS = ("doc_id", "title", "lang", "doc_number", "status", "issued", "effective")
_BY_SEARCHER: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


class VersionedAnswers:
    """One per searcher (``of``): the change answerer, and the role's versions and index
    version, read again whenever ingestion has moved the catalog on."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.changes = ChangeAnswerer(searcher)
        self._state: dict[str, tuple[tuple, Versions, str]] = {}
        self._lock = threading.Lock()

    @classmethod
    def of(cls, searcher) -> "VersionedAnswers":
        with _LOCK:
            found = _BY_SEARCHER.get(searcher)
            if found is None:
                found = _BY_SEARCHER[searcher] = cls(searcher)
            return found

    def change_answer(self, question: str, role: str) -> Answer | None:
        """The answer from the differences, finished: its text already says which text replaced which.
        An empty or over-long question is left to the search, which says what to change."""
        question = (question or "").strip()
        settings = getattr(self.searcher, "settings", None) or getattr(getattr(self.searcher, "searcher", None),
                                                                       "settings", None)
        if not question or (settings is not None and len(question) > settings.max_question_chars):
            return None
        answer = self.changes.answer(question, role)
        return None if answer is None else self.finish(answer, role, name=False)

    def finish(self, answer: Answer, role: str, name: bool = True) -> Answer:
        """The answer with each citation's replacement, the notes naming it (``name``), and the
        index version; an answer finished already (it has its index version) comes back as it is."""
        if answer.index_version:
            return answer
        versions, version = self._read(role)
        citations = [_versioned(c, versions) for c in answer.citations]
        text = _name_replacements(answer, citations) if name else answer.answer
        return replace(answer, citations=citations, answer=text, index_version=version)

    def _read(self, role: str) -> tuple[Versions, str]:
        """The role's versions and index version; read again after an ingest, and each day (a
        newer text becomes current on the day it takes effect)."""
        index = self.changes.differ.index
        stamp = (index.generation, dt.date.today().isoformat())
        with self._lock:
            known = self._state.get(role)
            if known is None or known[0] != stamp:
                access = VISIBLE[check_role(role)]
                known = self._state[role] = (stamp, self.changes.differ.versions(role), index.version(access))
            return known[1], known[2]


def _versioned(citation: Citation, versions: Versions) -> Citation:
    newer = versions.replaced_by(citation.chunk.meta.get("doc_id") or "")
    return replace(citation, replaced_by=_replacement(newer, citation.chunk.meta.get("lang")) if newer else None)


def _replacement(newer: Version, lang: str | None) -> dict:
    doc = newer.doc(lang)
    return {**{k: doc.get(k) for k in REPLACED_FIELDS}, "title": short_title(doc.get("title", ""), doc.get("lang", ""))}


def _name_replacements(answer: Answer, citations: list[Citation]) -> str:
    """After a source's superseded or draft note, the rule that replaced it; a source the chains
    found replaced although it declares itself in force gets a note of its own."""
    lang = "zh" if answer.language == "zh" else "en"
    words, text, extra = REPLACED[lang], answer.answer, []
    for c in citations:
        if not c.replaced_by or answer.abstained:
            continue
        number = words["number"].format(number=c.replaced_by["doc_number"]) if c.replaced_by.get("doc_number") else ""
        named = {"n": c.n, "title": c.replaced_by["title"], "number": number}
        status = c.chunk.meta.get("status")
        note = STATUS_NOTES[lang].get(status, "").format(n=c.n)
        if status in ("superseded", "draft") and note and note in text:
            text = text.replace(note, note + (" " if lang == "en" else "") + words[status].format(**named), 1)
        elif status not in ("superseded", "draft"):
            extra.append(words["other"].format(**named))
    if not extra:
        return text
    joiner = " " if lang == "en" else ""
    return text + ("\n\n" if "\n\n" not in text else joiner) + joiner.join(extra)
