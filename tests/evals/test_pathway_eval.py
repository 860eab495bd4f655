"""The pathway scenarios: at least 12 sponsors, every route right, every required approval present
and in order, no step citing a draft or superseded rule. Fast over the corpus files; the slow
test runs the same scenarios, and the CLI, over the bundled corpus really indexed."""

import json
import subprocess

import pytest

from evals.pathway_eval import (SCENARIOS, ScenarioError, check, corpus_chunks, evaluate, load_scenarios,
                                table)
from iitkb.settings import PROJECT_ROOT, Settings
from retrieval.pathway import Pathway
from retrieval.pathway_clauses import ChunkClauses, changed_refs, current_hashes, lock_path, read_lock
from tests.conftest import cli_env

CORPUS = PROJECT_ROOT / "corpus"


@pytest.fixture(scope="module")
def pathway():
    return Pathway(ChunkClauses(corpus_chunks()))


def test_the_scenarios_cover_the_sponsors_the_issue_names():
    scenarios = load_scenarios()
    assert len(scenarios) >= 12
    assert {s.route for s in scenarios} == {"iit", "bnt-research", "registration-trial"}
    assert {s.answers["sponsor"] for s in scenarios} == {"foreign", "fie", "domestic", "hospital"}
    assert {s.lang for s in scenarios} == {"en", "zh"}
    by_id = {s.id: s for s in scenarios}
    us = by_id["us-cart-research-samples-us"]
    assert us.answers["sponsor"] == "foreign" and us.answers["samples_abroad"] == "yes"
    assert "hgr-export-certificate" in us.required_steps and "hgr-trial-filing" in us.forbidden_steps


def test_every_scenario_passes_over_the_corpus_files(pathway):
    report = evaluate(pathway, load_scenarios())
    assert report["passed"] == report["scenarios"], table(report)
    assert report["route_accuracy"] == 1.0 and report["approval_recall"] == 1.0
    assert report["binding_trap_citations"] == 0 and report["forbidden_present"] == 0
    assert report["steps_needing_review"] == 0


def test_the_check_catches_a_wrong_route_a_missing_approval_and_a_draft_cited_as_binding(pathway):
    scenario = next(s for s in load_scenarios() if s.id == "us-cart-research-samples-us")
    result = pathway.run(scenario.answers)
    assert check(result, scenario)["missing_steps"] == []
    broken = json.loads(json.dumps(result))
    broken["route"] = "iit"
    broken["steps"] = [s for s in broken["steps"] if s["id"] != "hgr-cooperation-approval"]
    broken["steps"][0]["citations"].append({**broken["steps"][0]["citations"][0], "source_id": "bnt-draft-2019",
                                            "status": "draft"})
    broken["steps"].reverse()
    row = check(broken, scenario)
    assert not row["route_ok"] and row["missing_steps"] == ["hgr-cooperation-approval"]
    assert row["out_of_order"] and row["binding_traps"] == [f"{broken['steps'][-1]['id']} cites bnt-draft-2019 (draft)"]


def test_a_scenario_naming_an_unknown_step_is_refused(tmp_path):
    line = json.loads(SCENARIOS.read_text(encoding="utf-8").splitlines()[0])
    line["required_steps"].append("hgr-approval-typo")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="hgr-approval-typo"):
        load_scenarios(bad)


@pytest.fixture(scope="module")
def bundled(tmp_path_factory, e5):
    from ingest.pipeline import Ingestor

    settings = Settings(data_dir=tmp_path_factory.mktemp("pathway-bundled") / "data",
                        glossary_path=CORPUS / "glossary.tsv")
    ingestor = Ingestor(settings, embedder=e5)
    report = ingestor.run([CORPUS])
    ingestor.close()
    return settings, report


@pytest.mark.slow
def test_the_pathway_data_is_neither_indexed_nor_reported_as_skipped(bundled):
    from index.index import Index

    settings, report = bundled
    assert not [s for s in report.skipped if "pathways" in s["path"]]
    index = Index(settings)
    assert not [d for d in index.documents() if "corpus/pathways" in d.path]


@pytest.mark.slow
def test_every_scenario_passes_over_the_bundled_index_and_the_lock_holds(bundled, e5):
    from index.index import Index

    settings, _ = bundled
    index = Index(settings, e5)
    pathway = Pathway.for_index(index)
    report = evaluate(pathway, load_scenarios())
    assert report["passed"] == report["scenarios"], table(report)
    book, _ = pathway.book()
    assert changed_refs(read_lock(lock_path(pathway.tree)), current_hashes(pathway.tree, book)) == []


@pytest.mark.slow
def test_the_cli_prints_the_design_object_and_writes_the_memo(bundled, tmp_path):
    settings, _ = bundled
    memo = tmp_path / "memo.docx"
    run = subprocess.run([str(PROJECT_ROOT / ".venv" / "bin" / "iitkb"), "pathway", "--product", "cell", "--aim",
                          "research", "--sponsor", "foreign", "--samples-abroad", "yes", "--data-abroad", "no",
                          "--new-technology", "yes", "--lang", "zh", "--json", "--docx", str(memo)],
                         capture_output=True, text=True, env=cli_env(settings), timeout=300)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert {"route", "routes", "steps", "warnings"} <= set(data) and data["route"] == "bnt-research"
    assert all({"title", "body", "citations"} <= set(s) and s["citations"] for s in data["steps"])
    assert all(c["access"] == "public" and c["quote"] for s in data["steps"] for c in s["citations"])
    assert memo.stat().st_size > 5000
    bad = subprocess.run([str(PROJECT_ROOT / ".venv" / "bin" / "iitkb"), "pathway", "--product", "cell"],
                         capture_output=True, text=True, env=cli_env(settings), timeout=300)
    assert bad.returncode == 2 and "aim" in bad.stderr
