"""Official texts as users add them, end to end: metadata read from the text into the index, the
access default said out loud, scans reported, an official text joining its rule's summary and
preferred over it, search results with their path, and English questions reaching Chinese text."""

import json
import subprocess
import sys

import pytest

from ingest.report import access_warning
from retrieval.search import Searcher
from tests.conftest import cli_env, front, write
from tests.ingest import official

SOURCE = "sample-rule-2025"


def official_folder(root):
    root.mkdir(parents=True, exist_ok=True)
    official.write_text(root / "rule-text.txt")
    official.write_html(root / "rule-page.html")
    official.write_pdf(root / "rule-print.pdf")
    return root


def test_official_texts_are_indexed_with_their_metadata_and_a_loud_access_default(ingestor, tmp_path):
    folder = official_folder(tmp_path / "official")
    report = ingestor.run([folder])
    assert report.added == 3 and not report.skipped
    assert report.warnings[0] == "3 documents defaulted to internal: sponsors will not see them; pass --access public"
    assert [(item["path"].rsplit("/", 1)[-1], item["pages"]) for item in report.needs_ocr] == [("rule-print.pdf", [4])]
    assert "page 4 is an image with no text layer" in report.warnings[1]
    for doc in report.to_json()["documents"]:
        assert {"title", "doc_number", "issuer", "issued", "effective", "doc_type"} <= set(doc["read_from_text"])
        assert "access" in doc["defaulted"] and doc["articles"] == 15
    stored = ingestor.index.document("rule-text").meta
    assert (stored["doc_number"], stored["issuer"], stored["issued"], stored["effective"], stored["doc_type"]) == (
        official.NUMBER, official.ISSUER, official.ISSUED, official.EFFECTIVE, "regulation")
    again = ingestor.run([folder])
    assert again.unchanged == 3 and again.warnings[0].startswith("3 documents defaulted to internal")
    assert not ingestor.run([folder], access="public").access_defaulted


def test_access_warning_reads_plainly():
    assert access_warning(0) == ""
    assert access_warning(1) == "1 document defaulted to internal: sponsors will not see it; pass --access public"


@pytest.fixture
def rule_index(ingestor, settings, e5, tmp_path):
    """The summary of a rule (front matter, our words) and its official text (none), both public."""
    summary = front(f"{SOURCE}-zh", "zh", official.TITLE, "\n".join([
        "本文概述一部样本管理办法的要点。", "## 第三章 保存与运输", "### 第九条 保存期限",
        "办法要求样本在低温下长期保存，并规定了保存的最短年限和温度记录。"]),
        source_id=SOURCE, doc_number=official.NUMBER, sources='["概述"]')
    write(tmp_path / "corpus" / f"{SOURCE}.zh.md", summary)
    assert ingestor.run([tmp_path / "corpus"]).added == 1
    official.write_text(tmp_path / "added" / "official.txt")
    write(tmp_path / "added" / "other.txt", "示例机构伦理委员会工作规则\n第一条 伦理委员会由七名以上委员组成。\n"
          "第二条 委员任期五年，可以连任。\n第三条 会议应当有过半数委员出席。\n")
    report = ingestor.run([tmp_path / "added"], access="public")
    assert report.added == 2, report.skipped
    return Searcher(settings, embedder=e5)


def test_official_text_joins_the_rule_and_is_cited_before_its_summary(rule_index):
    docs = {d["doc_id"]: d for d in rule_index.documents()}
    assert docs["official"]["source_id"] == SOURCE and docs["official"]["text_kind"] == "official"
    assert docs[f"{SOURCE}-zh"]["text_kind"] == "summary"
    hits = rule_index.search("样本保存期限至少多少年", role="sponsor", k=10).hits
    ninth = [h.chunk.meta["text_kind"] for h in hits if h.chunk.meta["section_key"] == "art:9"]
    assert ninth[:2] == ["official", "summary"]
    row = hits[0].to_json(1)
    assert row["path"].endswith((".txt", ".md")) and row["doc_number"] == official.NUMBER


# (English question, the article of the Chinese-only official text that answers it)
ENGLISH_QUESTIONS = [
    ("How long must biological samples be kept after the study ends?", "art:9"),
    ("Who must report a sample lost or leaked in transport, and within how many hours?", "art:11"),
    ("Is written informed consent required before collecting samples?", "art:4"),
    ("What approval is needed to send samples abroad?", "art:13"),
    ("Can samples be used for a new study beyond the original consent?", "art:12"),
]


def test_english_questions_find_the_chinese_only_article(rule_index):
    ranks = {}
    for question, key in ENGLISH_QUESTIONS:
        hits = rule_index.search(question, role="sponsor", k=5).hits
        found = [h.chunk.meta["section_key"] for h in hits if h.chunk.meta["doc_id"] == "official"]
        ranks[question] = key in found
    assert all(ranks.values()), ranks


def test_dry_run_prints_what_would_be_indexed_and_writes_nothing(settings, tmp_path):
    folder = tmp_path / "official"
    folder.mkdir()
    official.write_markdown(folder / "rule.md")
    done = subprocess.run([sys.executable, "-m", "ui.cli", "ingest", str(folder), "--dry-run", "--json"],
                          capture_output=True, text=True, env=cli_env(settings), timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    doc = report["documents"][0]
    assert report["dry_run"] and report["added"] == 0 and doc["title"] == official.TITLE
    assert {"title", "doc_number", "issuer", "issued", "effective"} <= set(doc["read_from_text"])
    assert {"access", "status"} <= set(doc["defaulted"])
    assert "1 document defaulted to internal" in done.stderr
    stats = subprocess.run([sys.executable, "-m", "ui.cli", "stats", "--json"], capture_output=True,
                           text=True, env=cli_env(settings), timeout=300)
    assert json.loads(stats.stdout)["documents"] == 0


def test_prefer_official_swaps_only_the_same_article_in_the_same_language():
    from iitkb.schema import Chunk, ScoredChunk
    from retrieval.search import prefer_official

    def hit(doc, kind, key, lang="zh", score=1.0):
        meta = {"doc_id": doc, "source_id": SOURCE, "lang": lang, "section_key": key, "text_kind": kind}
        return ScoredChunk(Chunk(f"{doc}:{key}", "text", meta), score)

    hits = [hit("summary", "summary", "art:9", score=0.9), hit("summary", "summary", "sec:2", score=0.8),
            hit("official-en", "official", "art:9", lang="en", score=0.7),
            hit("official", "official", "art:9", score=0.6)]
    ranked = prefer_official(hits)
    assert [h.chunk.meta["doc_id"] for h in ranked] == ["official", "summary", "official-en", "summary"]
    assert [h.score for h in ranked] == [0.9, 0.8, 0.7, 0.6]
