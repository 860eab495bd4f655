"""Answers to questions about change ("2016年和2023年伦理审查办法有什么区别？"), made from the
differences between the two versions and citing both.

The question is read by ``change_question.VersionQuestion`` (which two versions, and what topic);
the two documents are compared by ``retrieval.diff``; the answer names the two texts, then gives
the differences that concern the topic (or, for a question with no topic, those that show both
versions), each quoting the clause it comes from, numbered [n] as every answer is. It returns
``None`` for a question that is not about change, so a caller can fall back to ``Answerer``.

Example::

    changes = ChangeAnswerer(searcher)
    answer = changes.answer("What changed between the 2021 IIT pilot and the 2024 measures?", role="sponsor")
    answer.to_json() if answer else answerer.ask(...).to_json()     # the ask JSON shape either way
"""

from __future__ import annotations

import re
import time

from iitkb.schema import Chunk
from iitkb.text import split_sentences
from retrieval.align import Clause
from retrieval.answer import Answer, Citation
from retrieval.change_question import AskedVersions, VersionQuestion, tokens
from retrieval.diff import Change, Differ, DocDiff
from retrieval.versions import doc_year
from retrieval.wording import edits

_SENTENCE_END = re.compile(r"[。！？；.!?;:：”\"）)]$")
# Differences an answer quotes: enough to show what moved on a topic, few enough to read at once.
MAX_CHANGES = 4
# A topic word in a clause's heading counts this many times one in its text: the clause is about it.
HEADING_WEIGHT = 2.0
# A clause's opening sentence states its rule and later ones elaborate ("In hospital practice ..."):
# a later sentence is quoted instead only when it holds this many more of the topic's words and one
# (with no topic, the words the new version changed choose, as before).
OPENING_BONUS = 1
# Order of differences when the question names no topic: pairs show both versions' words.
KIND_ORDER = {"changed": 0, "moved": 0, "added": 1, "removed": 2}
TEXT = {
    "en": {"linked": "The {new_name} ({new_title}) [{n_new}] replaced the {old_name} ({old_title}) [{n_old}].",
           "unlinked": "Compared here: the {old_name} ({old_title}) [{n_old}] and the {new_name} ({new_title}) "
                       "[{n_new}].",
           "added": "Added in the {new_name}, {label}: \u201c{quote}\u201d [{n}]",
           "removed": "Only in the {old_name}, {label}: \u201c{quote}\u201d [{n}]",
           "pair": "{label}: the {new_name} says \u201c{new_quote}\u201d [{n_new}]; "
                   "the {old_name} said \u201c{old_quote}\u201d [{n_old}]",
           "counts": "In all: {changed} clause(s) changed, {moved} moved, {added} added and {removed} removed.",
           "none": "The two texts read the same clause for clause.",
           "name": "{year} text", "older": "older text", "newer": "newer text",
           "superseded": "{ns} cite(s) the {old_name}, which has been superseded: the {new_name} [{m}] replaced it.",
           "draft": "{ns} cite(s) the {old_name}, a draft, not a rule in force."},
    "zh": {"linked": "{new_name}（{new_title}）[{n_new}]取代了{old_name}（{old_title}）[{n_old}]。",
           "unlinked": "以下对比{old_name}（{old_title}）[{n_old}]与{new_name}（{new_title}）[{n_new}]。",
           "added": "{new_name}新增{label}：\u201c{quote}\u201d[{n}]",
           "removed": "仅见于{old_name}的{label}：\u201c{quote}\u201d[{n}]",
           "pair": "{label}：{new_name}为\u201c{new_quote}\u201d[{n_new}]；{old_name}为\u201c{old_quote}\u201d[{n_old}]",
           "counts": "两版共有{changed}处修改、{moved}处移动、{added}处新增、{removed}处删除。",
           "none": "两版各条款内容相同。",
           "name": "{year}年版", "older": "旧版", "newer": "新版",
           "superseded": "{ns}引自{old_name}，该版已被取代：{new_name}[{m}]取代了它。",
           "draft": "{ns}引自{old_name}，该版为草案或征求意见稿，并非现行规定。"},
}


