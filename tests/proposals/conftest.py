"""A small bilingual index for drafting: the retrieval tests' corpus (a rule in zh and en, a
superseded draft, a trial guidance, an internal SOP in both languages) and a public FAQ that
names rules by their identifiers, as the bundled explainers do."""

import pytest

from iitkb.settings import Settings
from tests.conftest import front, write
from tests.retrieval.conftest import GLOSSARY, build_corpus

FAQ_EN = ("## Q1. Which documents govern the review of a study?\n"
          "Sponsors should read the review clauses (see rule-en) together with the hospital's intake steps "
          "(see sop-sae) before any study is approved.\n")
INTERNAL_WORDS = ("FALCON", "F-SAE-01", "SOP Safety Desk SAE Intake", "安全组 SAE 接收 SOP", "sop-sae", "Medical Monitor")


@pytest.fixture(scope="package")
def kb_settings(tmp_path_factory, e5):
    from ingest.pipeline import Ingestor

    root = tmp_path_factory.mktemp("kb")
    corpus = build_corpus(root / "corpus")
    write(corpus / "faq.en.md", front("review-faq-en", "en", "Sponsor FAQ on study review", FAQ_EN,
                                      source_id="review-faq", doc_type="faq"))
    settings = Settings(data_dir=root / "data", glossary_path=write(root / "glossary.tsv", GLOSSARY))
    ingestor = Ingestor(settings, embedder=e5)
    report = ingestor.run([corpus])
    ingestor.close()
    assert report.added == 7 and not report.skipped
    return settings


@pytest.fixture(scope="package")
def answerer(kb_settings, e5):
    from retrieval.answer import Answerer
    from retrieval.search import Searcher

    return Answerer(kb_settings, searcher=Searcher(kb_settings, embedder=e5))
