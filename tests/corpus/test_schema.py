"""The bundled corpus: every rule in both languages, valid front matter, internal SOPs, a termbase."""

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from ingest.loaders import load
from ingest.pipeline import RunReport, discover
from iitkb.glossary import load_glossary
from iitkb.schema import doc_meta_from_mapping
from iitkb.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"
# The rules and topics the corpus must cover (shared/regulations.md).
SOURCE_IDS = """nhc-iit-2021 nhc-iit-2024 natcm-tcm-iit-2025 bnt-draft-2019 bnt-regulation-2025 stemcell-2015
somatic-draft-2019 ethics-2023 ethics-2016 hgr-regulation-2019 hgr-rules-2023 hgr-transfer-2024
drug-registration-2020 gcp-2020 immune-cell-guideline-2021 gene-therapy-nonclinical-2021 invivo-gt-cmc-2022
cgt-communication-2023 cart-rmp-2022 dsur-2020 susar-expedited-2018 ind-30day-pilot-2024 ind-30day-2025
drug-admin-law-2019 biosecurity-law-2020 gvp-2021 ich-e6r3-2025
dual-track iit-data-for-registration iit-sae-reporting iit-pathway-faq""".split()
SOP_TOPICS = ("startup", "ethics", "sae", "car", "hgr", "data", "protocol", "pricing")
# Where a public document's facts come from: the issuing authority's own site (gov.cn covers
# nhc.gov.cn, nmpa.gov.cn, most.gov.cn, npc.gov.cn ...), CDE's or ICH's.
OFFICIAL_PUBLISHERS = ("gov.cn", "cde.org.cn", "ich.org")


def documents():
    found = []
    for path in discover([CORPUS], RunReport()):
        meta = load(path).meta
        found.append((path, doc_meta_from_mapping(meta, path=str(path))))
    return found


@pytest.fixture(scope="module")
def docs():
    return documents()


def test_every_document_has_valid_unique_metadata(docs):
    ids = [meta.doc_id for _, meta in docs]
    assert len(ids) == len(set(ids)), "doc_id must be unique"
    for path, meta in docs:
        assert meta.doc_id == f"{meta.source_id}-{meta.lang}", path
        assert meta.issuer and meta.doc_type, path


def test_every_source_id_has_zh_and_en(docs):
    langs = defaultdict(set)
    for _, meta in docs:
        langs[meta.source_id].add(meta.lang)
    missing = [s for s in SOURCE_IDS if langs.get(s) != {"zh", "en"}]
    assert not missing, f"source_ids without both languages: {missing}"
    unpaired = [s for s, l in langs.items() if l != {"zh", "en"}]
    assert not unpaired, f"documents without their other-language pair: {unpaired}"


def test_public_documents_list_their_sources_and_sops_are_internal(docs):
    for path, meta in docs:
        if meta.doc_type == "sop":
            assert meta.access == "internal", path
        else:
            assert meta.access == "public" and meta.sources, f"{path}: public documents list their sources"


def test_public_documents_name_an_official_publisher_among_their_sources(docs):
    for path, meta in docs:
        if meta.access == "public":
            named = " ".join(meta.sources)
            assert any(site in named for site in OFFICIAL_PUBLISHERS), f"{path}: name the official publisher"


def source_id_pattern(source_ids):
    """A source_id as a whole token: 'gcp-2020' matches, 'gcp-2020-en' and 'pre-gcp-2020' do not."""
    alternatives = "|".join(re.escape(s) for s in sorted(source_ids, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])")


def test_body_text_names_rules_by_title_never_by_source_id(docs):
    # Readers see the body; a source_id there ("see hgr-regulation-2019") tells them nothing.
    pattern = source_id_pattern({meta.source_id for _, meta in docs})
    offenders = []
    for path, _ in docs:
        body = "\n".join(line.text for line in load(path).lines)
        offenders += [f"{path.relative_to(CORPUS)}: {m.group(1)}" for m in pattern.finditer(body)]
    assert not offenders, f"write the rule's title instead of its source_id: {offenders[:20]}"


def test_source_id_pattern_matches_whole_ids_only():
    pattern = source_id_pattern({"gcp-2020", "dual-track"})
    assert pattern.search("see gcp-2020.") and pattern.search("（gcp-2020）")
    assert not pattern.search("gcp-2020-en") and not pattern.search("the dual track")


def test_at_least_eight_bilingual_sops(docs):
    sops = {meta.source_id for _, meta in docs if meta.doc_type == "sop"}
    assert len(sops) >= 8
    for topic in SOP_TOPICS:
        assert any(topic in s for s in sops), f"no SOP about {topic}"


def test_pdf_and_docx_renderings_with_sidecars():
    pdfs, docxs = sorted(CORPUS.rglob("*.pdf")), sorted(CORPUS.rglob("*.docx"))
    assert len(pdfs) >= 3 and len(docxs) >= 2
    for path in pdfs + docxs:
        sidecar = path.with_name(path.name.rsplit(".", 1)[0] + ".meta.yaml")
        assert yaml.safe_load(sidecar.read_text(encoding="utf-8"))["doc_id"], path
        assert [l for l in load(path).lines if l.text.strip()], f"{path} has no text"


def test_glossary_parses_with_enough_bilingual_terms():
    glossary = load_glossary(CORPUS / "glossary.tsv")
    assert len(glossary.terms) >= 150
    assert all(t.en and t.zh for t in glossary.terms)
    for typed in ("HGR", "人遗办", "IRB", "SUSAR", "CAR-T", "卫健委", "立项", "备案"):
        assert glossary.matches(typed), f"the termbase should know {typed!r}"


def test_latin_terms_match_whole_words_and_compile_only_when_seen():
    from iitkb.glossary import Glossary, Term, _pattern

    _pattern.cache_clear()
    glossary = Glossary([Term("Ethics Committee", "伦理委员会", ("EC",)), Term("specification", "规格")])
    assert _pattern.cache_info().currsize == 0          # nothing compiled at load
    assert [t.en for t in glossary.matches("the spec sheet")] == []
    assert [t.en for t in glossary.matches("Does the EC approve it?")] == ["Ethics Committee"]
    assert [t.en for t in glossary.matches("伦理委员会的规格")] == ["Ethics Committee", "specification"]
    assert _pattern.cache_info().currsize == 3          # ec, 伦理委员会, 规格: only forms met in a text


def test_both_languages_of_a_rule_agree_on_its_facts(docs):
    by_source = defaultdict(dict)
    for _, meta in docs:
        by_source[meta.source_id][meta.lang] = meta
    for source_id, pair in by_source.items():
        if len(pair) == 2:
            zh, en = pair["zh"], pair["en"]
            for field in ("doc_type", "status", "issued", "effective", "access"):
                assert getattr(zh, field) == getattr(en, field), f"{source_id}: {field} differs between zh and en"
