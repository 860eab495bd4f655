"""Cited answers in the question's language, extractive by default, generative when configured.

The offline answer is made only of sentences from the retrieved clauses, each followed by [n];
citation n names the document, its number, the clause and page, its status, and quotes the
sentences used. When the evidence is too weak the answer abstains and says so, instead of filling
the gap. When the best clause is in the other language, its paired clause in the question's
language is quoted, and the answer says that it did so.

Example::

    answerer = Answerer(load_settings())
    answer = answerer.ask("Do I need HGR approval to ship samples abroad?", role="sponsor")
    print(answer.answer)            # sentences with [1] [2]
    print(answer.to_json())         # the DESIGN.md object
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator

from retrieval.filters import Filters
from iitkb.schema import Chunk, ScoredChunk
from retrieval.search import SearchResult, Searcher
from iitkb.settings import Settings
from iitkb.text import detect_lang, split_sentences

MAX_SENTENCES = 4
MAX_PER_CHUNK = 2
CANDIDATE_CHUNKS = 6
HEADER_WEIGHT = 0.6
# Chosen by `python -m evals.tune` on the gold dev split (README, "The numbers"): the best F1 at
# abstaining on unanswerable questions among floors that keep at least 90% of answerable ones.
DEFAULT_MIN_SUPPORT = 0.56
_CJK = re.compile(r"[\u4e00-\u9fff]")

CITATION_FIELDS = ("source_id", "doc_id", "title", "lang", "doc_type", "access", "status", "issuer",
                   "doc_number", "section", "page", "path")
STATUS_NOTES = {
    "en": {"draft": "[{n}] is a draft, not a rule in force.",
           "superseded": "[{n}] has been superseded; check the rule that replaced it.",
           "not_yet_in_force": "[{n}] is not yet in force."},
    "zh": {"draft": "[{n}] 为草案或征求意见稿，并非现行规定。",
           "superseded": "[{n}] 已被取代，请以取代它的现行规定为准。",
           "not_yet_in_force": "[{n}] 尚未施行。"},
}
ABSTAIN = {"en": "The knowledge base does not cover this question.",
           "zh": "知识库中没有能回答这个问题的内容。"}
NEAREST = {"en": "Nearest topics it does cover: {topics}.", "zh": "知识库中相近的主题：{topics}。"}
PAIR_NOTE = {"en": "[{n}] quotes the English version of a matching clause found in the Chinese document.",
             "zh": "[{n}] 引用的是英文文件中匹配条款对应的中文版本。"}
OTHER_LANG_NOTE = {"en": "[{n}] is quoted in Chinese: the knowledge base has no English version of it.",
                   "zh": "[{n}] 以英文引用：知识库中没有该条款的中文版本。"}


@dataclass
class Citation:
    n: int
    chunk: Chunk
    quote: str
    counterpart_of: Chunk | None = None     # the retrieved clause this quote stands in for

    def to_json(self) -> dict:
        data = {"n": self.n, **{k: self.chunk.meta.get(k) for k in CITATION_FIELDS}, "quote": self.quote}
        data["counterpart_of"] = None if self.counterpart_of is None else {
            k: self.counterpart_of.meta.get(k) for k in ("doc_id", "lang", "section")}
        return data


@dataclass
class Answer:
    question: str
    role: str
    language: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    id: str | None = None
    latency_ms: float = 0.0
    mode: str = "extractive"
    unsupported: list[str] = field(default_factory=list)   # generated sentences that failed the check
    error: str | None = None

    def to_json(self) -> dict:
        data = {"id": self.id, "question": self.question, "role": self.role, "language": self.language,
                "answer": self.answer, "abstained": self.abstained,
                "citations": [c.to_json() for c in self.citations], "latency_ms": round(self.latency_ms, 1),
                "mode": self.mode}
        if self.unsupported:
            data["unsupported"] = self.unsupported
        if self.error:
            data["error"] = self.error
        return data


@dataclass
class Evidence:
    """A clause chosen for the answer, in the question's language when a pair exists."""

    chunk: Chunk
    rank: int
    counterpart_of: Chunk | None


