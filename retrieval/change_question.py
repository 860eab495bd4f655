"""Is a question about what changed between two versions, and which two does it mean?

"2016年和2023年伦理审查办法有什么区别？" names two years and a rule by its words; "What changed
in the IIT measures compared with the pilot?" names one rule and leaves the other version to its
chain. Both are read against the documents the asker may see: each candidate is scored by the
question words its title and source_id share, two years must each find a document, and a pair
that the version chains link (or whose titles agree) wins over a chance match.

Example::

    reader = VersionQuestion(searcher.tokenizer, searcher.glossary)
    asked = reader.read("What changed between the 2021 IIT pilot and the 2024 measures?", docs, versions)
    asked.old["doc_id"], asked.new["doc_id"]       # nhc-iit-2021-en, nhc-iit-2024-en
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from iitkb.text import detect_lang, has_cjk
from retrieval.align import dice, features
from retrieval.versions import Versions, rule_key

CUES = re.compile(r"\bwhat(?:'s| has| have)? changed?\b|\bwhat (?:are|is) the (?:main )?(?:changes?|differences?|"
                  r"new)\b|\bdiffer(?:ence|ences|s)?\b|\bcompared? (?:to|with)\b|\bcomparison\b|\bversus\b|"
                  r"\bvs\.?\s|\bchanges? (?:between|from|in the (?:new|\d{4}))\b|"
                  r"区别|不同|变化|变更|差异|改变|改动|修改了|修订了|相比|相较|对比|比较|新旧|有何变动|调整了哪些", re.I)
# Words asking for the previous or the new text of one rule, when the question names no years.
VERSION_WORDS = re.compile(r"\b(?:old|new|previous|earlier|former|prior|pilot|trial|draft|final|current|revised)"
                           r"\b|旧|新版|原(?:版|办法|规定|条例)|此前|以前|试行|试点|征求意见稿|草案|正式|现行|修订", re.I)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
# What frames a comparison without naming its topic: years with their 年/版, "between".
_FRAME = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)\s*(?:年版|年|版)?|\b(?:between|compared|versus|since)\b", re.I)
# Score of a pair the version chains link, beside the question words each side matches (a link is
# worth more than any one shared word, so "the pilot" pairs with its own successor).
LINK_BONUS = 2.0
# Question words a rule's title and source_id must share with a question that names one rule
# only (with one year, or "the pilot"): one shared word ("approving") is a chance match.
MIN_NAMING_WORDS = 2
# Weight of the two titles' likeness (Dice of their words): unlinked successors such as the 2016
# and 2023 ethics measures share most of their title.
TITLE_WEIGHT = 1.0


@dataclass
class AskedVersions:
    old: dict                 # document metadata, the older version
    new: dict
    topic: set[str]           # question tokens that name neither document: what the asker cares about
    lang: str


class VersionQuestion:
    def __init__(self, tokenizer, glossary=None):
        self.tokenizer = tokenizer
        self.glossary = glossary

    @staticmethod
    def is_change_question(question: str) -> bool:
        return bool(CUES.search(question or ""))

    def read(self, question: str, docs: list[dict], versions: Versions) -> AskedVersions | None:
        """The two versions a change question compares, or None (not such a question, or not
        two versions the asker may see)."""
        if not self.is_change_question(question):
            return None
        lang = detect_lang(question)
        words = self._tokens(question)
        chosen = self._docs_in(lang, docs)
        years = list(dict.fromkeys(_YEAR.findall(question)))
        pair = self._by_years(years, words, chosen, versions) if len(years) >= 2 else None
        pair = pair or self._by_chain(question, years, words, chosen, versions)
        if pair is None:
            return None
        old, new = sorted(pair, key=lambda d: (versions.version(d["doc_id"]).date, d["doc_id"]))
        return AskedVersions(old, new, self._topic(question, old, new), lang)

    # reading ------------------------------------------------------------------------------
    def _tokens(self, text: str) -> set[str]:
        expansions = self.glossary.expand(text) if self.glossary is not None else []
        return tokens(self.tokenizer, " ".join([text, *expansions]))

    def _topic(self, question: str, old: dict, new: dict) -> set[str]:
        """The question's words once the change cue, the version words, the years and the words
        naming the two documents are set aside: "registration of studies" -> {registr, studi}."""
        rest = _FRAME.sub(" ", VERSION_WORDS.sub(" ", CUES.sub(" ", question)))
        titles = f"{old.get('title', '')} {new.get('title', '')}"
        words = {w for w in tokens(self.tokenizer, rest) if not (has_cjk(w) and (len(w) == 1 or w in titles))}          # jieba may cut a title otherwise
        return words - self._describe(old) - self._describe(new)

    def _describe(self, doc: dict) -> set[str]:
        """What names a document: its title's words and its source_id's parts."""
        return tokens(self.tokenizer, f"{doc.get('title', '')} {doc['source_id'].replace('-', ' ')}")

    def _score(self, doc: dict, words: set[str]) -> int:
        return len(self._describe(doc) & words)

    @staticmethod
    def _docs_in(lang: str, docs: list[dict]) -> list[dict]:
        """One document per rule, in the question's language where the rule has it."""
        by_source: dict[str, dict] = {}
        for doc in sorted(docs, key=lambda d: (d.get("lang") != lang, d["doc_id"])):
            by_source.setdefault(doc["source_id"], doc)
        return list(by_source.values())

    def _by_years(self, years, words, docs, versions: Versions):
        best, best_score = None, 0.0
        first = [d for d in docs if years[0] in _years_of(d, versions)]
        second = [d for d in docs if years[1] in _years_of(d, versions)]
        for a in first:
            for b in second:
                if a["source_id"] == b["source_id"]:
                    continue
                linked = versions.linked(a["doc_id"], b["doc_id"])
                sa, sb = self._score(a, words), self._score(b, words)
                if not linked and not (sa and sb):
                    continue
                score = sa + sb + (LINK_BONUS if linked else 0.0) + TITLE_WEIGHT * _title_likeness(a, b)
                if score > best_score:
                    best, best_score = (a, b), score
        return best

    def _by_chain(self, question, years, words, docs, versions: Versions):
        """One rule named (with one year, or with words such as "pilot" or 旧版): it and the
        version next to it in its chain."""
        if not years and not VERSION_WORDS.search(question):
            return None
        chained = [d for d in docs if len(_chain_of(d, versions)) > 1
                   and (not years or years[0] in _years_of(d, versions))]
        scored = sorted(((self._score(d, words), d["doc_id"], d) for d in chained), key=lambda x: (-x[0], x[1]))
        if not scored or scored[0][0] < MIN_NAMING_WORDS:
            return None
        doc = scored[0][2]
        chain, version = versions.chain(doc["doc_id"]), versions.version(doc["doc_id"])
        if version is chain.current or (not years and chain.previous(version)):
            other = chain.previous(version)
        else:
            other = chain.current
        return doc, other.doc(doc.get("lang"))


def tokens(tokenizer, text: str) -> set[str]:
    """The tokenizer's tokens, a hyphenated word also by its parts ("30-day" meets "30 working days")."""
    out = set(tokenizer.tokens(text))
    for token in [t for t in out if "-" in t]:
        out.update(tokenizer.tokens(token.replace("-", " ")))
    return out


def _chain_of(doc: dict, versions: Versions) -> list:
    chain = versions.chain(doc["doc_id"])
    return chain.versions if chain else []


def _years_of(doc: dict, versions: Versions) -> set[str]:
    version = versions.version(doc["doc_id"])
    return set(_YEAR.findall(f"{doc['source_id']} {doc.get('issued', '')} {doc.get('effective', '')} "
                             f"{version.date if version else ''}"))


def _title_likeness(a: dict, b: dict) -> float:
    if rule_key(a.get("title", ""), a.get("lang", "")) == rule_key(b.get("title", ""), b.get("lang", "")):
        return 1.0
    return dice(features(a.get("title", "")), features(b.get("title", "")))
