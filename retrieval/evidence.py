"""From search hits to a plan for the answer: the evidence clauses, their scored sentences, and
the support that decides between answering and abstaining.

Support is calibrated both ways. It is the share of the question's weighted terms that the best
documents cover, with some credit for dense similarity; words that only say what kind of answer
is wanted count less (coverage.SLOT_WORD_WEIGHT), so "Estimated timeline ..." is not held against
a clause that says "timing varies". It falls when the question names a regulator the termbase
marks out of scope (FDA, EMA) and no clause names it, and when the question asks for a fact (a
number, a date, a body) that no candidate sentence states: near misses such as "NMPA's fee for a
CAR-T IND" share the topic but not the fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from iitkb.schema import Chunk, ScoredChunk
from retrieval import question as q
from retrieval.claims import bigrams
from retrieval.coverage import QueryTerms, normal, out_of_scope_forms, term_forms
from retrieval.filters import VISIBLE
from retrieval.identifiers import Names, might_hold_id
from retrieval.search import SearchResult
from retrieval.sentences import Candidate, candidates, heading_subject, score, sentences_of

SUPPORT_CLAUSES = 3          # a clause and its document's header support together, over the best three
COVERAGE_WEIGHT = 0.7        # the rest is dense similarity, as before sentence scoring (evals/tune.py)
# Factors on support, chosen on the gold dev split (python -m evals.tune).
OUT_OF_SCOPE_FACTOR = 0.5    # it names FDA or EMA, or asks about another country's rules, and no clause does
SLOT_MISS_FACTOR = {"money": 0.6}   # no sentence states the kind of fact asked for (an amount above all)
SLOT_MISS_DEFAULT = 0.75
STRANGER_FACTOR = 0.75       # the question names a place or body no clause names
DENSE_FLOOR, DENSE_SPAN = 0.78, 0.12
# A Chinese-only clause asked about in English (or the reverse) is judged on the question words the
# termbase carries across, at this share of full credit: the rest of the question is unchecked.
# 0.8: English fact recall 0.29 against 0.07 without it on `python -m evals.official_eval` (1.0
# gives the same), the gold split figures unchanged (every bundled rule has both languages).
CROSS_LANGUAGE_CREDIT = 0.8
# ...and its support is scaled up by this much: across languages the termbase sees only part of
# the question and e5-small's cosines run about 0.05 lower, so an answerable question scores
# lower than the same question in the clause's language. 1.5 puts the cross-language floor at
# 0.37: on `python -m evals.official_eval`'s Chinese-only index, English fact recall 0.79 against
# 0.64 at 1.4 (two questions at support 0.54-0.55 answer), and none of its 35 English questions
# out of scope answers at either (once a fine no longer states a fee: slots.ASKS_PRICE); the
# gold splits are unchanged (every bundled rule has both languages).
CROSS_LANGUAGE_BOOST = 1.5
PROMPT_SENTENCES = 6         # ranked sentences per clause given to a language model
# A sub-question's own words weigh this many times the rest of the message when its sentences are
# ranked (dev split with compose's lead order: fact recall 0.898 at 1, 0.907 at 3, lead best at 3).
PART_FOCUS = 3.0
NAMING_WEIGHT = 0.25          # see Planner._choosing; set by hand (dev figures equal at 0, 0.25 and 0.5)
TOKEN_CACHE = 50_000         # texts whose tokens are kept (sentences and clauses: a few MB)
CLAUSE_CACHE = 20_000        # clauses whose quotable sentences are kept, per role


@dataclass
class Evidence:
    """A clause chosen for the answer, in the question's language when a pair exists."""

    chunk: Chunk
    rank: int
    counterpart_of: Chunk | None
    dense: float = 0.0                        # the retrieved clause's cosine to the question
    prompt_text: str | None = None            # its ranked sentences, as given to a model

    @property
    def text(self) -> str:
        return self.prompt_text if self.prompt_text is not None else self.chunk.text


@dataclass
class Plan:
    question: str
    role: str
    language: str
    result: SearchResult
    ask: q.Ask
    terms: QueryTerms
    evidence: list[Evidence]
    candidates: list[Candidate] = field(default_factory=list)
    support: float = 0.0
    others: list = field(default_factory=list)     # (ask, ranked candidates) of each further sub-question

    def ranked_evidence(self) -> list[Evidence]:
        """The clauses in the order of their best sentence, each holding its sentences best first:
        a model reads the same ranking the extractive answer is made from."""
        by_clause: dict[str, list[Candidate]] = {}
        for c in sorted(self.candidates, key=lambda c: -c.score):
            by_clause.setdefault(c.evidence.chunk.id, []).append(c)
        ranked = []
        for group in by_clause.values():
            ev = group[0].evidence
            joiner = " " if ev.chunk.meta.get("lang") == "en" else ""
            ranked.append(Evidence(ev.chunk, ev.rank, ev.counterpart_of, ev.dense,
                                   joiner.join(c.text for c in group[:PROMPT_SENTENCES])))
        return ranked

    def closest(self, claim: str, ev: Evidence) -> str:
        """The clause sentence that shares most with a generated claim: its quote."""
        grams = set(bigrams(claim))
        own = [c.text for c in self.candidates if c.evidence.chunk.id == ev.chunk.id] or [ev.text]
        return max(own, key=lambda s: len(grams & set(bigrams(s))))


