"""`iitkb bench`: ingestion throughput, re-ingest, query and answer latency, memory and disk,
from 1k to 100k chunks, for this pipeline and llama-index's default one, in the same run.

Each (pipeline, size) runs in its own child process so that peak RSS belongs to that run alone.
The synthetic corpus is built with a fixed seed from the bundled corpus's own sentences (both
languages), shaped as articles so the chunker makes about one chunk per article.

Embedding 100k passages with e5-small takes hours on two cores, so above ``real_embed_max``
chunks the vectors come from a proxy: the real embedding of the passage's first sentence (a few
thousand distinct ones, cached), with seeded noise, normalised. Index and query cost depend on the
number and size of vectors, not their values; ingestion throughput is reported only where the
real model embedded every chunk (``proxy_vectors`` says which runs used the proxy).
"""

from __future__ import annotations

import hashlib
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from index.embedders import Embedder
from iitkb.settings import PROJECT_ROOT, Settings
from iitkb.text import split_sentences

QUERIES = ["Do I need HGR approval to ship samples abroad?", "How many members must an ethics committee have?",
           "SAE reporting deadline for SUSARs", "Can a foreign sponsor fund an investigator-initiated trial?",
           "干细胞临床研究机构需要具备什么条件？", "人类遗传资源出境需要审批吗？", "伦理委员会的组成要求", "研究者发起的临床研究需要立项吗？"]
ARTICLES_PER_DOC = 20
SAMPLE = 128              # passages timed on the bare model after each real-embedding run


def corpus_sentences(root: Path = PROJECT_ROOT / "corpus") -> dict[str, list[str]]:
    from ingest.loaders import load
    from ingest.pipeline import RunReport, discover
    from iitkb.text import detect_lang

    found = {"zh": [], "en": []}
    for path in discover([root], RunReport()):
        try:
            lines = load(path).lines
        except Exception:
            continue
        for sentence in split_sentences("\n".join(l.text for l in lines)):
            if len(sentence) >= 12 and not sentence.startswith(("|", "#", "---")):
                found[detect_lang(sentence)].append(sentence)
    return {lang: sorted(set(s)) for lang, s in found.items()}


