"""The query path's shortcuts stay true to the index: the store's chunk count, read once per
catalog generation, follows every ingest made in the same process."""

from tests.conftest import front, write

BODY = "### Article 1\nThe ethics committee reviews the protocol within {n} days.\n" \
       "### Article 2\nThe institution keeps trial records for {n}0 years.\n"


def test_dense_results_follow_an_ingest_in_the_same_process(ingestor, tmp_path):
    root = tmp_path / "corpus"
    write(root / "a.en.md", front("a-en", "en", "Document A", BODY.format(n=3)))
    ingestor.run([root])
    index = ingestor.index
    vector = index.embed_query("How long does the ethics committee take to review?")
    before = index.dense(vector, 10, [])
    write(root / "b.en.md", front("b-en", "en", "Document B", BODY.format(n=5)))
    ingestor.run([root])
    after = index.dense(vector, 10, [])
    assert len(before) == 2 and len(after) == 4
    assert {cid for cid, _ in before} < {cid for cid, _ in after}
    assert index.lexical_index().generation == index.generation
