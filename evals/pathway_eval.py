"""The sponsor pathway measured on scenarios: is the route right, is every required approval there
and in order, and does no step cite a draft or superseded rule as binding?

Scenarios (evals/pathway_scenarios.jsonl, one per line) give the answers, the expected route
(and routes), the steps that must appear in that order, steps that must not, and warnings that
must. The pathway runs either over the bundled corpus read from its files (ingest's loaders and
chunker, no embedding: seconds) or over the configured index (`--index`), which is what a
sponsor's answer comes from.

This module also refreshes the pathway's clause lock from the corpus files, since the lock
records the clause text a reviewer last checked the steps against.

    python -m evals.pathway_eval [--index] [--json]
    python -m evals.pathway_eval --refresh-lock
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from iitkb.schema import Chunk, doc_meta_from_mapping
from iitkb.settings import PROJECT_ROOT
from iitkb.paths import stored_path
from retrieval.pathway import NOT_BINDING, Pathway
from retrieval.pathway_clauses import ClauseBook, ChunkClauses, write_lock
from retrieval.pathway_load import load_tree
from retrieval.pathway_tree import DEFAULT_TREE, Tree

CORPUS = PROJECT_ROOT / "corpus"
SCENARIOS = Path(__file__).resolve().parent / "pathway_scenarios.jsonl"
# One chunk per clause: the lock's hashes must not depend on where a token budget would cut.
WHOLE_CLAUSE_TOKENS = 10 ** 9


class ScenarioError(ValueError):
    """A scenario file that does not follow the schema; the message names the line."""


@dataclass
class Scenario:
    id: str
    answers: dict
    route: str
    description: str = ""
    lang: str = "en"
    routes: list[str] = field(default_factory=list)
    required_steps: list[str] = field(default_factory=list)
    forbidden_steps: list[str] = field(default_factory=list)
    required_warnings: list[str] = field(default_factory=list)


def load_scenarios(path: Path = SCENARIOS, tree: Tree | None = None) -> list[Scenario]:
    """Scenarios, checked against the tree so a misspelt step id fails here, not as a miss."""
    tree = tree or load_tree()
    known = {s.id for s in tree.steps} | {w.id for w in tree.warnings}
    scenarios, seen = [], set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            scenario = Scenario(**json.loads(line))
        except (ValueError, TypeError) as exc:
            raise ScenarioError(f"{path}:{number}: {exc}") from None
        named = [*scenario.required_steps, *scenario.forbidden_steps, *scenario.required_warnings]
        unknown = [n for n in named if n not in known] + [r for r in [scenario.route, *scenario.routes]
                                                           if r not in tree.routes]
        if unknown or scenario.id in seen:
            raise ScenarioError(f"{path}:{number}: unknown step, warning or route {unknown} or repeated id")
        seen.add(scenario.id)
        scenarios.append(scenario)
    return scenarios


def corpus_chunks(corpus: Path = CORPUS) -> list[Chunk]:
    """The corpus files' clauses as ingestion cuts them (one chunk per clause), without an index."""
    from ingest.chunking import Chunker
    from ingest.loaders import load
    from ingest.pipeline import RunReport, discover

    chunker = Chunker(len, max_tokens=WHOLE_CLAUSE_TOKENS, overlap=0)
    chunks: list[Chunk] = []
    for path in discover([corpus], RunReport()):
        loaded = load(path)
        meta = doc_meta_from_mapping(loaded.meta, path=stored_path(path))
        chunks.extend(chunker.chunk(meta, loaded.lines))
    return chunks


def corpus_pathway(corpus: Path = CORPUS, tree: Tree | None = None) -> Pathway:
    return Pathway(ChunkClauses(corpus_chunks(corpus)), tree)


def refresh_lock(corpus: Path = CORPUS, tree_path: Path = DEFAULT_TREE) -> list[str]:
    """Record the corpus's current clause hashes as reviewed; returns the references that changed."""
    tree = load_tree(tree_path)
    return write_lock(tree, ClauseBook(corpus_chunks(corpus)))