def build_synthetic(directory: Path, size: int, seed: int = 7) -> Path:
    """``size`` article-sized chunks in zh and en Markdown documents, deterministic for a seed."""
    rng = random.Random(seed)
    sentences = corpus_sentences()
    directory.mkdir(parents=True, exist_ok=True)
    for number in range(0, size, ARTICLES_PER_DOC):
        lang = "zh" if (number // ARTICLES_PER_DOC) % 2 else "en"
        pool = sentences[lang] or sentences["en"] or ["placeholder sentence."]
        articles = []
        for a in range(1, min(ARTICLES_PER_DOC, size - number) + 1):
            body = (" " if lang == "en" else "").join(rng.choice(pool) for _ in range(rng.randint(1, 3)))
            articles.append(f"### {'第' + str(a) + '条' if lang == 'zh' else f'Article {a}'}\n{body}\n")
        doc_id = f"syn-{number // ARTICLES_PER_DOC:05d}-{lang}"
        access = "internal" if (number // ARTICLES_PER_DOC) % 5 == 4 else "public"
        head = (f"---\ndoc_id: {doc_id}\nsource_id: syn-{number // ARTICLES_PER_DOC:05d}\ntitle: Synthetic "
                f"{doc_id}\nlang: {lang}\ndoc_type: regulation\nstatus: in_force\naccess: {access}\n---\n")
        (directory / f"{doc_id}.md").write_text(head + "\n".join(articles), encoding="utf-8")
    return directory


class TimedEmbedder(Embedder):
    """Counts the seconds spent inside the model, to separate embedding from pipeline overhead."""

    def __init__(self, inner: Embedder, proxy: bool = False):
        self.inner, self.proxy, self.seconds, self.passages = inner, proxy, 0.0, 0
        self.backend, self.model, self.dim, self.max_tokens = inner.backend, inner.model, inner.dim, inner.max_tokens
        self._first: dict[str, np.ndarray] = {}
        self.sample: list[str] = []         # the first passages embedded, to time the bare model on


    def embed_query(self, text: str):
        return self.inner.embed_query(text)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def embed_passages(self, texts: list[str]):
        self.sample.extend(texts[:max(0, SAMPLE - len(self.sample))])
        started = time.perf_counter()
        vectors = self._proxy(texts) if self.proxy else self.inner.embed_passages(texts)
        self.seconds += time.perf_counter() - started
        self.passages += len(texts)
        return vectors

    def _proxy(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            first = (split_sentences(text.split("\n", 1)[-1]) or [text])[0]
            if first not in self._first:
                self._first[first] = self.inner.embed_passages([first])[0]
            seed = int(hashlib.sha1(text.encode()).hexdigest()[:8], 16)
            noisy = self._first[first] + np.random.default_rng(seed).normal(0, 0.02, self.dim).astype(np.float32)
            out[i] = noisy / np.linalg.norm(noisy)
        return out


def _latencies(call, queries: list[str], rounds: int = 3) -> tuple[float, float]:
    for q in queries:     # warm-up: models, indexes and caches loaded
        call(q)
    times = []
    for _ in range(rounds):
        for q in queries:
            started = time.perf_counter()
            call(q)
            times.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def _dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def run_one(pipeline: str, size: int, work: Path, chroma_url: str = "", real_embed_max: int = 2000) -> dict:
    """One measurement, meant to run in a fresh process (see ``measure``)."""
    from index.embedders import make_embedder

    corpus = build_synthetic(work / "corpus", size)
    proxy = size > real_embed_max
    settings = Settings(data_dir=work / "data", chroma_url=chroma_url, collection=f"bench-{size}")
    inner = make_embedder(settings)
    inner.embed_query("warm-up")         # a converted backend converts now, not inside the timed ingest
    embedder = TimedEmbedder(inner, proxy=proxy)
    row = {"pipeline": pipeline, "size": size, "proxy_vectors": proxy, "store": "server" if chroma_url else "embedded"}
    if pipeline == "iitkb":
        row.update(_run_iitkb(settings, embedder, corpus))
    else:
        row.update(_run_llamaindex(settings, embedder, corpus))
    row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row["index_mb"] = _dir_mb(settings.data_dir) if settings.data_dir.exists() else 0.0
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}


def _run_iitkb(settings: Settings, embedder: TimedEmbedder, corpus: Path) -> dict:
    from ingest.pipeline import Ingestor
    from retrieval.answer import Answerer
    from retrieval.search import Searcher

    started = time.perf_counter()
    ingestor = Ingestor(settings, embedder=embedder)
    report = ingestor.run([corpus])
    seconds = time.perf_counter() - started
    chunks = ingestor.index.chunk_count()
    ingestor.close()
    raw = None if embedder.proxy else bare_model_rate(embedder.inner, embedder.sample, settings.embed_batch)
    started = time.perf_counter()
    again = Ingestor(settings, embedder=embedder)
    rerun = again.run([corpus])
    reingest = time.perf_counter() - started
    again.close()
    searcher = Searcher(settings, embedder=embedder)
    answerer = Answerer(settings, searcher=searcher)
    q50, q95 = _latencies(lambda q: searcher.search(q, role="sponsor", k=10), QUERIES)
    a50, a95 = _latencies(lambda q: answerer.ask(q, role="sponsor"), QUERIES)
    return {"chunks": chunks, "ingest_s": seconds, "embed_s": embedder.seconds,
            "ingest_chunks_per_s": chunks / seconds if seconds else 0.0,
            "raw_passages_per_s": raw, "share_of_raw_embedder": chunks / seconds / raw if raw else None,
            "text_kb_per_s": _text_kb(corpus) / seconds if seconds else 0.0,
            "pipeline_overhead_s": seconds - embedder.seconds, "reingest_s": reingest,
            "reingest_embedded": rerun.chunks_embedded, "skipped": len(report.skipped),
            "query_p50_ms": q50, "query_p95_ms": q95, "answer_p50_ms": a50, "answer_p95_ms": a95}


def _run_llamaindex(settings: Settings, embedder: TimedEmbedder, corpus: Path) -> dict:
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.embeddings import BaseEmbedding

    class Wrapped(BaseEmbedding):
        def _get_query_embedding(self, query):
            return embedder.embed_query(query).tolist()

        async def _aget_query_embedding(self, query):
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text):
            return embedder.embed_passages([text])[0].tolist()

        def _get_text_embeddings(self, texts):
            return embedder.embed_passages(texts).tolist()

    started = time.perf_counter()
    docs = [Document(text=p.read_text(encoding="utf-8").split("---\n", 2)[-1]) for p in sorted(corpus.glob("*.md"))]
    index = VectorStoreIndex.from_documents(docs, embed_model=Wrapped(embed_batch_size=32))
    seconds = time.perf_counter() - started
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    index.storage_context.persist(str(settings.data_dir / "llamaindex"))
    chunks = len(index.docstore.docs)
    retriever = index.as_retriever(similarity_top_k=10)
    q50, q95 = _latencies(retriever.retrieve, QUERIES)
    return {"chunks": chunks, "ingest_s": seconds, "embed_s": embedder.seconds,
            "ingest_chunks_per_s": chunks / seconds if seconds else 0.0,
            "text_kb_per_s": _text_kb(corpus) / seconds if seconds else 0.0,
            "pipeline_overhead_s": seconds - embedder.seconds, "reingest_s": None,
            "query_p50_ms": q50, "query_p95_ms": q95, "answer_p50_ms": None, "answer_p95_ms": None}


def bare_model_rate(model: Embedder, texts: list[str], batch: int) -> float | None:
    """Passages per second of the model alone on the very passages the pipeline embedded, in the
    pipeline's batch size: the ceiling the pipeline's ingestion rate is compared with."""
    if not texts:
        return None
    started = time.perf_counter()
    for i in range(0, len(texts), batch):
        model.embed_passages(texts[i:i + batch])
    return len(texts) / (time.perf_counter() - started)


def _text_kb(corpus: Path) -> float:
    """Source text size: a rate both pipelines share, whatever their chunk sizes."""
    return sum(p.stat().st_size for p in corpus.glob("*.md")) / 1024


def raw_embedder_rate(n: int = 256, batch: int = 32) -> dict:
    """Passages per second of the bare model on the corpus's own sentences, per batch size."""
    from index.embedders import make_embedder

    sentences = corpus_sentences()
    rng = random.Random(3)
    texts = [" ".join(rng.choice(sentences["en"] + sentences["zh"]) for _ in range(2)) for _ in range(n)]
    with tempfile.TemporaryDirectory(prefix="iitkb-bench-raw-") as work:
        return _rates(make_embedder(Settings(data_dir=Path(work))), texts, batch)


def _rates(model: Embedder, texts: list[str], batch: int) -> dict:
    n = len(texts)
    model.embed_passages(texts[:2])
    rates = {}
    for size in (1, 8, batch, 64):
        started = time.perf_counter()
        for i in range(0, n, size):
            model.embed_passages(texts[i:i + size])
        rates[f"batch_{size}"] = n / (time.perf_counter() - started)
    return {k: round(v, 2) for k, v in rates.items()}


def measure(pipeline: str, size: int, chroma_url: str = "") -> dict:
    """Run one measurement in a child process and return its JSON row."""
    with tempfile.TemporaryDirectory(prefix="iitkb-bench-") as work:
        code = ("import json,sys; from pathlib import Path; from evals.bench import run_one; "
                f"print(json.dumps(run_one({pipeline!r}, {size}, Path({work!r}), {chroma_url!r})))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"bench run {pipeline}/{size} failed: {done.stderr[-2000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def start_chroma_server(path: Path) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(Path(sys.executable).with_name("chroma")), "run", "--path", str(path), "--host",
                             "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, f"http://127.0.0.1:{port}"
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("chroma run did not start")


def run_bench(sizes: list[int], server_size: int | None = None, progress=lambda message: None) -> dict:
    runs = []
    for size in sizes:
        for pipeline in ("iitkb", "llamaindex-default"):
            progress(f"{pipeline} at {size} chunks")
            runs.append(measure(pipeline, size))
    if server_size:
        work = Path(tempfile.mkdtemp(prefix="iitkb-chroma-"))
        proc, url = start_chroma_server(work)
        try:
            progress(f"iitkb at {server_size} chunks on a Chroma server")
            runs.append(measure("iitkb", server_size, chroma_url=url))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            shutil.rmtree(work, ignore_errors=True)
    progress("raw embedder throughput")
    from evals.bench_diff import benchmark_diff

    return {"runs": runs, "raw_embedder_passages_per_s": raw_embedder_rate(), "diff": benchmark_diff()}