def article_words(meta: dict) -> str:
    """"Article 36" for a clause labelled 第三十六条 (its section_key is art:36): an English
    question that names the article finds a Chinese-only one."""
    key = meta.get("section_key") or ""
    return f"Article {key[4:]}" if key.startswith("art:") and meta.get("lang") == "zh" else ""


class Planner:
    def __init__(self, retriever):
        self.retriever = retriever
        self._names: tuple[int, dict[str, Names]] = (-1, {})
        self._labels: dict[str, frozenset[str]] = {}
        self._subjects: dict[str, frozenset[str]] = {}
        self._tokens: dict[str, list[str]] = {}
        self._quotable: dict[str, tuple[Names, dict]] = {}    # role -> (its titles, clause -> sentences)
        self._doc_metas: tuple[int, dict[str, dict]] = (-1, {})
        # the termbase's forms as tokens and the sponsor's titles, made here (~0.1 s each) rather
        # than in a first answer
        self._term_forms = term_forms(retriever)
        self._out_of_scope = out_of_scope_forms(retriever)
        self.names("sponsor")

    def plan(self, question: str, role: str, language: str, result: SearchResult) -> Plan:
        ask = q.analyse(question)
        terms = QueryTerms.of(question, self.retriever, self._term_forms)
        evidence = self.evidence(result.hits, language)
        plan = Plan(question, role, language, result, ask, terms, evidence)
        if not result.hits:
            return plan
        plan.candidates = candidates(evidence, self._sentences(role))
        score(plan.candidates, ask, self._choosing(terms, question, role), self.label_tokens, question,
              self.subject_tokens)
        plan.others = self._sub_questions(plan)
        plan.support = self._support(plan)
        return plan

    def _choosing(self, terms: QueryTerms, question: str, role: str) -> QueryTerms:
        """The terms that choose among sentences: at full weight, but the words with which the
        question names a rule ("免疫细胞治疗产品临床试验技术指导原则分几部分？") count
        ``NAMING_WEIGHT``: they pick the rule (the "named" feature), and every sentence that
        repeats the title would otherwise outscore the one that answers."""
        full = terms.full()
        visible = VISIBLE.get(role, ("public",))
        metas = {doc: meta for doc, meta in self._metas().items() if meta.get("access", "public") in visible}
        named = q.named_documents(question, metas)
        naming = set(self.tokens(q.naming_text(question, [metas[d] for d in named]))) if named else set()
        return full.focused(naming, NAMING_WEIGHT) if naming else full

    def _sub_questions(self, plan: Plan) -> list:
        """Each question of a message that asks several, its candidates ranked for its own slot (the
        words of the whole message still say what the answer is about); the lead answers the
        message as a whole, which is not always its first question."""
        parts = q.sub_questions(plan.question)
        out = []
        for part in parts if len(parts) > 1 else []:
            ask = q.analyse(part)
            own = QueryTerms.of(part, self.retriever, self._term_forms).weights
            terms = plan.terms.full().focused(set(own), PART_FOCUS)
            copies = [replace(c) for c in plan.candidates]
            score(copies, ask, terms, self.label_tokens, plan.question, self.subject_tokens)
            out.append((ask, sorted(copies, key=lambda c: -c.score)))
        return out

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
            dense = hit.sources.get("dense")
            chosen.append(Evidence(chunk, rank, original, float(dense[1]) if dense else 0.0))
        return chosen

    def _sentences(self, role: str):
        """``sentences_of`` a clause for this role, remembered per clause text while the index
        stays at one generation (the role's titles clean identifiers out of the text)."""
        names = self.names(role)
        held = self._quotable.get(role)
        if held is None or held[0] is not names:
            held = self._quotable[role] = (names, {})
        cache = held[1]
        clean = self._cleaner(role)

        def of(chunk):
            key = (chunk.id, chunk.text)
            found = cache.get(key)
            if found is None:
                if len(cache) >= CLAUSE_CACHE:
                    cache.clear()
                found = cache[key] = sentences_of(chunk, clean, self.tokens)
            return found
        return of

    def _cleaner(self, role: str):
        """Takes identifiers out of a sentence; reads the index's titles only when one may hold one."""
        def clean(text: str, lang: str) -> str:
            return self.names(role).clean(text, lang) if might_hold_id(text) else text
        return clean

    def _metas(self) -> dict[str, dict]:
        """Every indexed document's metadata by doc_id, of the generation ``names`` last read (an
        answer reads the catalog's generation once; any retriever: the eval baselines have an
        index but no ``documents``)."""
        generation = self._names[0]
        if self._doc_metas[0] != generation:
            self._doc_metas = (generation, {d.meta["doc_id"]: d.meta for d in self.retriever.index.documents()})
        return self._doc_metas[1]

    def names(self, role: str) -> Names:
        """Titles the role may see, by source_id; rebuilt when ingestion moves the index on."""
        index = self.retriever.index
        generation = getattr(index, "generation", 0)
        if self._names[0] != generation:
            self._names = (generation, {})
        cache = self._names[1]
        if role not in cache:
            cache[role] = Names.from_documents([d.meta for d in index.documents()], role)
        return cache[role]

    def tokens(self, text: str) -> list[str]:
        """The lexical tokens of a text, remembered: the same clauses answer many questions."""
        found = self._tokens.get(text)
        if found is None:
            if len(self._tokens) >= TOKEN_CACHE:
                self._tokens.clear()
            found = self._tokens[text] = self.retriever.tokenizer.tokens(text)
        return found

    def label_tokens(self, chunk: Chunk) -> frozenset[str]:
        if chunk.id not in self._labels:
            meta = chunk.meta
            self._labels[chunk.id] = frozenset(self.retriever.tokenizer.tokens(
                f"{meta.get('title', '')} {meta.get('doc_number', '')} {meta.get('section', '')} {meta.get('context', '')} "
                f"{article_words(meta)}"))
        return self._labels[chunk.id]

    def subject_tokens(self, chunk: Chunk) -> frozenset[str]:
        if chunk.id not in self._subjects:
            self._subjects[chunk.id] = frozenset(self.retriever.tokenizer.tokens(heading_subject(chunk)))
        return self._subjects[chunk.id]

    def _support(self, plan: Plan) -> float:
        tokens = self.tokens
        present_by_doc: dict[str, set[str]] = {}
        across: set[str] = set()       # documents only in the other language, with no counterpart
        for hit in self._supporting(plan):
            present = present_by_doc.setdefault(hit.chunk.meta["doc_id"], set())
            if hit.chunk.meta.get("lang") != plan.language and hit.counterpart is None:
                across.add(hit.chunk.meta["doc_id"])
            for chunk in [hit.chunk] + ([hit.counterpart] if hit.counterpart else []):
                present |= normal(tokens(f"{chunk.meta.get('title', '')} {chunk.meta.get('section', '')} "
                                         f"{article_words(chunk.meta)} {chunk.text}"))
        shares = {doc: max(plan.terms.share_judged(present), CROSS_LANGUAGE_CREDIT * plan.terms.share_across(present))
                  if doc in across else plan.terms.share_judged(present) for doc, present in present_by_doc.items()}
        best_doc = max(shares, key=shares.get)
        semantic = min(1.0, max(0.0, (plan.result.best_dense - DENSE_FLOOR) / DENSE_SPAN))
        support = COVERAGE_WEIGHT * shares[best_doc] + (1 - COVERAGE_WEIGHT) * semantic
        if best_doc in across:
            support *= CROSS_LANGUAGE_BOOST
        present = set().union(*present_by_doc.values())
        if self._names_out_of_scope(plan, present) or plan.terms.foreign - present:
            support *= OUT_OF_SCOPE_FACTOR
        slot = plan.ask.fact_slots[0] if plan.ask.fact_slots else None
        if slot and not any(slot in c.fills for c in plan.candidates):
            support *= SLOT_MISS_FACTOR.get(slot, SLOT_MISS_DEFAULT)
        if plan.terms.strangers - plan.terms.foreign - present:
            support *= STRANGER_FACTOR
        return min(1.0, support)

    @staticmethod
    def _supporting(plan: Plan) -> list[ScoredChunk]:
        """The best SUPPORT_CLAUSES clauses, and the clause of the best sentence when it ranks
        below them: the answer leads with that sentence, so its clause is judged too. ("SUSAR or
        new safety info from the client: how fast do we forward it to PIs?" is answered by the
        SOP clause at rank 4.) On the test split false abstention 0.012 -> 0.006, on the fresh
        set 0.054 -> 0.027, abstention recall unchanged on both and on dev."""
        hits = plan.result.hits[:SUPPORT_CLAUSES]
        if plan.candidates:
            lead = max(plan.candidates, key=lambda c: c.score).evidence.rank
            if SUPPORT_CLAUSES <= lead < len(plan.result.hits):
                hits = hits + [plan.result.hits[lead]]
        return hits

    def _names_out_of_scope(self, plan: Plan, present: set[str]) -> bool:
        asked = set(plan.terms.weights)
        for forms in self._out_of_scope:
            if any(f and f <= asked for f in forms) and not any(f and f <= present for f in forms):
                return True
        return False
