"""Clause-level differences: renumbered, merged and split articles aligned, word-level edits in
both languages, the corpus's version pairs compared the same way twice, the index-backed Differ
with its role rule, the CLI and its Markdown/Word output, and the 100-article benchmark."""

import json
import subprocess
import sys

import pytest

from evals.bench_diff import benchmark_diff
from iitkb.settings import PROJECT_ROOT
from iitkb.text import split_sentences
from retrieval.align import Clause, align
from retrieval.diff import DiffError, Differ, clauses, diff_clauses
from retrieval.wording import edit_phrase, word_diff, words
from tests.conftest import cli_env

PAIRS = [("nhc-iit-2021", "nhc-iit-2024"), ("ethics-2016", "ethics-2023"),
         ("bnt-draft-2019", "bnt-regulation-2025"), ("ind-30day-pilot-2024", "ind-30day-2025")]

OLD_ZH = [("art:1", "第一条", "为规范临床研究管理，保障受试者权益，制定本办法。"),
          ("art:2", "第二条", "研究机构应当在伦理审查通过后十个工作日内向主管部门备案。"),
          ("art:3", "第三条", "不得向受试者收取与研究有关的费用。"),
          ("art:4", "第四条", "研究记录应当保存十年。"),
          ("art:5", "第五条", "研究机构应当建立不良事件报告制度，及时处置不良事件。"),
          ("art:6", "第六条", "研究机构应当对研究人员开展培训，培训记录应当存档备查。")]
NEW_ZH = [("art:1", "第一条", "为规范临床研究管理，保障受试者权益，制定本办法。"),
          ("art:2", "第二条", "本办法适用于境内开展的研究者发起的临床研究。"),
          ("art:3", "第三条", "研究机构应当在伦理审查通过后五个工作日内向主管部门备案。"),
          ("art:4", "第四条", "不得向受试者收取与研究有关的费用。"),
          ("art:5", "第五条", "研究机构应当建立不良事件报告制度，及时处置不良事件。研究机构应当对研究人员开展培训，"
                             "培训记录应当存档备查。")]
OLD_EN = [("art:1", "Article 1", "These Measures govern investigator-initiated clinical research."),
          ("art:2", "Article 2", "The site files the study with the health authority within 10 working days of "
                                 "passing ethics review."),
          ("art:3", "Article 3", "No fees related to the research may be charged to participants."),
          ("art:4", "Article 4", "Research records are kept for ten years.")]
NEW_EN = [("art:1", "Article 1", "These Measures govern investigator-initiated clinical research."),
          ("art:2", "Article 2", "The Measures apply to research carried out within the territory."),
          ("art:3", "Article 3", "The site files the study with the health authority within 5 working days of "
                                 "passing ethics review."),
          ("art:4", "Article 4", "No fees related to the research may be charged to participants.")]


def make(rows):
    return [Clause(key, label, text) for key, label, text in rows]


def kinds(changes):
    return [(c.kind, c.old.label if c.old else None, c.new.label if c.new else None) for c in changes]


def test_renumbered_merged_and_rewritten_articles_are_aligned_in_chinese():
    changes, unchanged = diff_clauses(make(OLD_ZH), make(NEW_ZH), "zh")
    assert unchanged == 1                                       # 第一条
    assert kinds(changes) == [("added", None, "第二条"), ("moved", "第二条", "第三条"),
                              ("moved", "第三条", "第四条"), ("removed", "第四条", None),
                              ("changed", "第五条", "第五条"), ("moved", "第六条", "第五条")]
    renumbered = changes[1]
    assert ("-", "十个") in renumbered.words and ("+", "五个") in renumbered.words
    assert renumbered.summary == "第二条调整为第三条；\u201c十个\u201d改为\u201c五个\u201d"
    assert changes[2].summary == "第三条调整为第四条；内容未变"
    assert changes[5].how == "merged" and changes[5].summary.startswith("第六条并入第五条")
    assert changes[3].summary.startswith("删除第四条：研究记录应当保存十年")


def test_renumbered_articles_are_aligned_in_english_with_word_edits():
    changes, unchanged = diff_clauses(make(OLD_EN), make(NEW_EN), "en")
    assert unchanged == 1
    assert kinds(changes) == [("added", None, "Article 2"), ("moved", "Article 2", "Article 3"),
                              ("moved", "Article 3", "Article 4"), ("removed", "Article 4", None)]
    assert changes[1].summary == "Article 2 is now Article 3; \u201c10\u201d became \u201c5\u201d"
    assert changes[0].summary.startswith("Added Article 2: The Measures apply")


def test_a_split_article_points_back_to_the_one_it_came_from():
    old = make([("art:1", "Article 1", "The site keeps records for thirty years and reports every serious "
                                       "adverse reaction to the authority within five working days.")])
    new = make([("art:1", "Article 1", "The site keeps records for thirty years."),
                ("art:2", "Article 2", "The site reports every serious adverse reaction to the authority within "
                                       "five working days.")])
    changes, _ = diff_clauses(old, new, "en")
    assert [(c.kind, c.how) for c in changes] == [("changed", "same"), ("moved", "split")]
    assert changes[1].summary.startswith("Article 2 split out of Article 1")