class Answerer:
    def __init__(self, settings: Settings, searcher: Searcher | None = None, generator=None):
        self.settings = settings
        self.searcher = searcher or Searcher(settings)
        self.min_support = settings.abstain_threshold or DEFAULT_MIN_SUPPORT
        if generator is None and settings.llm_url:
            from retrieval.llm import Generator

            generator = Generator(settings)
        self.generator = generator

    def ask(self, question: str, role: str = "sponsor", id: str | None = None,
            filters: Filters | None = None) -> Answer:
        answer = None
        for answer in self.stream(question, role, id, filters):
            pass
        return answer

    def stream(self, question: str, role: str = "sponsor", id: str | None = None,
               filters: Filters | None = None) -> Iterator[str | Answer]:
        """Partial answer texts while a model writes, then the checked ``Answer`` last."""
        started = time.perf_counter()
        language = detect_lang(question)
        result = self.searcher.search(question, role=role, k=CANDIDATE_CHUNKS, filters=filters)
        answer = None
        if self.support(question, result) < self.min_support:
            answer = self._abstain(question, role, language, result)
        elif self.generator is not None:
            answer = yield from self._generate(question, role, language, result)
        if answer is None:
            answer = self._extract(question, role, language, result)
        answer.id = id
        answer.latency_ms = (time.perf_counter() - started) * 1000
        yield answer

    # evidence -----------------------------------------------------------------------------
    def support(self, question: str, result: SearchResult) -> float:
        """How well the best clauses cover the question's weighted terms (0..1)."""
        if not result.hits:
            return 0.0
        query_tokens = self._query_terms(question)
        idf = self.searcher.index.idf(sorted(query_tokens))
        weight = sum(idf[t] for t in query_tokens) or 1.0
        synonyms = self._termbase_forms(query_tokens)
        present_by_doc: dict[str, set[str]] = {}
        for hit in result.hits[:3]:       # a clause and its document's header support together
            present = present_by_doc.setdefault(hit.chunk.meta["doc_id"], set())
            for chunk in [hit.chunk] + ([hit.counterpart] if hit.counterpart else []):
                present |= set(self.searcher.tokenizer.tokens(
                    f"{chunk.meta.get('title', '')} {chunk.meta.get('section', '')} {chunk.text}"))
        best = 0.0
        for present in present_by_doc.values():
            covered = sum(idf[t] for t in query_tokens if t in present
                          # a term the clause states in another form of the same termbase entry
                          or any(any(t in f for f in forms) and any(f and f <= present for f in forms)
                                 for forms in synonyms))
            best = max(best, covered / weight)
        semantic = max(0.0, (result.best_dense - 0.78) / 0.12)
        return min(1.0, 0.7 * best + 0.3 * min(1.0, semantic))

    def _query_terms(self, question: str) -> set[str]:
        """The question's tokens as the corpus would spell them. Jieba may cut a question unlike the
        clause that answers it ("登记表单" gives 登记表 and 单是): an unknown Chinese token stands for
        the longest corpus word inside it, and an unknown fragment that is no dictionary word is
        dropped. Other unknown words (FDA, 台湾, 惠民保) stay, as the surest sign of a question the
        corpus does not cover."""
        index, tokenizer = self.searcher.index, self.searcher.tokenizer
        terms = set()
        for token in set(tokenizer.tokens(question)):
            if not _CJK.search(token) or index.knows(token):
                terms.add(token)
                continue
            inner = [token[i:j] for i in range(len(token)) for j in range(i + 2, len(token) + 1)
                     if j - i < len(token) and index.knows(token[i:j])]
            if inner:
                terms.add(max(inner, key=len))
            elif len(token) > 2 or tokenizer.is_word(token):
                terms.add(token)
        return terms

    def _termbase_forms(self, query_tokens: set[str]) -> list[tuple[frozenset[str], ...]]:
        """The token sets of each form of every termbase entry the question mentions (matched on
        stemmed tokens, so "resource" finds "human genetic resources"). A question's "FDA" is then
        covered by a clause that says "US Food and Drug Administration", and by nothing else."""
        return [forms for forms in self._term_forms if any(f and f <= query_tokens for f in forms)]

    @cached_property
    def _term_forms(self) -> list[tuple[frozenset[str], ...]]:
        tokens = self.searcher.tokenizer.tokens
        return [tuple(frozenset(tokens(f)) for f in term.forms) for term in self.searcher.glossary.terms]

    def evidence(self, hits: list[ScoredChunk], language: str) -> list[Evidence]:
        chosen: list[Evidence] = []
        seen: set[str] = set()
        for rank, hit in enumerate(hits):
            chunk, original = hit.chunk, None
            if chunk.meta["lang"] != language and hit.counterpart is not None:
                chunk, original = hit.counterpart, hit.chunk
            if chunk.id in seen:
                continue
            seen.add(chunk.id)
            chosen.append(Evidence(chunk, rank, original))
        return chosen

    # composition --------------------------------------------------------------------------
    def _extract(self, question: str, role: str, language: str, result: SearchResult) -> Answer:
        evidence = self.evidence(result.hits, language)
        picked = self._pick_sentences(question, result, evidence)
        if not picked:
            return self._abstain(question, role, language, result)
        return self._assemble(question, role, language, [(s, [ev]) for _, ev, _, s in picked])

    def _generate(self, question: str, role: str, language: str, result: SearchResult):
        """Stream the model's text, then keep only what the sources support (None: fall back)."""
        from retrieval.llm import GeneratorError, verify

        evidence = self.evidence(result.hits, language)
        text = ""
        try:
            for delta in self.generator.stream(question, language, evidence):
                text += delta
                yield text
        except GeneratorError as exc:
            answer = self._extract(question, role, language, result)
            answer.error = f"{exc}; answered extractively instead"
            return answer
        kept, dropped = verify(text, evidence, self.searcher.tokenizer.tokens)
        if not kept:
            answer = self._extract(question, role, language, result)
            answer.unsupported = dropped
            return answer
        claims = [(claim, [evidence[n - 1] for n in cited]) for claim, cited in kept]
        answer = self._assemble(question, role, language, claims, quote_claims=False)
        answer.mode, answer.unsupported = "generative", dropped
        return answer

    def _pick_sentences(self, question: str, result: SearchResult, evidence: list[Evidence]):
        tokens = self.searcher.tokenizer.tokens(" ".join([question, *result.expansions]))
        idf = self.searcher.index.idf(sorted(set(tokens)))
        scored = []
        for ev in evidence:
            for position, sentence in enumerate(split_sentences(ev.chunk.text)):
                if _is_heading(sentence, ev.chunk) or _too_short(sentence):
                    continue
                words = set(self.searcher.tokenizer.tokens(sentence))
                overlap = sum(idf.get(t, 0.0) for t in set(tokens) if t in words)
                score = overlap / math.sqrt(max(len(words), 4)) + 1.5 / (1 + ev.rank)
                if ev.chunk.meta.get("section_key") == "head":
                    score *= HEADER_WEIGHT   # a document's own summary of itself, not its clauses
                scored.append((score, ev, position, sentence))
        scored.sort(key=lambda item: -item[0])
        picked, per_chunk, kept = [], {}, []
        for score, ev, position, sentence in scored:
            if len(picked) == MAX_SENTENCES:
                break
            if per_chunk.get(ev.chunk.id, 0) >= MAX_PER_CHUNK or _near_duplicate(sentence, kept):
                continue
            if picked and score < 0.35 * picked[0][0]:
                break
            per_chunk[ev.chunk.id] = per_chunk.get(ev.chunk.id, 0) + 1
            kept.append(sentence)
            picked.append((score, ev, position, sentence))
        picked.sort(key=lambda item: (item[1].rank, item[2]))
        return picked

    def _assemble(self, question: str, role: str, language: str,
                  sentences: list[tuple[str, list[Evidence]]], quote_claims: bool = True) -> Answer:
        """Number the cited clauses in order of use; quote what each one contributed.

        Extractive sentences are their own quotes; a generated claim is quoted by the clause
        sentence closest to it, so a reader can check the claim against the source's words."""
        citations: dict[str, Citation] = {}
        quotes: dict[str, list[str]] = {}
        parts = []
        for sentence, cited in sentences:
            numbers = []
            for ev in cited:
                if ev.chunk.id not in citations:
                    citations[ev.chunk.id] = Citation(len(citations) + 1, ev.chunk, "", ev.counterpart_of)
                numbers.append(citations[ev.chunk.id].n)
                quote = sentence if quote_claims else _closest_sentence(sentence, ev.chunk.text)
                if quote not in quotes.setdefault(ev.chunk.id, []):
                    quotes[ev.chunk.id].append(quote)
            marker = "".join(f"[{n}]" for n in numbers)
            parts.append(f"{sentence} {marker}" if language == "en" else f"{sentence}{marker}")
        for chunk_id, citation in citations.items():
            citation.quote = (" " if language == "en" else "").join(quotes[chunk_id])
        joiner = " " if language == "en" else ""
        notes = self._notes(language, list(citations.values()))
        text = joiner.join(parts) + ("\n\n" + joiner.join(notes) if notes else "")
        return Answer(question, role, language, text, False, list(citations.values()))

    @staticmethod
    def _notes(language: str, citations: list[Citation]) -> list[str]:
        notes = []
        for c in citations:
            status_note = STATUS_NOTES[language].get(c.chunk.meta.get("status"))
            if status_note:
                notes.append(status_note.format(n=c.n))
            if c.counterpart_of is not None:
                notes.append(PAIR_NOTE[language].format(n=c.n))
            elif c.chunk.meta.get("lang") != language:
                notes.append(OTHER_LANG_NOTE[language].format(n=c.n))
        return notes

    @staticmethod
    def _abstain(question: str, role: str, language: str, result: SearchResult) -> Answer:
        titles = []
        for hit in result.hits:
            chunk = hit.counterpart if hit.counterpart is not None and hit.chunk.meta["lang"] != language \
                else hit.chunk
            if chunk.meta["title"] not in titles:
                titles.append(chunk.meta["title"])
        text = ABSTAIN[language]
        if titles:
            sep = "; " if language == "en" else "；"
            text += (" " if language == "en" else "") + NEAREST[language].format(topics=sep.join(titles[:3]))
        return Answer(question, role, language, text, True, [])


def _is_heading(sentence: str, chunk: Chunk) -> bool:
    """The clause's own title line carries no claim worth quoting."""
    stripped = sentence.strip()
    titles = f"{chunk.meta.get('section', '')} > {chunk.meta.get('context', '')}"
    return stripped in titles or (not re.search(r"[。！？；.!?;:：]$", stripped) and len(stripped) < 40)


def _too_short(sentence: str) -> bool:
    """"Yes." or "不得收费。" alone says too little to stand as a cited statement."""
    return len(re.findall(r"[\u4e00-\u9fff]", sentence)) < 8 and len(sentence.split()) < 5


def _closest_sentence(claim: str, text: str) -> str:
    grams = _bigrams(claim)
    return max(split_sentences(text), key=lambda s: len(grams & _bigrams(s)), default=text)


def _near_duplicate(sentence: str, kept: list[str]) -> bool:
    grams = _bigrams(sentence)
    return any(len(grams & _bigrams(other)) / max(1, len(grams | _bigrams(other))) > 0.7 for other in kept)


def _bigrams(text: str) -> set[str]:
    compact = re.sub(r"\s+", "", text.lower())
    return {compact[i:i + 2] for i in range(len(compact) - 1)}
