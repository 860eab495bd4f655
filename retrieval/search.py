"""Hybrid bilingual search: BM25 over jieba tokens + dense e5, fused, role-filtered, paired.

Every door (CLI, web app, API, batch, evals) reads the index through ``Searcher.search``, which is
where roles are enforced: the role's conditions go into Chroma's ``where`` and into the BM25 mask
before ranking, and every returned chunk (and its translation counterpart) is checked once more.

Example::

    searcher = Searcher(load_settings())
    for hit in searcher.search("HGR approval to ship samples abroad", role="sponsor", k=5):
        print(hit.score, hit.chunk.meta["title"], hit.chunk.meta["section"])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from iitkb.glossary import Glossary, load_glossary
from iitkb.schema import Chunk, ScoredChunk
from iitkb.settings import Settings
from iitkb.tokenize import Tokenizer, tokenizer_for
from index.conditions import passes
from index.embedders import Embedder
from index.index import Index
from retrieval.filters import Filters, FilterError, QueryError, check_role, conditions
from retrieval.question import named_documents, naming_text
from retrieval.fusion import rrf

MODES = ("hybrid", "dense", "lexical")
PAIRABLE = re.compile(r"^(art|sec|q|chap):|^head$")
# Words that ask for drafts or old versions: then they are not ranked down. So does the year of
# a demoted document (see ``_asks_for_old``), read from the index rather than written here.
ASKS_FOR_OLD = re.compile(r"draft|consultation|superseded|repealed|previous|earlier|old version|pilot "
                          r"version|征求意见|草案|旧版|废止|原|试行版|此前|以前", re.I)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
# Fused-score factors for rules a reader should not rely on, unless the question asks for them:
# chosen so an in-force rule at rank r still beats a draft at rank r-1 at RRF k=10 (evals/tune.py).
DEMOTED = {"draft": 0.5, "superseded": 0.5, "not_yet_in_force": 0.8}
# A document the query names by its number or title ("国卫科教发〔2024〕32号从哪天开始施行？") has
# its chunks' scores multiplied by this: many summaries cite a rule's number, and without it they
# outrank the rule itself. Gold dev split: MRR 0.902 at 1.5 and 2 against 0.897 without and at 3
# (lead 0.87 at 3 against 0.89); citation precision 0.868 against 0.863 without.
NAMED_BOOST = 1.5
NAMED_CHUNKS = 2       # best dense and best lexical chunks of the named documents seated among the hits
NAMED_POOL = 20        # chunks of the named documents whose dense similarity is looked up for that


@dataclass
class SearchResult:
    hits: list[ScoredChunk]
    query: str
    expansions: list[str] = field(default_factory=list)
    best_dense: float = 0.0          # cosine of the nearest visible chunk: a relevance signal


class Retriever(Protocol):
    """What the Answerer and the evals need of a retriever: scored chunks for a query, and the
    corpus statistics (tokenizer, termbase, index) its support and sentence scores are read with.
    ``Searcher`` is the product's; the eval baselines implement the same protocol."""

    index: Index
    tokenizer: Tokenizer
    glossary: Glossary

    def search(self, query: str, role: str = "sponsor", k: int = 10,
               filters: Filters | None = None) -> SearchResult: ...