def check(result: dict, scenario: Scenario) -> dict:
    """One scenario's misses: each list empty means that part is right."""
    got = [step["id"] for step in result["steps"]]
    present = [s for s in scenario.required_steps if s in got]
    cited = [(step["id"], c) for step in result["steps"] for c in step["citations"]]
    cited += [(f"route:{r['id']}", c) for r in result["routes"] for c in r["citations"]]
    warnings = {w["id"] for w in result["warnings"]}
    return {
        "id": scenario.id, "route": result["route"], "routes": [r["id"] for r in result["routes"]],
        "route_ok": result["route"] == scenario.route and (not scenario.routes or
                                                           [r["id"] for r in result["routes"]] == scenario.routes),
        "missing_steps": [s for s in scenario.required_steps if s not in got],
        "out_of_order": present != sorted(present, key=got.index),
        "forbidden_steps": [s for s in scenario.forbidden_steps if s in got],
        "binding_traps": [f"{where} cites {c['source_id']} ({c['status']})" for where, c in cited
                          if c["status"] in NOT_BINDING],
        "missing_warnings": [w for w in scenario.required_warnings if w not in warnings],
        "needs_review": [step["id"] for step in result["steps"] if step["needs_review"]],
        "required": len(scenario.required_steps), "present": len(present),
    }


def evaluate(pathway: Pathway, scenarios: list[Scenario]) -> dict:
    rows = [check(pathway.run(s.answers, s.lang), s) for s in scenarios]
    for row in rows:
        row["passed"] = row["route_ok"] and not (row["missing_steps"] or row["out_of_order"] or
                                                 row["forbidden_steps"] or row["binding_traps"] or
                                                 row["missing_warnings"])
    required = sum(r["required"] for r in rows)
    return {"scenarios": len(rows),
            "route_accuracy": sum(r["route_ok"] for r in rows) / max(1, len(rows)),
            "approval_recall": sum(r["present"] for r in rows) / max(1, required),
            "required_steps": required,
            "out_of_order": sum(r["out_of_order"] for r in rows),
            "forbidden_present": sum(len(r["forbidden_steps"]) for r in rows),
            "binding_trap_citations": sum(len(r["binding_traps"]) for r in rows),
            "warnings_missing": sum(len(r["missing_warnings"]) for r in rows),
            "steps_needing_review": sum(len(r["needs_review"]) for r in rows),
            "passed": sum(r["passed"] for r in rows), "rows": rows}


def table(report: dict) -> str:
    lines = [f"{report['passed']}/{report['scenarios']} scenarios pass; route accuracy "
             f"{report['route_accuracy']:.0%}, required steps present {report['approval_recall']:.0%} "
             f"of {report['required_steps']}, out of order {report['out_of_order']}, forbidden steps "
             f"{report['forbidden_present']}, draft/superseded citations in steps "
             f"{report['binding_trap_citations']}, warnings missing {report['warnings_missing']}, "
             f"steps needing review {report['steps_needing_review']}"]
    for row in report["rows"]:
        if not row["passed"]:
            problems = {k: row[k] for k in ("route", "missing_steps", "out_of_order", "forbidden_steps",
                                            "binding_traps", "missing_warnings") if row[k]}
            lines.append(f"  FAIL {row['id']}: {problems}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", action="store_true", help="run over the configured index, not the files")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--refresh-lock", action="store_true", help="record the current clause hashes")
    args = parser.parse_args(argv)
    if args.refresh_lock:
        changed = refresh_lock()
        print(f"lock refreshed; {len(changed)} clause(s) changed: {', '.join(changed) or 'none'}")
        return 0
    if args.index:
        from iitkb.settings import load_settings
        from retrieval.search import Searcher

        pathway = Pathway.for_index(Searcher(load_settings()).index)
    else:
        pathway = corpus_pathway()
    report = evaluate(pathway, load_scenarios())
    print(json.dumps(report, ensure_ascii=False) if args.json else table(report))
    return 0 if report["passed"] == report["scenarios"] else 1


if __name__ == "__main__":
    sys.exit(main())
