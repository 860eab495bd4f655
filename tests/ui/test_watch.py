"""A watched folder and change reports: an added and a changed file picked up with the changed
clause named, a newer version of a rule compared with the one it follows, removed files, the
index version moving with the documents, and the CLI's `watch --once` and `ingest --report-changes`."""

import json
import subprocess
import sys

import pytest

from iitkb.settings import PROJECT_ROOT
from tests.conftest import cli_env, front, write
from ui.watch import listing, to_markdown, watch, write_report

RULE = """## Article 1
These Measures govern the filing of biological samples.
## Article 2
The site files the study within 10 working days of passing ethics review.
## Article 3
Records are kept for ten years.
"""
GUIDE = """## 1. Scope
This guide explains how sites label sample boxes.
"""


def rule(root, name="rule.en.md", body=RULE, **fields):
    fields = {"doc_id": "filing-en", "title": "Measures on Sample Filing", "issued": "2024-01-01", **fields}
    return write(root / name, front(fields.pop("doc_id"), "en", fields.pop("title"), body, **fields))


@pytest.fixture
def ingestor(settings, e5):
    from ingest.pipeline import Ingestor

    made = Ingestor(settings, embedder=e5)
    yield made
    made.close()


def look(ingestor, folder) -> dict:
    reports = []
    watch(ingestor, [folder], lambda run, report: reports.append(report), once=True)
    assert len(reports) == 1, "--once looks once"
    return reports[0]


def by_id(report: dict) -> dict:
    return {d["doc_id"]: d for d in report["documents"]}


def test_an_added_and_a_changed_file_are_reported_with_the_changed_clause(ingestor, tmp_path):
    inbox = tmp_path / "inbox"
    rule(inbox)
    first = look(ingestor, inbox)
    assert [(d["change"], d["doc_id"]) for d in first["documents"]] == [("added", "filing-en")]
    write(inbox / "guide.en.md", front("labels-en", "en", "Guide on Sample Labels", GUIDE, doc_type="guidance"))
    rule(inbox, body=RULE.replace("10 working days", "5 working days"))
    second = look(ingestor, inbox)
    docs = by_id(second)
    assert docs["labels-en"]["change"] == "added" and docs["labels-en"]["previous"] is None
    changed = docs["filing-en"]
    assert changed["change"] == "changed" and changed["counts"]["changed"] == 1 and changed["counts"]["unchanged"] == 2
    assert changed["clauses"] == [{"kind": "changed", "old_section": "Article 2", "new_section": "Article 2",
                                   "summary": "Article 2 changed: \u201c10\u201d became \u201c5\u201d"}]
    assert second["run"]["added"] == 1 and second["run"]["updated"] == 1
    assert second["index_version"] != first["index_version"], "the index version follows the documents"
    third = look(ingestor, inbox)
    assert third["documents"] == [] and third["index_version"] == second["index_version"], "stable when unchanged"
    json_path, md_path = write_report(second, tmp_path / "reports")
    assert json.loads(json_path.read_text(encoding="utf-8")) == second
    markdown = md_path.read_text(encoding="utf-8")
    assert "## Added" in markdown and "## Changed" in markdown and "Article 2 changed" in markdown


def test_a_newer_version_added_later_is_compared_with_the_one_it_follows(ingestor, tmp_path):
    inbox = tmp_path / "inbox"
    rule(inbox)
    look(ingestor, inbox)
    revised = RULE.replace("Records are kept for ten years.", "Records are kept for thirty years.")
    rule(inbox, "rule-2025.en.md", revised, doc_id="filing-2025-en", title="Measures on Sample Filing (2025 revision)",
         issued="2025-03-01")
    report = look(ingestor, inbox)
    added = by_id(report)["filing-2025-en"]
    assert added["change"] == "added" and added["previous"]["doc_id"] == "filing-en"
    assert [c["new_section"] for c in added["clauses"]] == ["Article 3"] and "thirty" in added["clauses"][0]["summary"]
    assert "a new version of **Measures on Sample Filing**" in to_markdown(report)


def test_a_file_that_left_the_folder_is_reported_removed(ingestor, tmp_path):
    inbox = tmp_path / "inbox"
    rule(inbox)
    write(inbox / "guide.en.md", front("labels-en", "en", "Guide on Sample Labels", GUIDE, doc_type="guidance"))
    look(ingestor, inbox)
    (inbox / "guide.en.md").unlink()
    report = look(ingestor, inbox)
    assert [(d["change"], d["doc_id"]) for d in report["documents"]] == [("removed", "labels-en")]
    assert "## Removed" in to_markdown(report)


def test_polling_ingests_only_when_the_folder_moved(ingestor, tmp_path):
    inbox = tmp_path / "inbox"
    rule(inbox)
    reports, naps = [], []

    def nap(seconds):
        naps.append(seconds)
        if len(naps) == 2:
            rule(inbox, body=RULE.replace("ten years", "fifteen years"))
        if len(naps) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        watch(ingestor, [inbox], lambda run, report: reports.append(report), interval=0.5, sleep=nap)
    assert naps == [0.5, 0.5, 0.5] and len(reports) == 2, "the unchanged look in between ingested nothing"
    assert by_id(reports[1])["filing-en"]["clauses"][0]["new_section"] == "Article 3"
    assert listing([inbox]) == listing([inbox])


def test_cli_ingest_report_changes_and_watch_once(settings, tmp_path):
    inbox, reports = tmp_path / "inbox", tmp_path / "reports"
    rule(inbox)
    env = cli_env(settings)
    done = subprocess.run([sys.executable, "-m", "ui.cli", "ingest", str(inbox), "--report-changes", "--report-dir",
                           str(reports), "--json"], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["added"] == 1 and data["change_report"]["documents"][0]["change"] == "added"
    assert (reports / data["change_report"]["md"].rsplit("/", 1)[1]).exists()
    rule(inbox, body=RULE.replace("10 working days", "5 working days"))
    watched = subprocess.run([sys.executable, "-m", "ui.cli", "watch", str(inbox), "--once", "--json", "--report-dir",
                              str(reports)], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=300)
    assert watched.returncode == 0, watched.stderr
    report = json.loads(watched.stdout)
    assert report["documents"][0]["clauses"][0]["summary"] == "Article 2 changed: \u201c10\u201d became \u201c5\u201d"
    assert report["files"]["md"].endswith(".md") and "change report" in watched.stderr
    assert len(list(reports.glob("*.md"))) == 2