def test_article_number_in_a_topic_heading_aligns_summaries():
    old = make([("sec:4.1", "4.1 Renewed consent (Art. 38)", "Consent is renewed when the protocol changes."),
                ("sec:4.2", "4.2 Waiver (Art. 39)", "A waiver needs committee approval.")])
    new = make([("sec:5.5", "5.5 Renewed consent (Art. 38)", "Consent is renewed when research risks change.")])
    pairs = align(old, new)
    assert [(p.old, p.new, p.how) for p in pairs] == [(0, 0, "same"), (1, None, "removed")]


def test_words_are_jieba_words_in_chinese_and_words_in_english():
    assert words("研究机构应当备案") == ["研究", "机构", "应当", "备案"]
    assert "".join(words("Within 5 working-days, file it.")) == "Within 5 working-days, file it."
    assert word_diff("within 10 days", "within 5 working days") == [
        ("=", "within "), ("-", "10"), ("+", "5 working"), ("=", " days")]
    assert edit_phrase(word_diff("应当在10日内报告", "应当在5个工作日内报告"), "zh") == "\u201c10日内\u201d改为\u201c5个工作日内\u201d"


def test_a_largely_rewritten_clause_is_summarised_as_such():
    ops = word_diff("The committee meets monthly and reviews every new protocol within ten days.",
                    "Chairs rotate yearly, the committee publishes minutes, and every member votes within a week.")
    assert edit_phrase(ops, "en").startswith("largely rewritten")


def corpus_clauses(source_id: str, lang: str, e5) -> list[Clause]:
    """The real loader and chunker on a corpus file (no embedding, no index)."""
    from iitkb.schema import doc_meta_from_mapping
    from ingest.chunking import Chunker
    from ingest.loaders import load

    loaded = load(PROJECT_ROOT / "corpus" / "rules" / f"{source_id}.{lang}.md")
    meta = doc_meta_from_mapping(loaded.meta)
    return clauses(Chunker(e5.count_tokens).chunk(meta, loaded.lines))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("old_id,new_id", PAIRS)
def test_corpus_version_pairs_compare_the_same_way_twice(e5, old_id, new_id, lang):
    old, new = corpus_clauses(old_id, lang, e5), corpus_clauses(new_id, lang, e5)
    first, unchanged = diff_clauses(old, new, lang)
    again, _ = diff_clauses(corpus_clauses(old_id, lang, e5), corpus_clauses(new_id, lang, e5), lang)
    assert json.dumps([c.to_json() for c in first], ensure_ascii=False) == \
        json.dumps([c.to_json() for c in again], ensure_ascii=False)
    pairs = align(old, new)
    assert {p.old for p in pairs} - {None} == set(range(len(old))), "every old clause is accounted for"
    assert {p.new for p in pairs} - {None} == set(range(len(new))), "every new clause is accounted for"
    assert first[0].old.key == first[0].new.key == "head", "the preambles pair with each other"
    assert all(c.summary and c.kind in ("added", "removed", "changed", "moved") for c in first)


def test_corpus_pairs_find_the_facts_that_changed(e5):
    old, new = corpus_clauses("ethics-2016", "en", e5), corpus_clauses("ethics-2023", "en", e5)
    changes, _ = diff_clauses(old, new, "en")
    by_new = {c.new.label: c for c in changes if c.new}
    assert by_new["3.2 Composition"].old.label == "2.3 Composition (Art. 9)"
    assert by_new["5.5 Renewed consent (Art. 38)"].old.label == "4.1 Renewed consent (Art. 38)"
    assert by_new["4.3 Exemption from ethics review (Art. 32)"].kind == "added"
    zh, _ = diff_clauses(corpus_clauses("nhc-iit-2021", "zh", e5), corpus_clauses("nhc-iit-2024", "zh", e5), "zh")
    added = [c for c in zh if c.kind == "added"]
    assert any("国家医学研究登记备案信息系统" in c.new.text for c in added)


@pytest.fixture(scope="module")
def differ(index_settings):
    from index.index import Index

    return Differ(Index(index_settings))


def test_differ_reads_versions_from_the_index(differ):
    result = differ.diff("old-draft", "rule", role="sponsor", lang="en")
    data = result.to_json()
    assert data["old"]["doc_id"] == "old-draft-en" and data["new"]["doc_id"] == "rule-en" and data["linked"]
    assert {c["kind"] for c in data["changes"]} <= {"added", "removed", "changed", "moved"}
    cited = [c for c in data["changes"] if c["new_citation"]]
    assert cited and all(c["new_citation"]["doc_id"] == "rule-en" for c in cited)


