"""The tokenizer's tables, kept on disk, give the very ids the model file's own tables give."""

import index.e5_tokenizer as tok
from index.e5_format import E5Weights
from index.e5_tokenizer import E5Tokenizer

TEXTS = ["第十条 伦理审查委员会至少 7 人", "SAE follow-up within 15 days", "全角　ＡＢＣ ﬁ ①"]


def test_cached_tables_are_read_back_and_tokenize_the_same(tmp_path, monkeypatch):
    weights = E5Weights.open()
    plain = E5Tokenizer(weights).encode(TEXTS, "query: ")
    assert E5Tokenizer(weights, cache_dir=tmp_path).encode(TEXTS, "query: ") == plain
    assert len(list(tmp_path.glob("e5-tokenizer-*.marshal"))) == 1

    def rebuilt(_):
        raise AssertionError("the tables were built again although a cached copy exists")

    monkeypatch.setattr(tok, "_tables", rebuilt)
    assert E5Tokenizer(weights, cache_dir=tmp_path).encode(TEXTS, "query: ") == plain


def test_an_unreadable_cache_is_built_again(tmp_path):
    weights = E5Weights.open()
    E5Tokenizer(weights, cache_dir=tmp_path)
    (cached,) = tmp_path.glob("e5-tokenizer-*.marshal")
    cached.write_bytes(b"not marshal data")
    assert E5Tokenizer(weights, cache_dir=tmp_path).encode(TEXTS, "passage: ") == \
        E5Tokenizer(weights).encode(TEXTS, "passage: ")
