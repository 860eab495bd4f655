"""How much of a question a piece of text covers: the question's terms weighted by idf, each
counted when the text states it or another form of the same termbase entry.

One measure serves two judgements: whether the knowledge base answers a question at all
(retrieval/answer.py, over the best clauses) and which sentence answers it (retrieval/sentences.py).

Example::

    terms = QueryTerms.of("Who approves HGR export?", retriever, forms)
    terms.share(set(tokenizer.tokens("人类遗传资源材料出境须经审批")))   # 0..1
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from iitkb.text import CJK, split_sentences
from retrieval import slots as tables
from retrieval.question import _compiled

# Words that say what kind of answer is wanted ("deadline", "who", "时限") are answered by the slot,
# not matched as words: they count this much of their idf. Chosen on the gold dev split
# (python -m evals.tune): lower lets on-topic answers through that word the slot otherwise
# ("timing varies" for "timeline"), higher lets near misses through.
SLOT_WORD_WEIGHT = 0.35
# A word the corpus never writes that names nothing: a termbase term ("PBMC") or an ordinary word
# ("paid", "应该", "弄"). Neither is a sign of a question out of scope, and no clause can be
# expected to state it; it counts this much of its idf. Names the corpus never writes ("Hong Kong",
# "台湾") count in full and lower support (evidence.STRANGER_FACTOR).
UNWRITTEN_TERM_WEIGHT = 0.35
# In a question of several sentences, the words only its statements use ("We're a US biotech
# running a phase 3 ...") set the scene; the asking sentence holds the topic. Dev split.
CONTEXT_WEIGHT = 0.5
# A Chinese token inside a longer one of the question counts this much of its idf (``_nested``).
NESTED_WEIGHT = 0.5


@dataclass
class QueryTerms:
    weights: dict[str, float]                              # token -> weight (idf, less for slot words)
    synonyms: list[tuple[frozenset[str], ...]] = field(default_factory=list)
    strangers: frozenset[str] = frozenset()    # names the corpus never writes: "Hong Kong", "台湾", "FDA"
    idf: dict[str, float] = field(default_factory=dict)
    foreign: frozenset[str] = frozenset()      # another country or regulator the question is about

    def full(self) -> "QueryTerms":
        """The same terms at their full idf. Choosing among sentences, the words that ask for the
        slot matter as much as any ("施行" picks the effective date over the amendment date);
        only judging whether the corpus answers at all do they count less."""
        return self._full

    @cached_property
    def _full(self) -> "QueryTerms":
        return QueryTerms(dict(self.idf), self.synonyms, self.strangers, self.idf, self.foreign)

    @classmethod
    def of(cls, question: str, retriever, term_forms: list[tuple[frozenset[str], ...]]) -> "QueryTerms":
        question, place = _destination(question)
        tokens = {tables.DEMONYMS.get(t, t) for t in normal(corpus_terms(question, retriever))}
        tokens |= set(retriever.tokenizer.tokens(place))
        idf = retriever.index.idf(sorted(tokens))
        slot_words = _slot_words(question, tokens, retriever.tokenizer)
        _, domain, holding = _forms_index(term_forms)
        near = sorted({i for t in tokens for i in holding.get(t, ())})
        synonyms = [term_forms[i] for i in near if any(f and f <= tokens for f in term_forms[i])]
        unknown = {t for t in tokens - slot_words if not retriever.index.knows(t)}
        strangers = frozenset(t for t in unknown - domain if _is_name(t, question, retriever.tokenizer))
        common = _common_stems(retriever.tokenizer)
        light = {t for t in unknown - strangers if t in domain or not _names_topic(t, common)} | (tokens & common)
        context = _context_only(question, retriever.tokenizer) - slot_words
        nested = _nested(tokens)
        weights = {t: idf[t] * (SLOT_WORD_WEIGHT if t in slot_words else UNWRITTEN_TERM_WEIGHT if t in light
                                or _single_chinese(t) else 1.0) * (CONTEXT_WEIGHT if t in context else 1.0)
                   * (NESTED_WEIGHT if t in nested else 1.0) for t in tokens}
        foreign = _jurisdictions(question, retriever.tokenizer)
        return cls(weights, synonyms, strangers | foreign, {t: idf[t] for t in tokens}, foreign)

    def focused(self, on: set[str] | frozenset[str], factor: float) -> "QueryTerms":
        """The same terms with those of one sub-question ``factor`` times heavier: "..., and how
        soon after approval must the trial start?" is answered by the sentence about the start,
        while the message's other words still say which rule it is about."""
        weights = {t: w * (factor if t in on else 1.0) for t, w in self.weights.items()}
        return QueryTerms(weights, self.synonyms, self.strangers, self.idf, self.foreign)

    @property
    def total(self) -> float:
        return sum(self.weights.values()) or 1.0

    def covered(self, present: set[str] | frozenset[str]) -> set[str]:
        """The terms ``present`` states: itself, all the parts of a hyphenated word ("30-day"), or
        another form of a termbase entry."""
        out = {t for t in self.weights if t in present}
        for t, parts, forms in self._indirect:
            if t not in out and ((parts and all(p in present for p in parts)) or any(f <= present for f in forms)):
                out.add(t)
        return out

    @cached_property
    def _indirect(self) -> list[tuple[str, list[str], list[frozenset[str]]]]:
        """The terms that can also be stated another way: by their hyphenated parts or a termbase form."""
        out = []
        for t in self.weights:
            parts = [p for p in t.split("-") if p] if "-" in t else []
            forms = self._forms_of.get(t, [])
            if parts or forms:
                out.append((t, parts, forms))
        return out

    @cached_property
    def _forms_of(self) -> dict[str, list[frozenset[str]]]:
        """Per term, the forms of the termbase entries it is part of (computed once per question)."""
        out: dict[str, list[frozenset[str]]] = {}
        for forms in self.synonyms:
            for t in self.weights:
                if any(t in f for f in forms):
                    out.setdefault(t, []).extend(f for f in forms if f)
        return out

    def share(self, present: set[str] | frozenset[str]) -> float:
        return sum(self.weights[t] for t in self.covered(present)) / self.total

    def share_judged(self, present: set[str] | frozenset[str]) -> float:
        """``share`` for judging whether the corpus answers at all, where a one-character Chinese
        word also counts inside a longer one: jieba cuts the colloquial "交" of "多久交一次" apart
        from the clause's "提交". Choosing sentences keeps to ``share``: there, such partial
        matches favoured the wrong sentence (gold dev split)."""
        covered = self.covered(present)
        loose = {t for t in self.weights if t not in covered and _single_chinese(t)
                 and any(t in word and len(word) > 1 for word in present)}
        return sum(self.weights[t] for t in covered | loose) / self.total

    def share_across(self, present: set[str] | frozenset[str]) -> float:
        """``share`` over the terms the termbase can carry into the other language: against a
        clause in the other language, a word with no termbase entry cannot be found, so it is
        neither held for the clause nor against it."""
        carried = [t for t in self.weights if t in self._forms_of]
        total = sum(self.weights[t] for t in carried)
        if not total:
            return 0.0
        return sum(self.weights[t] for t in self.covered(present) if t in self._forms_of) / total

    def weight(self, terms: set[str]) -> float:
        return sum(self.weights.get(t, 0.0) for t in terms) / self.total


