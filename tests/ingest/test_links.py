"""Symbolic links in an ingested folder: a link out of the folders is skipped with its reason, a
link loop or two paths to one file index that file once, and nothing is left pending."""

from __future__ import annotations

import os

from ingest.pipeline import RunReport, discover
from tests.conftest import front, write


def corpus_with_links(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus / "rule.md", front("rule-en", "en", "Rule", "## 1. Scope\nStudies are reviewed before approval.\n"))
    write(corpus / "sub" / "guide.md", front("guide-en", "en", "Guide", "## 1. Use\nSponsors grade events.\n"))
    secret = write(tmp_path / "elsewhere" / "secret.md", "## 1. Secret\nThe vault code is 0000.\n")
    os.symlink(secret, corpus / "secret-link.md")             # leaves the folder
    os.symlink(corpus, corpus / "sub" / "loop")               # back to the top: a loop
    os.symlink(corpus / "rule.md", corpus / "same-rule.md")   # a second path to one file
    os.symlink(tmp_path / "missing.md", corpus / "dangling.md")
    return corpus


def test_discover_skips_links_out_and_takes_each_file_once(tmp_path):
    corpus = corpus_with_links(tmp_path)
    report = RunReport()
    found = discover([corpus], report)
    assert sorted(p.resolve().name for p in found) == ["guide.md", "rule.md"]
    assert len({p.resolve() for p in found}) == len(found)
    reasons = {os.path.basename(s["path"]): s["reason"] for s in report.skipped}
    assert "outside the folders being ingested" in reasons["secret-link.md"]
    assert "leads nowhere" in reasons["dangling.md"]


def test_a_link_into_another_ingested_root_is_followed(tmp_path):
    corpus = corpus_with_links(tmp_path)
    report = RunReport()
    found = discover([corpus, tmp_path / "elsewhere"], report)
    assert sorted(p.resolve().name for p in found) == ["guide.md", "rule.md", "secret.md"]
    assert "secret-link.md" not in {os.path.basename(s["path"]) for s in report.skipped}


def test_ingest_with_a_loop_indexes_each_document_once_and_leaves_nothing_pending(tmp_path, ingestor):
    corpus = corpus_with_links(tmp_path)
    report = ingestor.run([corpus])
    assert report.added == 2 and report.updated == 0
    assert sorted(r.doc_id for r in ingestor.index.documents(state=None)) == ["guide-en", "rule-en"]
    assert not ingestor.index.documents(state="pending")
    again = ingestor.run([corpus])
    assert again.unchanged == 2 and again.added == again.updated == 0
