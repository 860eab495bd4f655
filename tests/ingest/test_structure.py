"""Structure in any format: every article its own unit with its label and chapter, only labels in
the heading path, and body text that merely mentions an article left alone."""

import pytest

from ingest.chunking import Chunker
from ingest.loaders import Line, load
from ingest.structure import StructureParser
from iitkb.schema import DocMeta
from tests.ingest import official

# The target: at least 98% of articles their own unit with the right label and chapter.
ARTICLE_TARGET = 0.98


def meta(lang="zh"):
    return DocMeta(doc_id=f"rule-{lang}", source_id="rule", title="测试办法", lang=lang, access="public")


@pytest.fixture(scope="module")
def chunker(e5):
    return Chunker(e5.count_tokens, max_tokens=120, overlap=16)


def articles(chunks):
    """(label, key, chapter) per article, once each, in order."""
    return list(dict.fromkeys((c.meta["section"], c.meta["section_key"], c.meta["chapter"])
                              for c in chunks if c.meta["section_key"].startswith("art:")))


def share_right(chunks) -> float:
    expected = official.expected_articles()
    return sum(1 for e in expected if e in articles(chunks)) / len(expected)


@pytest.mark.parametrize("writer", [official.write_text, official.write_markdown, official.write_html],
                         ids=["text", "markdown", "html"])
def test_every_article_has_its_label_and_chapter(chunker, tmp_path, writer):
    suffix = {"write_text": ".txt", "write_markdown": ".md", "write_html": ".html"}[writer.__name__]
    chunks = chunker.chunk(meta(), load(writer(tmp_path / f"rule{suffix}")).lines)
    assert articles(chunks) == official.expected_articles()
    assert share_right(chunks) >= ARTICLE_TARGET


def test_bare_and_numbered_sections_head_their_articles(chunker, tmp_path):
    chunks = chunker.chunk(meta(), load(official.write_text(tmp_path / "rule.txt")).lines)
    context = {c.meta["section_key"]: c.meta["context"] for c in chunks}
    assert context["art:4"] == "第二章 样本的采集 > 第一节 知情同意 > 第四条"
    assert context["art:6"] == "第二章 样本的采集 > 第二节 采集操作 > 第六条"
    assert context["art:8"] == "第三章 保存与运输 > 样本库管理 > 第八条"
    assert context["art:10"] == "第三章 保存与运输 > 运输要求 > 第十条"
    assert all("运输要求" not in c.text for c in chunks if c.meta["section_key"] == "art:9")


def test_heading_path_holds_labels_and_the_first_paragraph_stays_body(chunker, tmp_path):
    """Issue 13.5: the article's first paragraph is quotable text, never its heading."""
    chunks = chunker.chunk(meta(), load(official.write_markdown(tmp_path / "rule.md")).lines)
    first = next(c for c in chunks if c.meta["section_key"] == "art:1")
    assert first.meta["context"].endswith("第一章 总 则 > 第一条")
    assert "为了规范临床研究中生物样本的管理" in first.text
    assert "为了" not in first.meta["context"]
    lines = [Line("第十条 伦理审查", heading=3), Line("研究应当经伦理委员会审查同意。"),
             Line("第十一条 研究者应当在二十四小时内报告严重不良事件，并记录处理经过。", heading=3)]
    chunks = chunker.chunk(meta(), lines)
    assert [c.meta["context"] for c in chunks] == ["第十条 伦理审查", "第十一条"]
    assert chunks[1].text.startswith("第十一条 研究者应当在二十四小时内报告严重不良事件")


def test_items_stay_inside_their_article_and_long_articles_split_at_paragraphs(chunker, tmp_path, e5):
    chunks = chunker.chunk(meta(), load(official.write_text(tmp_path / "rule.txt")).lines)
    fifth = [c for c in chunks if c.meta["section_key"] == "art:5"]
    assert len(fifth) == 1 and "（三）样本是否用于今后的其他研究。" in fifth[0].text
    small = Chunker(e5.count_tokens, max_tokens=64, overlap=8)
    ninth = [c for c in small.chunk(meta(), load(official.write_text(tmp_path / "rule.txt")).lines)
             if c.meta["section_key"] == "art:9"]
    assert len(ninth) >= 2 and {c.meta["section"] for c in ninth} == {"第三章 第九条"}
    paragraphs = [p.strip() for p in official.CHAPTERS[3][3][1][1].splitlines()]
    for chunk in ninth:      # each piece is whole paragraphs (款), never half of one
        assert all(line.strip().removeprefix("第九条").strip() in paragraphs for line in chunk.text.splitlines())


def test_english_official_text_in_plain_lines(chunker):
    text = """Measures for Clinical Research Samples
Chapter I General Provisions
Article 1 These Measures are formulated to regulate samples in clinical research.
Article 2 They apply to medical institutions.
Article 36 of the pilot measures is cited here and is not an article.
Chapter II Storage
Article 3 Samples are kept for fifteen years after the study ends."""
    chunks = chunker.chunk(meta("en"), [Line(t) for t in text.splitlines()])
    assert [(c.meta["section"], c.meta["chapter"]) for c in chunks if c.meta["section_key"] != "head"] == [
        ("Article 1", "Chapter I General Provisions"), ("Article 2", "Chapter I General Provisions"),
        ("Article 3", "Chapter II Storage")]
    assert "Article 36 of the pilot" in chunks[2].text


@pytest.mark.parametrize("body", ["第三十六条要求每个机构建立本机构制度。", "第二条规定，本办法适用于高等学校。",
                                  "第二章对临床研究作出分类，并提出基本要求。", "第九十条 这一条号远在后面，是引用。"])
def test_lines_that_mention_an_article_stay_body_text(body):
    lines = [Line("第一章 总则", heading=2), Line("第一条 目的", heading=3), Line("为了规范研究。"),
             Line(body)]
    units = StructureParser("zh", lines).parse()
    assert [u.key for u in units] == ["art:1"] and body in [t for t, _ in units[0].lines]


def test_unspaced_article_lines_in_plain_text_run_in_sequence():
    lines = [Line(t) for t in ("第一章总则", "第一条为了规范研究，制定本办法。", "第二条本办法适用于医疗机构。",
                               "第二条规定的机构应当备案。", "第三条机构应当登记。")]
    units = StructureParser("zh", lines).parse()
    assert [(u.label, u.key) for u in units] == [("第一章 第一条", "art:1"), ("第一章 第二条", "art:2"),
                                                ("第一章 第三条", "art:3")]
    assert "第二条规定的机构应当备案。" in [t for t, _ in units[1].lines]