def _nested(tokens: set[str]) -> set[str]:
    """Chinese tokens inside a longer token of the same question: jieba's search mode cuts
    "伦理委员会" into 伦理委员会, 伦理委, 委员会, 委员 and 伦理, one word counted five times."""
    chinese = [t for t in tokens if CJK.search(t)]
    return {t for t in chinese if any(t != other and t in other for other in chinese)}


def _context_only(question: str, tokenizer) -> set[str]:
    """Tokens that occur only in the question's statements, not in its asking sentence(s)."""
    sentences = split_sentences(question)
    if len(sentences) < 2:
        return set()
    asking = [s for s in sentences if s.rstrip().endswith(("?", "？", "吗", "呢"))] or sentences[-1:]
    asked = {t for s in asking for t in tokenizer.tokens(s)}
    return {t for s in sentences if s not in asking for t in tokenizer.tokens(s)} - asked


_ISO_DATE = re.compile(r"(?:19|20)\d\d-\d\d(?:-\d\d)?")


def normal(tokens) -> set[str]:
    """Tokens compared as numbers where they are numbers, and a date as its parts: "2026-05-01"
    holds the "2026" and "5" of 2026年5月."""
    out = set()
    for t in tokens:
        if not t[:1].isdigit():
            out.add(t)
        elif t.isdigit():
            out.add(t.lstrip("0") or "0")
        elif _ISO_DATE.fullmatch(t):
            out.add(t)
            out.update(p.lstrip("0") or "0" for p in t.split("-"))
        else:
            out.add(t)
    return out


