import pytest

from retrieval.fusion import rrf


def test_an_id_ranked_by_both_lists_wins():
    scores = rrf([["a", "b"], ["b", "c"]], [1.0, 1.0], k=60)
    assert max(scores, key=scores.get) == "b"
    assert scores["a"] == pytest.approx(1 / 61)


def test_weights_and_k_are_checked():
    assert rrf([["a"], ["b"]], [2.0, 1.0], k=10)["a"] > rrf([["a"], ["b"]], [2.0, 1.0], k=10)["b"]
    with pytest.raises(ValueError):
        rrf([["a"]], [1.0, 1.0])
    with pytest.raises(ValueError):
        rrf([["a"]], [1.0], k=0)