def test_a_sponsor_cannot_compare_internal_documents(differ):
    with pytest.raises(DiffError) as hidden:
        differ.diff("sop-sae-en", "rule-en", role="sponsor")
    with pytest.raises(DiffError) as missing:
        differ.diff("no-such-doc", "rule-en", role="sponsor")
    assert str(hidden.value).replace("sop-sae-en", "X") == str(missing.value).replace("no-such-doc", "X")
    assert "SOP" not in str(hidden.value)
    assert differ.diff("sop-sae", "rule", role="staff", lang="zh").old["doc_id"] == "sop-sae-zh"


def test_cli_diff_json_markdown_and_word(index_settings, tmp_path):
    import docx

    md, word = tmp_path / "diff.md", tmp_path / "diff.docx"
    run = subprocess.run([sys.executable, "-m", "ui.cli", "diff", "old-draft", "rule", "--lang", "en", "--json",
                          "--md", str(md), "--docx", str(word)], capture_output=True, text=True,
                         env=cli_env(index_settings), cwd=PROJECT_ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert set(data) >= {"old", "new", "changes"} and data["changes"]
    assert set(data["changes"][0]) >= {"kind", "old_section", "new_section", "summary", "old_text", "new_text"}
    text = md.read_text(encoding="utf-8")
    assert "# What changed" in text and data["changes"][0]["summary"].split(":")[0] in text
    assert "old-draft-en" not in text and "rule.en.md" not in text, "no ids or paths in a document"
    paragraphs = [p.text for p in docx.Document(str(word)).paragraphs]
    assert paragraphs[0] == "What changed" and any("Measures on Investigator-Initiated" in p for p in paragraphs)
    refused = subprocess.run([sys.executable, "-m", "ui.cli", "diff", "sop-sae", "rule"], capture_output=True,
                             text=True, env=cli_env(index_settings), cwd=PROJECT_ROOT, timeout=300)
    assert refused.returncode == 2 and "SOP" not in refused.stderr


def test_the_100_article_benchmark_compares_a_real_revision():
    """The time itself is `iitkb bench`'s figure (a shared machine makes a timed assertion flaky)."""
    figures = benchmark_diff(100, runs=1)
    assert figures["articles"] == 100 and figures["changes"] >= 20
    assert figures["warm_s"] > 0 and figures["first_s"] > 0


def test_iitkb_bench_reports_the_diff_figure(monkeypatch, tmp_path):
    """Only the diff figure is real here: the index runs and the plots are stood in for."""
    import evals.bench as bench
    import evals.bench_report as report

    monkeypatch.setattr(bench, "measure", lambda pipeline, size, chroma_url="": {"pipeline": pipeline, "size": size})
    monkeypatch.setattr(bench, "raw_embedder_rate", lambda: {"batch_32": 1.0})
    monkeypatch.setattr(report, "_plot", lambda result, directory: None)
    result = bench.run_bench([10])
    assert result["diff"]["articles"] == 100 and result["diff"]["changes"] >= 20
    text = report.write_bench_report(result, tmp_path).read_text(encoding="utf-8")
    assert "Comparing two 100-article rules" in text


def test_a_change_question_is_answered_from_the_differences_citing_both_versions(searcher):
    from retrieval.changes_answer import ChangeAnswerer

    changes = ChangeAnswerer(searcher)
    answer = changes.answer("What changed between the 2019 draft and the 2024 measures on review?", role="sponsor",
                            id="v1")
    data = answer.to_json()
    assert set(data) >= {"id", "question", "role", "language", "answer", "abstained", "citations", "latency_ms"}
    assert data["id"] == "v1" and data["language"] == "en" and not data["abstained"]
    cited = {c["doc_id"] for c in data["citations"]}
    assert cited == {"old-draft-en", "rule-en"}
    assert [c["n"] for c in data["citations"]] == list(range(1, len(data["citations"]) + 1))
    assert all(f"[{c['n']}]" in data["answer"] for c in data["citations"])
    for c in data["citations"]:
        clause = " ".join(k.text for k in searcher.index.document_chunks(c["doc_id"]) if k.meta["section"] == c["section"])
        assert all(s in clause for s in split_sentences(c["quote"])), "every quote is the cited clause's own words"
    assert "superseded" in data["answer"], "the old version's status is named"


@pytest.mark.parametrize("question", ["What reviews must a study pass?", "What changes must be reported?",
                                      "2019年草案和2024年规定在审查上有什么区别吗？"])
def test_other_questions_are_left_to_the_answerer(searcher, question):
    from retrieval.changes_answer import ChangeAnswerer

    answer = ChangeAnswerer(searcher).answer(question, role="sponsor")
    assert answer is None or {c["doc_id"] for c in answer.to_json()["citations"]} <= {"old-draft-en", "rule-en"}
    if "区别" not in question:
        assert answer is None


def test_a_sponsor_change_question_never_reaches_internal_versions(searcher):
    from retrieval.changes_answer import ChangeAnswerer

    question = "What changed in the SOP Safety Desk SAE Intake compared with the previous version?"
    assert ChangeAnswerer(searcher).asked(question, "sponsor") is None