def corpus_terms(question: str, retriever) -> set[str]:
    """The question's tokens as the corpus would spell them. Jieba may cut a question unlike the
    clause that answers it ("登记表单" gives 登记表 and 单是): an unknown Chinese token stands for
    the longest corpus word inside it, and an unknown fragment that is no dictionary word is
    dropped. Other unknown words (FDA, 台湾, 惠民保) stay, as the surest sign of a question the
    corpus does not cover."""
    index, tokenizer = retriever.index, retriever.tokenizer
    terms = set()
    for token in set(tokenizer.tokens(question)):
        if not CJK.search(token) and "-" in token and not index.knows(token):
            parts = tokenizer.tokens(token.replace("-", " "))   # "30-day", "innovative-drug" as the corpus writes them
            if parts and all(index.knows(p) for p in parts):
                terms.update(parts)
                continue
        if not CJK.search(token) or index.knows(token):
            terms.add(token)
            continue
        inner = [token[i:j] for i in range(len(token)) for j in range(i + 2, len(token) + 1)
                 if j - i < len(token) and index.knows(token[i:j])]
        best = max(inner, key=len) if inner else ""
        if len(best) * 3 > len(token) * 2:      # 登记表 for 登记表单, not 所得 for 所得税
            terms.add(best)
        elif len(token) > 2 or tokenizer.is_word(token):
            terms.add(token)
    return terms


_COMMON: dict[int, frozenset[str]] = {}


def _common_stems(tokenizer) -> frozenset[str]:
    if id(tokenizer) not in _COMMON:
        _COMMON[id(tokenizer)] = frozenset(tokenizer.tokens(" ".join(tables.COMMON_WORDS)))
    return _COMMON[id(tokenizer)]


def _names_topic(token: str, common: frozenset[str]) -> bool:
    """An unknown word that names what the question is about ("visa", "税率"), not one of the
    words any question has ("just", "应该")."""
    if not CJK.search(token):
        return token not in common
    return token not in tables.CHINESE_COMMON_WORDS


def _single_chinese(token: str) -> bool:
    """One Chinese character cut from a phrase (交, 算, 能) says little on its own."""
    return len(token) == 1 and bool(CJK.search(token))


def _jurisdictions(question: str, tokenizer) -> frozenset[str]:
    """Tokens of a foreign country or regulator the question is about, unless it also names China."""
    if re.search(tables.CHINA, question, re.I):
        return frozenset()
    return frozenset(t for m in re.finditer(tables.JURISDICTIONS, question) for t in tokenizer.tokens(m.group()))


