"""Cited answers in the question's language, extractive by default, generative when configured.

The offline answer is made only of sentences from the retrieved clauses, each followed by [n];
citation n names the document, its number, the clause and page, its status, and quotes the
sentences used. Which sentences: the ones that state what was asked (retrieval/question.py reads
the slot, retrieval/sentences.py scores each sentence, retrieval/compose.py writes the answer).
When the evidence is too weak the answer abstains and says so, instead of filling the gap. When
the best clause is in the other language, its paired clause in the question's language is
quoted, and the answer says that it did so.

Example::

    answerer = Answerer(load_settings())
    answer = answerer.ask("Do I need HGR approval to ship samples abroad?", role="sponsor")
    print(answer.answer)            # sentences with [1] [2]
    print(answer.to_json())         # the DESIGN.md object
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterator

from iitkb.schema import Chunk, ScoredChunk
from iitkb.settings import Settings
from iitkb.text import OTHER_LANGUAGE_NOTE, detect_lang, other_language
from retrieval.compose import compose
from retrieval.evidence import Evidence, Plan, Planner
from retrieval.filters import Filters
from retrieval.question import sub_questions
from retrieval.search import SearchResult, Searcher
from retrieval.status import status_line

CANDIDATE_CHUNKS = 12      # clauses whose sentences compete (dev fact recall 0.78 against 0.76 with 8)
PART_CHUNKS = 4            # more for each question of a message that asks several (dev split, by hand)
# Chosen by `python -m evals.tune` on the gold dev split: the best F1 at abstaining on unanswerable
# questions (0.96) among floors that keep at least 97% of answerable ones (it keeps 98%).
DEFAULT_MIN_SUPPORT = 0.56
# Roles that may see the generated sentences the check dropped (they are model text, not sources).
SEES_UNSUPPORTED = ("staff", "admin")

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
    replaced_by: dict | None = None          # the visible rule that replaced the cited one (versioned.py)

    def to_json(self) -> dict:
        data = {"n": self.n, **{k: self.chunk.meta.get(k) for k in CITATION_FIELDS}, "quote": self.quote}
        data["counterpart_of"] = None if self.counterpart_of is None else {
            k: self.counterpart_of.meta.get(k) for k in ("doc_id", "lang", "section")}
        data["replaced_by"] = self.replaced_by
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
    unsupported: list[str] = field(default_factory=list)   # generated sentences that failed the check (staff)
    error: str | None = None
    index_version: str = ""          # the catalog's content hash for the asker's role (versioned.py)

    def to_json(self) -> dict:
        data = {"id": self.id, "question": self.question, "role": self.role, "language": self.language,
                "answer": self.answer, "abstained": self.abstained,
                "citations": [c.to_json() for c in self.citations], "latency_ms": round(self.latency_ms, 1),
                "mode": self.mode, "index_version": self.index_version}
        if self.unsupported and self.role in SEES_UNSUPPORTED:
            data["unsupported"] = self.unsupported
        if self.error:
            data["error"] = self.error
        return data


class Answerer:
    def __init__(self, settings: Settings, searcher: Searcher | None = None, generator=None):
        self.settings = settings
        self.searcher = searcher or Searcher(settings)
        self.min_support = settings.abstain_threshold or DEFAULT_MIN_SUPPORT
        if generator is None and settings.llm_url:
            from retrieval.llm import Generator

            generator = Generator(settings)
        self.generator = generator
        self.planner = Planner(self.searcher)

    def ask(self, question: str, role: str = "sponsor", id: str | None = None,
            filters: Filters | None = None) -> Answer:
        answer = None
        for answer in self.stream(question, role, id, filters):
            pass
        return answer

    def stream(self, question: str, role: str = "sponsor", id: str | None = None,
               filters: Filters | None = None) -> Iterator[str | Answer]:
        """Partial answer texts while a model writes (verified sentences only), then the
        checked ``Answer`` last. A question about what changed between two versions of a rule is
        answered from their differences (retrieval/versioned.py, which also names what replaced
        a superseded source and adds the index version)."""
        from retrieval.versioned import VersionedAnswers     # it imports this module

        started = time.perf_counter()
        versioned = VersionedAnswers.of(self.searcher)
        answer = versioned.change_answer(question, role)
        if answer is None and other_language(question):
            answer = Answer(question, role, "en", OTHER_LANGUAGE_NOTE, True, [])
        if answer is None:
            language = detect_lang(question)
            result = self.retrieve(question, role, filters)
            plan = self.planner.plan(question, role, language, result)
            if plan.support < self.min_support:
                answer = self._abstain(question, role, language, result)
            elif self.generator is not None:
                answer = yield from self._generate(plan)
            else:
                answer = self._extract(plan)
        answer = versioned.finish(answer, role)
        answer.id = id
        answer.latency_ms = (time.perf_counter() - started) * 1000
        yield answer

    def retrieve(self, question: str, role: str = "sponsor", filters: Filters | None = None) -> SearchResult:
        """The clauses whose sentences compete; a message asking several questions ("最少要几个人？
        作出决定需要多少委员同意？") also gets each question's own best clauses, after the message's:
        searched as a whole, the message finds the clauses of the question with the rarer words."""
        result = self.searcher.search(question, role=role, k=CANDIDATE_CHUNKS, filters=filters)
        parts = sub_questions(question)
        seen = {hit.chunk.id for hit in result.hits}
        for part in parts if len(parts) > 1 else []:
            for hit in self.searcher.search(part, role=role, k=PART_CHUNKS, filters=filters).hits:
                if hit.chunk.id not in seen:
                    seen.add(hit.chunk.id)
                    result.hits.append(hit)
        return result

    def support(self, question: str, result: SearchResult, role: str = "sponsor") -> float:
        """How well the best clauses answer the question (0..1); below ``min_support`` it abstains."""
        return self.planner.plan(question, role, detect_lang(question), result).support

    def evidence(self, hits: list[ScoredChunk], language: str) -> list[Evidence]:
        return self.planner.evidence(hits, language)

    # composition --------------------------------------------------------------------------
    def _extract(self, plan: Plan) -> Answer:
        composition = compose(plan.candidates, plan.ask, plan.terms.full(), plan.others)
        if not composition.sentences:
            return self._abstain(plan.question, plan.role, plan.language, plan.result)
        written = composition.texts(plan.ask)
        sentences = [(text, [c.evidence], quote) for (text, quote), c in zip(written, composition.sentences)]
        status = status_line(plan, composition.sentences)
        if status is not None:
            text, evidence, quote = status
            sentences.insert(0 if plan.ask.slot == "status" else len(sentences), (text, [evidence], quote))
        return self._assemble(plan, sentences, verdict=composition.verdict)

    def _generate(self, plan: Plan):
        """Stream the model's verified sentences; None left means fall back to extraction."""
        from retrieval.llm import GeneratorError, verified_stream

        evidence = plan.ranked_evidence()
        kept, dropped = [], []
        try:
            stream = verified_stream(self.generator, plan.question, plan.language, evidence,
                                     self.searcher.tokenizer.tokens)
            for kept, dropped in stream:
                if kept:
                    yield self._assemble(plan, _claims(kept, evidence)).answer
        except GeneratorError as exc:
            answer = self._extract(plan)
            answer.error = f"{exc}; answered extractively instead"
            return answer
        shown = dropped if plan.role in SEES_UNSUPPORTED else []
        if not kept:
            answer = self._extract(plan)
            answer.unsupported = shown
            return answer
        answer = self._assemble(plan, _claims(kept, evidence))
        answer.mode, answer.unsupported = "generative", shown
        return answer

    def _assemble(self, plan: Plan, sentences: list[tuple[str, list[Evidence], str | None]],
                  verdict: str | None = None) -> Answer:
        """Number the cited clauses in order of use; quote what each one contributed.

        An extractive sentence comes with its quote (its source words, without the article label
        the answer puts before them); a generated claim (quote None) is quoted by the clause
        sentence closest to it, so a reader can check the claim against the source's words."""
        language = plan.language
        joiner = " " if language == "en" else ""
        citations: dict[str, Citation] = {}
        quotes: dict[str, list[str]] = {}
        parts = [verdict] if verdict else []
        for sentence, cited, given in sentences:
            numbers = []
            for ev in cited:
                if ev.chunk.id not in citations:
                    citations[ev.chunk.id] = Citation(len(citations) + 1, ev.chunk, "", ev.counterpart_of)
                numbers.append(citations[ev.chunk.id].n)
                quote = given if given is not None else plan.closest(sentence, ev)
                if quote not in quotes.setdefault(ev.chunk.id, []):
                    quotes[ev.chunk.id].append(quote)
            marker = "".join(f"[{n}]" for n in numbers)
            parts.append(f"{sentence} {marker}" if language == "en" else f"{sentence}{marker}")
        for chunk_id, citation in citations.items():
            citation.quote = joiner.join(quotes[chunk_id])
        notes = self._notes(language, list(citations.values()))
        text = joiner.join(parts) + ("\n\n" + joiner.join(notes) if notes else "")
        return Answer(plan.question, plan.role, language, text, False, list(citations.values()))

    @staticmethod
    def _notes(language: str, citations: list[Citation]) -> list[str]:
        """One status note per document ("[1][2] 已被取代……" for two clauses of one superseded
        rule, not the same note twice), then each citation's language note."""
        notes = []
        same_doc: dict[tuple, list[int]] = {}
        for c in citations:
            status = c.chunk.meta.get("status")
            if status in STATUS_NOTES[language]:
                same_doc.setdefault((c.chunk.meta.get("doc_id"), status), []).append(c.n)
        for (_, status), numbers in same_doc.items():
            notes.append(STATUS_NOTES[language][status].format(n="][".join(map(str, numbers))))
        for c in citations:
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


def _claims(kept: list[tuple[str, list[int]]], evidence: list[Evidence]) -> list[tuple[str, list[Evidence], None]]:
    return [(claim, [evidence[n - 1] for n in cited], None) for claim, cited in kept]