class ChangeAnswerer:
    """Built on the searcher the answers use: its tokenizer and termbase read the question, its
    index holds the two versions."""

    def __init__(self, searcher, differ: Differ | None = None):
        self.searcher = searcher
        self.differ = differ or Differ(searcher.index)
        self.reader = VersionQuestion(searcher.tokenizer, getattr(searcher, "glossary", None))

    def answer(self, question: str, role: str = "sponsor", id: str | None = None) -> Answer | None:
        """The cited answer to a question about change, or None when it is not one."""
        started = time.perf_counter()
        asked = self.asked(question, role)
        if asked is None:
            return None
        diff = self.differ.diff(asked.old["doc_id"], asked.new["doc_id"], role=role, lang=asked.old["lang"])
        answer = _Writer(self, asked, diff).answer(question, role)
        answer.id = id
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def asked(self, question: str, role: str) -> AskedVersions | None:
        if not self.reader.is_change_question(question):
            return None
        return self.reader.read(question, self.differ.documents(role), self.differ.versions(role))

    def tokens(self, text: str) -> set[str]:
        return tokens(self.searcher.tokenizer, text)


class _Writer:
    """One answer: numbers citations in order of use and writes the sentences."""

    def __init__(self, owner: ChangeAnswerer, asked: AskedVersions, diff: DocDiff):
        self.owner, self.asked, self.diff = owner, asked, diff
        self.words = TEXT["zh" if asked.lang == "zh" else "en"]
        self.citations: dict[str, Citation] = {}
        self.chunks = {side: owner.differ.index.document_chunks(d["doc_id"]) for side, d in
                       (("old", diff.old), ("new", diff.new))}
        years = {"old": doc_year(diff.old), "new": doc_year(diff.new)}
        plain = not all(years.values()) or years["old"] == years["new"]
        self.names = {side: self.words[side + "er"] if plain else self.words["name"].format(year=year)
                      for side, year in years.items()}

    def answer(self, question: str, role: str) -> Answer:
        """With a topic ("on renewed consent"), the difference on it comes first: it is what was
        asked; the sentence naming the two texts follows. Without one, that sentence leads."""
        chosen, lead = self._chosen()
        first = [self._line(lead)] if lead else []
        lines = first + [self._intro()]
        lines += [self._line(change) for change in chosen if change is not lead] or ([] if lead else [self.words["none"]])
        counts = self.diff.counts()
        lines.append(self.words["counts"].format(**counts))
        notes = self._notes()
        text = "\n".join(lines) + ("\n\n" + (" " if self.asked.lang == "en" else "").join(notes) if notes else "")
        return Answer(question, role, self.asked.lang, text, False, list(self.citations.values()))

    # what to say --------------------------------------------------------------------------
    def _chosen(self) -> tuple[list[Change], Change | None]:
        """The differences on the question's topic, best first (ties in reading order), or, with
        no topic in common, those showing both versions first; then put back in reading order.
        Also the best one on the topic (None: no difference shares a topic word)."""
        idf = self.owner.searcher.index.idf(sorted(self.asked.topic)) if self.asked.topic else {}
        ranked = []
        for position, change in enumerate(self.diff.changes):
            if "head" in (getattr(change.old, "key", ""), getattr(change.new, "key", "")):
                continue
            sides = [c for c in (change.old, change.new) if c is not None]
            text = self.owner.tokens(" ".join(c.text for c in sides))
            heading = self.owner.tokens(" ".join(c.label for c in sides))
            score = sum(idf.get(t, 0.0) * (1 + HEADING_WEIGHT * (t in heading)) for t in self.asked.topic & text)
            ranked.append((-score, KIND_ORDER[change.kind], position, change))
        ranked.sort(key=lambda r: r[:3])
        lead = ranked[0][3] if ranked and ranked[0][0] < 0 else None
        if lead:
            ranked = [r for r in ranked if r[0] < 0]
        return [r[3] for r in sorted(ranked[:MAX_CHANGES], key=lambda r: r[2])], lead

    def _intro(self) -> str:
        old, new = self.diff.old, self.diff.new
        n_old = self._cite("old", self.chunks["old"][0], None)
        n_new = self._cite("new", self.chunks["new"][0], None)
        template = "linked" if self.diff.linked else "unlinked"
        return self.words[template].format(old_name=self.names["old"], new_name=self.names["new"], n_old=n_old,
                                           n_new=n_new, old_title=_named(old), new_title=_named(new))

    def _line(self, change: Change) -> str:
        focus = self.asked.topic
        removed = {t for old, _ in edits(change.words) for t in self.owner.tokens(old)}
        added = {t for _, new in edits(change.words) for t in self.owner.tokens(new)}
        names = {"old_name": self.names["old"], "new_name": self.names["new"]}
        if change.kind == "added":
            quote, n = self._quoted("new", change.new, focus)
            return self.words["added"].format(label=change.new.label, quote=quote, n=n, **names)
        if change.kind == "removed":
            quote, n = self._quoted("old", change.old, focus)
            return self.words["removed"].format(label=change.old.label, quote=quote, n=n, **names)
        new_quote, n_new = self._quoted("new", change.new, focus, added)      # what holds now comes first
        old_quote, n_old = self._quoted("old", change.old, focus, removed)
        return self.words["pair"].format(label=change.new.label, old_quote=old_quote, new_quote=new_quote,
                                         n_old=n_old, n_new=n_new, **names)

    def _notes(self) -> list[str]:
        """One note on the old version when it is a draft or superseded, naming all its [n]."""
        cited = [c.n for c in self.citations.values() if c.chunk.meta["doc_id"] == self.diff.old["doc_id"]]
        status = self.diff.old.get("status")
        if status == "superseded" or (status in ("in_force", "trial") and self.diff.linked):
            template = "superseded"
        elif status == "draft":
            template = "draft"
        else:
            return []
        first_new = min(c.n for c in self.citations.values() if c.chunk.meta["doc_id"] == self.diff.new["doc_id"])
        return [self.words[template].format(ns="".join(f"[{n}]" for n in cited), m=first_new,
                                            old_name=self.names["old"], new_name=self.names["new"])]

    # quotes and citations ----------------------------------------------------------------
    def _quoted(self, side: str, clause: Clause, focus: set[str], edited: frozenset = frozenset()) -> tuple[str, int]:
        """The clause's sentence with most of the focus words (the question's topic), then most
        of the ``edited`` words (what the new version changed), else its first."""
        sentences = _statements(clause.text, clause.label)
        best = max(sentences, key=lambda s: (len(focus & self.owner.tokens(s)) + OPENING_BONUS * (bool(focus) and s == sentences[0]),
                                             len(edited & self.owner.tokens(s)), -sentences.index(s)))
        chunk = next((c for c in self.chunks[side] if best in c.text and c.meta.get("section_key") == clause.key),
                     clause.chunk)
        return best, self._cite(side, chunk, best)

    def _cite(self, side: str, chunk: Chunk, quote: str | None) -> int:
        if quote is None:
            quote = _statements(chunk.text, chunk.meta.get("section") or "")[0]
        citation = self.citations.get(chunk.id)
        if citation is None:
            citation = self.citations[chunk.id] = Citation(len(self.citations) + 1, chunk, quote)
        elif quote not in citation.quote:
            citation.quote += (" " if self.asked.lang == "en" else "") + quote
        return citation.n


def _statements(text: str, label: str) -> list[str]:
    """The sentences worth quoting: not the heading ("Article 1 Purpose and legal basis"), which
    is the label or a line with no sentence end; the whole text when nothing else is left."""
    sentences = [s for s in split_sentences(text) if s.strip() not in label]
    return [s for s in sentences if _SENTENCE_END.search(s.strip())] or sentences or [text]


def _named(doc: dict) -> str:
    """The title and number a reader looks the text up by."""
    parts = [p for p in (doc.get("title"), doc.get("doc_number")) if p]
    return ("，" if doc.get("lang") == "zh" else ", ").join(parts)
