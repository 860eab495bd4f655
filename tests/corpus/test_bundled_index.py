"""The bundled corpus indexed for real: it ingests cleanly, and a sponsor never reaches an SOP."""

import re

import pytest

from iitkb.settings import PROJECT_ROOT, Settings

CORPUS = PROJECT_ROOT / "corpus"


@pytest.fixture(scope="module")
def bundled(tmp_path_factory, e5):
    from ingest.pipeline import Ingestor

    settings = Settings(data_dir=tmp_path_factory.mktemp("bundled") / "data",
                        glossary_path=CORPUS / "glossary.tsv")
    ingestor = Ingestor(settings, embedder=e5)
    report = ingestor.run([CORPUS])
    ingestor.close()
    return settings, report


def test_bundled_corpus_ingests_cleanly(bundled):
    _, report = bundled
    assert report.skipped == [] and report.added >= 60


def sop_probes():
    """Each SOP's title, form numbers and code names: the phrases a leak would show."""
    from ingest.loaders import load
    from ingest.pipeline import RunReport, discover

    probes = []
    for path in discover([CORPUS], RunReport()):
        loaded = load(path)
        if loaded.meta.get("access") != "internal":
            continue
        text = "\n".join(l.text for l in loaded.lines)
        probes.append(loaded.meta["title"])
        probes += sorted(set(re.findall(r"\b[A-Z]{1,4}-[A-Z]{2,5}-\d{2,3}\b", text)))[:4]
    return probes


def test_sponsor_finds_nothing_internal_for_any_sop_title_or_phrase(bundled, e5):
    from retrieval.answer import Answerer
    from retrieval.search import Searcher

    settings, _ = bundled
    searcher = Searcher(settings, embedder=e5)
    answerer = Answerer(settings, searcher=searcher)
    probes = sop_probes()
    assert len(probes) >= 16
    internal_titles = {c.meta["title"] for c in searcher.index.chunks() if c.meta["access"] == "internal"}
    for probe in probes:
        result = searcher.search(probe, role="sponsor", k=20)
        assert all(h.chunk.meta["access"] == "public" for h in result.hits), probe
        answer = answerer.ask(probe, role="sponsor").to_json()
        shown = str(answer).replace(probe, "")
        assert not any(title in shown for title in internal_titles), probe
        assert all(c["access"] == "public" for c in answer["citations"])
        staff = searcher.search(probe, role="staff", k=20)
        assert any(h.chunk.meta["access"] == "internal" for h in staff.hits), f"staff should find {probe!r}"
