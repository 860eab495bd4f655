from tests.retrieval.conftest import index_settings, searcher  # noqa: F401  (the same small index)
