"""`make reliability`: run the fault, hostile-input, leak, load and audit tests (slow ones
included) and print the figures the README reports, read from what the tests themselves did.

Each figure comes from the run, not from the tests' constants: a test that passed is a fault
survived or a door without a leak; a test that failed counts against it. The fuzz tests print
one line per loader and strategy (cases tried, refused with a reason; a crash fails the test),
the load test prints its users, seconds and latency percentiles. Run from the project root::

    .venv/bin/python -m evals.reliability            # writes reports/reliability/summary.json
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports" / "reliability"
GROUPS = {
    "faults": ["tests/ingest/test_crash.py", "tests/ingest/test_disk_full.py", "tests/index/test_check.py",
               "tests/index/test_backup.py", "tests/ui/test_cli_disk_full.py", "tests/ui/test_faults.py"],
    "hostile input": ["tests/ingest/test_fuzz.py", "tests/proposals/test_bounds.py", "tests/ingest/test_uploads.py",
                      "tests/ui/test_source_route.py", "tests/ui/test_xss_browser.py"],
    "leaks across doors": ["tests/test_roles_doors.py", "tests/ui/test_security.py", "tests/ui/test_openai_door.py"],
    "load": ["tests/ingest/test_serving_while_ingesting.py", "tests/ui/test_load.py"],
    "audit": ["tests/ui/test_audit.py"],
}
FUZZED = re.compile(r"fuzzed (\.\w+): (\d+) cases, (\d+) refused, 0 crashes")
LOAD = re.compile(r"load: .*")


def run_tests(junit: Path) -> int:
    files = [f for group in GROUPS.values() for f in group]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "slow or not slow",
               f"--junitxml={junit}", "-o", "junit_logging=system-out", *files]
    return subprocess.run(command, cwd=ROOT).returncode


def outcomes(junit: Path) -> list[dict]:
    """One row per test: its file, name, outcome and captured output."""
    rows = []
    for case in ElementTree.parse(junit).iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        rows.append({"file": test_file(case.get("classname", "")), "name": case.get("name", ""), "outcome": "failed" if failed else
                     "skipped" if skipped else "passed", "out": case.findtext("system-out") or ""})
    return rows


def test_file(classname: str) -> str:
    """tests.ui.test_x (or tests.ui.test_x.TestClass) -> tests/ui/test_x.py"""
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        path = "/".join(parts[:end]) + ".py"
        if (ROOT / path).is_file():
            return path
    return classname


def figures(rows: list[dict]) -> dict:
    by_group = {}
    for group, files in GROUPS.items():
        mine = [r for r in rows if r["file"] in files]
        by_group[group] = {k: sum(r["outcome"] == k for r in mine) for k in ("passed", "failed", "skipped")}
    fuzz = defaultdict(lambda: {"cases": 0, "refused": 0, "crashes": 0})
    for row in rows:
        for suffix, cases, refused in FUZZED.findall(row["out"]):
            fuzz[suffix]["cases"] += int(cases)
            fuzz[suffix]["refused"] += int(refused)
        if row["file"] == "tests/ingest/test_fuzz.py" and row["outcome"] == "failed":
            suffix = re.search(r"\[(\.\w+)", row["name"])
            fuzz[suffix.group(1) if suffix else "other"]["crashes"] += 1
    load = [m for row in rows for m in LOAD.findall(row["out"])]
    return {"groups": by_group, "fuzz": dict(fuzz), "load": load}


def show(data: dict) -> str:
    groups = data["groups"]
    faults, leaks = groups["faults"], groups["leaks across doors"]
    lines = [f"faults tried {faults['passed'] + faults['failed']}, survived {faults['passed']}",
             "bad inputs per loader (cases, refused with a reason, crashes):"]
    lines += [f"  {suffix:6} {v['cases']:>6,} {v['refused']:>6,} {v['crashes']:>3}" for suffix, v in
              sorted(data["fuzz"].items())]
    lines.append(f"leak checks across doors {leaks['passed'] + leaks['failed']}, leaks found {leaks['failed']}")
    lines += [f"  {line}" for line in data["load"]] or ["  load: not measured in this run"]
    lines += [f"{name}: {g['passed']} passed, {g['failed']} failed, {g['skipped']} skipped"
              for name, g in groups.items()]
    return "\n".join(lines)


def main() -> int:
    REPORT.mkdir(parents=True, exist_ok=True)
    junit = REPORT / "junit.xml"
    code = run_tests(junit)
    data = figures(outcomes(junit))
    (REPORT / "summary.json").write_text(json.dumps(data, indent=1))
    print("\n" + show(data))
    return code


if __name__ == "__main__":
    sys.exit(main())
