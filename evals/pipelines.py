"""The pipelines compared side by side, each behind the Searcher interface the Answerer uses.

- ``iitkb``: hybrid BM25 + dense with termbase expansion, roles and pairs (the product).
- ablations: ``iitkb-no-expansion``, ``iitkb-no-bm25`` (dense only), ``iitkb-no-dense`` (BM25 only).
- ``bm25``: BM25 alone over jieba tokens, no expansion: what a fair peer would do for Chinese.
- ``llamaindex-default``: llama-index's default VectorStoreIndex (SentenceSplitter defaults, dense
  only, no metadata filters, so no roles) over the same documents with the same embedder.

All of them answer through the same extractive Answerer, so answer metrics compare retrieval.
"""

from __future__ import annotations

from iitkb.glossary import Glossary
from iitkb.paths import resolve_stored
from iitkb.schema import Chunk, ScoredChunk
from iitkb.settings import Settings
from index.embedders import Embedder
from retrieval.filters import Filters, check_role
from retrieval.search import Retriever, SearchResult, Searcher

PIPELINES = ("iitkb", "iitkb-no-expansion", "iitkb-no-bm25", "iitkb-no-dense", "bm25", "llamaindex-default")
VARIANTS = {"iitkb": ("hybrid", True), "iitkb-no-expansion": ("hybrid", False),
            "iitkb-no-bm25": ("dense", True), "iitkb-no-dense": ("lexical", True), "bm25": ("lexical", False)}


class CachedQueries(Embedder):
    """The same question is embedded once for all pipelines and filters in a run."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.backend, self.model, self.dim, self.max_tokens = inner.backend, inner.model, inner.dim, inner.max_tokens
        self._queries: dict[str, object] = {}

    def embed_query(self, text: str):
        if text not in self._queries:
            self._queries[text] = self.inner.embed_query(text)
        return self._queries[text]

    def embed_passages(self, texts: list[str]):
        return self.inner.embed_passages(texts)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


def make_searcher(name: str, settings: Settings, embedder: Embedder, base: Searcher | None = None):
    if name in VARIANTS:
        mode, expand = VARIANTS[name]
        return Searcher(settings, embedder=embedder, mode=mode, expand=expand)
    if name == "llamaindex-default":
        return LlamaIndexDefault(settings, embedder, base or Searcher(settings, embedder=embedder))
    raise ValueError(f"unknown pipeline {name!r}; choose from {', '.join(PIPELINES)}")


class LlamaIndexDefault(Retriever):
    """VectorStoreIndex.from_documents with default splitting, retrieval top-k, nothing else.

    Corpus-level statistics the Answerer needs (tokenizer, IDF) come from the project's index, so
    only retrieval differs between this baseline and the product."""

    def __init__(self, settings: Settings, embedder: Embedder, stats: Searcher):
        from llama_index.core import Document, VectorStoreIndex

        from ingest.loaders import load

        # Corpus statistics from the product's index; no termbase, as the default pipeline has none.
        self.index, self.tokenizer, self.glossary = stats.index, stats.tokenizer, Glossary([])
        documents = []
        for record in stats.index.documents():
            path = resolve_stored(record.path)
            if not path.exists():
                continue
            text = "\n".join(line.text for line in load(path).lines)
            meta = {k: record.meta.get(k) for k in ("doc_id", "source_id", "title", "lang", "doc_type", "access",
                                                    "status", "issuer", "doc_number", "path")}
            documents.append(Document(text=text, metadata=meta,
                                      excluded_embed_metadata_keys=[k for k in meta if k != "title"],
                                      excluded_llm_metadata_keys=list(meta)))
        self.vectors = VectorStoreIndex.from_documents(documents, embed_model=_LlamaEmbedding(embedder, settings))

    def search(self, query: str, role: str = "sponsor", k: int = 10, filters: Filters | None = None) -> SearchResult:
        from llama_index.core.vector_stores import ExactMatchFilter, MetadataFilters

        check_role(role)   # accepted, and ignored: the default pipeline has no notion of roles
        meta_filters = None
        if filters is not None and filters.lang:
            meta_filters = MetadataFilters(filters=[ExactMatchFilter(key="lang", value=filters.lang)])
        nodes = self.vectors.as_retriever(similarity_top_k=k, filters=meta_filters).retrieve(query)
        hits = [ScoredChunk(Chunk(n.node.node_id, n.node.get_content(),
                                  {**n.node.metadata, "section": "", "section_key": "", "page": None}),
                            float(n.score or 0.0)) for n in nodes]
        return SearchResult(hits, query, [], best_dense=hits[0].score if hits else 0.0)


def _LlamaEmbedding(embedder: Embedder, settings: Settings):
    """Our embedder as a llama-index embedding model, with the run's vector cache."""
    from llama_index.core.embeddings import BaseEmbedding

    from index.cache import EmbeddingCache

    cache = EmbeddingCache(settings.data_dir, embedder.info)

    class Wrapped(BaseEmbedding):
        def _get_query_embedding(self, query: str):
            return embedder.embed_query(query).tolist()

        async def _aget_query_embedding(self, query: str):
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str):
            return self._get_text_embeddings([text])[0]

        def _get_text_embeddings(self, texts: list[str]):
            vectors, missing = cache.get_many(texts)
            if missing:
                fresh = embedder.embed_passages([texts[i] for i in missing])
                cache.put_many([texts[i] for i in missing], fresh)
                for i, vector in zip(missing, fresh):
                    vectors[i] = vector
            return vectors.tolist()

    return Wrapped(model_name=f"{embedder.backend}/{embedder.model}", embed_batch_size=32)