class Searcher:
    """Arguments are checked here, at construction, so a bad mode or weight fails early."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, mode: str = "hybrid",
                 expand: bool = True, index: Index | None = None):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if settings.dense_weight < 0 or settings.lexical_weight < 0:
            raise ValueError("dense_weight and lexical_weight must be zero or more")
        self.settings = settings
        self.mode = mode
        self.expand = expand
        self.index = (index or Index(settings, embedder)).open_store()
        self.glossary = load_glossary(settings.glossary_path)
        self.tokenizer = tokenizer_for(self.glossary.zh_terms)
        self._docs: tuple[int, list[dict]] = (-1, [])
        self.reranker = _load_reranker(settings.reranker_model)

    def documents(self) -> list[dict]:
        """Every indexed document's metadata, refreshed when ingestion moves the catalog on."""
        generation = self.index.generation
        if self._docs[0] != generation:
            self._docs = (generation, [d.meta for d in self.index.documents()])
        return self._docs[1]

    # search ---------------------------------------------------------------------------------
    def search(self, query: str, role: str = "sponsor", k: int = 10,
               filters: Filters | None = None) -> SearchResult:
        check_role(role)
        query = (query or "").strip()
        if not query:
            raise QueryError("the query is empty: type a question or some keywords")
        limit = self.settings.max_question_chars
        if len(query) > limit:
            raise QueryError(f"the question is {len(query):,} characters long; the limit is {limit:,} "
                              "(IITKB_MAX_QUESTION_CHARS): ask about one point at a time")
        if k < 1:
            raise FilterError(f"k must be at least 1, not {k}")
        filters = filters or Filters()
        conds = conditions(role, filters, self.documents())
        expansions = self.glossary.expand(query) if self.expand else []
        pool = max(self.settings.candidates, k)
        vector = self.index.embed_query(query) if self.mode != "lexical" else None
        dense = self.index.dense(vector, pool, conds) if vector is not None else []
        lexical = self._lexical_hits(query, expansions, conds, pool) if self.mode != "dense" else []
        fused = rrf([[i for i, _ in dense], [i for i, _ in lexical]],
                    [self.settings.dense_weight, self.settings.lexical_weight], self.settings.rrf_k)
        named = named_documents(query, {d["doc_id"]: d for d in self.documents()})
        if named:
            self._seat_named(fused, dense, vector, query, expansions, conds + [("doc_id", "in", sorted(named))], k,
                             [d for d in self.documents() if d["doc_id"] in named])
        chunks = {c.id: c for c in self.index.chunks(list(fused))}
        ranks = {"dense": {i: (r, s) for r, (i, s) in enumerate(dense, 1)},
                 "lexical": {i: (r, s) for r, (i, s) in enumerate(lexical, 1)}}
        hits = []
        demote = not (filters.status or self._asks_for_old(query))
        for chunk_id, score in fused.items():
            chunk = chunks.get(chunk_id)
            if chunk is None or not passes(chunk.meta, conds):
                continue
            if demote:
                score *= DEMOTED.get(chunk.meta.get("status"), 1.0)
            if chunk.meta["doc_id"] in named:
                score *= NAMED_BOOST
            origin = {name: ranks[name][chunk_id] for name in ranks if chunk_id in ranks[name]}
            hits.append(ScoredChunk(chunk, score, origin))
        hits.sort(key=lambda h: -h.score)
        if self.reranker is not None:
            hits = self._rerank(query, hits[:pool])
        hits = prefer_official(hits)[:k]
        for hit in hits:
            hit.counterpart = self._counterpart(hit.chunk, conds)
        return SearchResult(hits, query, expansions, best_dense=dense[0][1] if dense else 0.0)

    def _seat_named(self, fused: dict[str, float], dense: list, vector, query: str, expansions: list[str],
                    conds, k: int, docs: list[dict]) -> None:
        """The best-matching chunks of a document the query names get at least the k-th best
        score, so the rule itself is among the hits even when many summaries cite its number;
        their dense similarity joins ``dense``, as answers weigh it. Inside the named documents
        the words of their names tell no chunk apart (they find the preamble that states the
        title): their best lexical chunk is found by the question's other words
        (``question.naming_text``)."""
        floor = sorted(fused.values(), reverse=True)[min(k, len(fused)) - 1] if fused else 0.0
        near = self.index.dense(vector, NAMED_POOL, conds) if vector is not None else []
        lexical = []
        if self.mode != "dense":
            naming = set(self.tokenizer.tokens(naming_text(query, docs)))
            tokens = self.tokenizer.tokens(" ".join([query, *expansions]))
            rest = [t for t in tokens if t not in naming]
            lexical = self.index.lexical(rest or tokens, NAMED_CHUNKS, conds)
        known = {chunk_id for chunk_id, _ in dense}
        dense.extend(hit for hit in near if hit[0] not in known)
        for chunk_id, _ in near[:NAMED_CHUNKS] + lexical:
            fused[chunk_id] = max(fused.get(chunk_id, 0.0), floor)

    def _asks_for_old(self, query: str) -> bool:
        """Asking for a draft, an old version, or naming the year of a document that is not the
        current rule (its source_id or issue date): "the 2016 ethics measures"."""
        if ASKS_FOR_OLD.search(query):
            return True
        years = set(_YEAR.findall(query))
        return bool(years) and any(
            years & set(_YEAR.findall(f"{d.get('source_id', '')} {d.get('issued', '')}"))
            for d in self.documents() if d.get("status") in DEMOTED or d.get("superseded_by"))

    def _lexical_hits(self, query: str, expansions: list[str], conds, pool: int):
        return self.index.lexical(self.tokenizer.tokens(" ".join([query, *expansions])), pool, conds)

    def _counterpart(self, chunk: Chunk, conds) -> Chunk | None:
        """The clause in the other language, visible to the same role (filters on language or
        type are not applied: the pair stands in for a hit that passed them)."""
        if not PAIRABLE.match(chunk.meta.get("section_key", "")):
            return None
        other = "en" if chunk.meta["lang"] == "zh" else "zh"
        return self.index.counterpart(chunk, other, [c for c in conds if c[0] == "access"])

    def _rerank(self, query: str, hits: list[ScoredChunk]) -> list[ScoredChunk]:
        scores = self.reranker.predict([(query, h.chunk.text) for h in hits])
        for hit, score in zip(hits, scores):
            hit.sources["rerank"] = float(score)
            hit.score = float(score)
        return sorted(hits, key=lambda h: -h.score)


def prefer_official(hits: list[ScoredChunk]) -> list[ScoredChunk]:
    """A rule's official wording of an article ranks above a summary of the same article (same
    rule, language and article), so citations quote the rule; the summary stays, lower, to
    corroborate it. Ranks are swapped, not scores invented, so the order stays by score."""
    hits = list(hits)
    for i, hit in enumerate(hits):
        key = _article_of(hit, "summary")
        later = range(i + 1, len(hits)) if key else range(0)
        j = next((j for j in later if _article_of(hits[j], "official") == key), None)
        if j is not None:
            hits[i].score, hits[j].score = hits[j].score, hits[i].score
            hits[i], hits[j] = hits[j], hits[i]
    return hits


def _article_of(hit: ScoredChunk, kind: str) -> tuple | None:
    m = hit.chunk.meta
    if m.get("text_kind") != kind or not str(m.get("section_key", "")).startswith("art:"):
        return None
    return m.get("source_id"), m.get("lang"), m["section_key"]


def _load_reranker(model: str):
    if not model:
        return None
    from sentence_transformers import CrossEncoder

    try:
        return CrossEncoder(model, device="cpu", local_files_only=True)
    except Exception as exc:
        raise ValueError(f"cannot load the re-ranking model {model!r} offline ({exc}); point "
                         "IITKB_RERANKER_MODEL at a CrossEncoder directory or leave it empty") from None
