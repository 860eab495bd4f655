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
import threading
from dataclasses import dataclass, field

from retrieval.catalog import Catalog
from retrieval.embedders import Embedder, make_embedder
from retrieval.filters import Filters, FilterError, chroma_where, check_role, conditions, lexical_mask, passes
from retrieval.fusion import rrf
from retrieval.glossary import load_glossary
from retrieval.lexical import LexicalIndex
from retrieval.schema import Chunk, ScoredChunk
from retrieval.settings import Settings
from retrieval.store import ChromaStore
from retrieval.tokenize import tokenizer_for

MODES = ("hybrid", "dense", "lexical")
PAIRABLE = re.compile(r"^(art|sec|q|chap):|^head$")
# Words that ask for drafts or old versions: then they are not ranked down.
ASKS_FOR_OLD = re.compile(r"draft|consultation|superseded|repealed|previous|earlier|old version|pilot "
                          r"version|2019|2021|2015|2016|征求意见|草案|旧版|废止|原|试行版|此前|以前", re.I)
DEMOTED = {"draft": 0.5, "superseded": 0.5, "not_yet_in_force": 0.8}


@dataclass
class SearchResult:
    hits: list[ScoredChunk]
    query: str
    expansions: list[str] = field(default_factory=list)
    best_dense: float = 0.0          # cosine of the nearest visible chunk: a relevance signal


class Searcher:
    """Arguments are checked here, at construction, so a bad mode or weight fails early."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, mode: str = "hybrid",
                 expand: bool = True):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if settings.dense_weight < 0 or settings.lexical_weight < 0:
            raise ValueError("dense_weight and lexical_weight must be zero or more")
        self.settings = settings
        self.mode = mode
        self.expand = expand
        self.embedder = embedder or make_embedder(settings)
        self.store = ChromaStore(settings, self.embedder.info)
        self.catalog = Catalog(settings.data_dir)
        self.glossary = load_glossary(settings.glossary_path)
        self.tokenizer = tokenizer_for(self.glossary.zh_terms)
        self._lexical: LexicalIndex | None = None
        self._docs: tuple[int, list[dict]] = (-1, [])
        self._lock = threading.Lock()
        self.reranker = _load_reranker(settings.reranker_model)

    # index views, refreshed when ingestion moves the catalog on -----------------------------
    def lexical(self) -> LexicalIndex:
        with self._lock:
            generation = self.catalog.generation
            if self._lexical is None or self._lexical.generation != generation:
                self._lexical = LexicalIndex.open(self.catalog, self.settings.data_dir / "lexical")
            return self._lexical

    def documents(self) -> list[dict]:
        generation = self.catalog.generation
        if self._docs[0] != generation:
            self._docs = (generation, [d.meta for d in self.catalog.documents()])
        return self._docs[1]

    # search ---------------------------------------------------------------------------------
    def search(self, query: str, role: str = "sponsor", k: int = 10,
               filters: Filters | None = None) -> SearchResult:
        check_role(role)
        query = (query or "").strip()
        if not query:
            raise FilterError("the query is empty: type a question or some keywords")
        if k < 1:
            raise FilterError(f"k must be at least 1, not {k}")
        filters = filters or Filters()
        conds = conditions(role, filters, self.documents())
        expansions = self.glossary.expand(query) if self.expand else []
        pool = max(self.settings.candidates, k)
        dense = self._dense(query, conds, pool) if self.mode != "lexical" else []
        lexical = self._lexical_hits(query, expansions, conds, pool) if self.mode != "dense" else []
        fused = rrf([[i for i, _ in dense], [i for i, _ in lexical]],
                    [self.settings.dense_weight, self.settings.lexical_weight], self.settings.rrf_k)
        chunks = {c.id: c for c in self.catalog.chunks(list(fused))}
        ranks = {"dense": {i: (r, s) for r, (i, s) in enumerate(dense, 1)},
                 "lexical": {i: (r, s) for r, (i, s) in enumerate(lexical, 1)}}
        hits = []
        demote = not (filters.status or ASKS_FOR_OLD.search(query))
        for chunk_id, score in fused.items():
            chunk = chunks.get(chunk_id)
            if chunk is None or not passes(chunk.meta, conds):
                continue
            if demote:
                score *= DEMOTED.get(chunk.meta.get("status"), 1.0)
            origin = {name: ranks[name][chunk_id] for name in ranks if chunk_id in ranks[name]}
            hits.append(ScoredChunk(chunk, score, origin))
        hits.sort(key=lambda h: -h.score)
        if self.reranker is not None:
            hits = self._rerank(query, hits[:pool])
        hits = hits[:k]
        for hit in hits:
            hit.counterpart = self._counterpart(hit.chunk, conds)
        return SearchResult(hits, query, expansions, best_dense=dense[0][1] if dense else 0.0)

    def _dense(self, query: str, conds, pool: int) -> list[tuple[str, float]]:
        return self.store.query(self.embedder.embed_query(query), pool, chroma_where(conds),
                                accept=lambda ids: self.lexical().passing(ids, conds))

    def _lexical_hits(self, query: str, expansions: list[str], conds, pool: int):
        index = self.lexical()
        tokens = self.tokenizer.tokens(" ".join([query, *expansions]))
        return index.search(tokens, pool, lexical_mask(index.columns, conds))

    def _counterpart(self, chunk: Chunk, conds) -> Chunk | None:
        key = chunk.meta.get("section_key", "")
        if not PAIRABLE.match(key):
            return None
        other = "en" if chunk.meta["lang"] == "zh" else "zh"
        pair = self.catalog.counterpart(chunk.meta["source_id"], other, key)
        access_only = [c for c in conds if c[0] == "access"]
        return pair if pair is not None and passes(pair.meta, access_only) else None

    def _rerank(self, query: str, hits: list[ScoredChunk]) -> list[ScoredChunk]:
        scores = self.reranker.predict([(query, h.chunk.text) for h in hits])
        for hit, score in zip(hits, scores):
            hit.sources["rerank"] = float(score)
            hit.score = float(score)
        return sorted(hits, key=lambda h: -h.score)


def _load_reranker(model: str):
    if not model:
        return None
    from sentence_transformers import CrossEncoder

    try:
        return CrossEncoder(model, device="cpu", local_files_only=True)
    except Exception as exc:
        raise ValueError(f"cannot load the re-ranking model {model!r} offline ({exc}); point "
                         "IITKB_RERANKER_MODEL at a CrossEncoder directory or leave it empty") from None