def _is_name(token: str, question: str, tokenizer) -> bool:
    """A Latin word capitalised past the question's first word, or an acronym; a Chinese word
    that names a place or a body (``_chinese_name``) or a product (阿基仑赛注射液)."""
    if CJK.search(token):
        return _chinese_name(token) or bool(re.search(f"{re.escape(token)}(?:{tables.CHINESE_PRODUCT_SUFFIX})", question))
    words = re.findall(r"(?<=\S\s)[A-Z][\w-]*|\b[A-Z]{2,}[\w-]*", question)
    return any(token in tokenizer.tokens(w) for w in words)


def _chinese_name(token: str) -> bool:
    """A place or a body by its form: a country or region of the jurisdiction table, or a word
    ending as a province, city, hospital or company does (北京协和医院, 台湾地区)."""
    return bool(re.fullmatch(tables.CHINESE_NAME, token))


def _destination(question: str) -> tuple[str, str]:
    """The question without a foreign destination ("to our German lab"), and the corpus's word
    for sending something out of China when it had one."""
    for pattern, word in tables.DESTINATIONS.values():
        changed, n = re.subn(pattern, " ", question, flags=re.I)
        if n:
            return changed, word
    return question, ""


def _slot_words(question: str, tokens: set[str], tokenizer) -> set[str]:
    """The question's tokens inside the phrases by which it asks for its slot, and its hedges and
    status words ("estimated", "current", "目前"). Matched on the question's own tokens: a phrase
    cut out and tokenized alone ("几名") may tokenize differently."""
    patterns = [p for slot in tables.SLOT_ORDER for code in ("zh", "en") for p in tables.ASKS[slot][code]]
    spans = [m.group().lower() for p in patterns + tables.HEDGES + tables.ASKS_META   # one by one: spans overlap
             for m in _compiled((p,)).finditer(question)]
    latin = {t for span in spans for t in tokenizer.tokens(span) if not CJK.search(t)}
    return {t for t in tokens if t in latin or (CJK.search(t) and any(t in span or span in t for span in spans))}


_FORM_INDEXES: dict[int, tuple] = {}     # id(term_forms) -> (term_forms, domain, token -> entries)


def _forms_index(term_forms: list[tuple[frozenset[str], ...]]) -> tuple:
    """The termbase's tokens, and per token the entries whose forms hold it, made once per
    ``term_forms`` list (a Planner's): scanning all ~3,500 entries took 2-3 ms of every answer.
    The entry keeps the list itself, so its id cannot be reused while cached."""
    entry = _FORM_INDEXES.get(id(term_forms))
    if entry is None or entry[0] is not term_forms:
        holding: dict[str, set[int]] = {}
        for i, forms in enumerate(term_forms):
            for form in forms:
                for token in form:
                    holding.setdefault(token, set()).add(i)
        if len(_FORM_INDEXES) >= 8:        # tests build many Planners; a server one
            _FORM_INDEXES.clear()
        entry = _FORM_INDEXES[id(term_forms)] = (term_forms, frozenset(holding), holding)
    return entry


def term_forms(retriever) -> list[tuple[frozenset[str], ...]]:
    """The termbase's entries and the everyday synonyms (slots.EVERYDAY_SYNONYMS), each as the
    token sets of its forms."""
    tokens = retriever.tokenizer.tokens
    entries = [term.forms for term in retriever.glossary.terms] + list(tables.EVERYDAY_SYNONYMS)
    return [tuple(frozenset(tokens(f)) for f in forms) for forms in entries]


# A termbase entry whose note puts it outside the corpus's scope (foreign regulators such as FDA
# and EMA): a question about one is answered only by a clause that names it.
OUT_OF_SCOPE_NOTE = re.compile(r"outside the scope|not covered|不在.{0,6}范围", re.I)


def out_of_scope_forms(retriever) -> list[tuple[frozenset[str], ...]]:
    tokens = retriever.tokenizer.tokens
    return [tuple(frozenset(tokens(f)) for f in term.forms) for term in retriever.glossary.terms
            if OUT_OF_SCOPE_NOTE.search(term.note or "")]
