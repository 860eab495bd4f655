"""Metadata read from official texts: title, number, issuer, dates, type; declared values win."""

from pathlib import Path

import pytest

from ingest.docmeta import document_meta
from ingest.loaders import Line, Loaded, load
from ingest.metadata import doc_type_of, number_key, read_metadata
from tests.ingest import official

EXPECTED = {"doc_number": official.NUMBER, "issuer": official.ISSUER, "issued": official.ISSUED,
            "effective": official.EFFECTIVE, "doc_type": "regulation", "lang": "zh"}


@pytest.mark.parametrize("writer,title", [
    (official.write_text, official.NOTICE), (official.write_markdown, official.TITLE),
    (official.write_html, official.NOTICE), (official.write_pdf, official.NOTICE)],
    ids=["text", "markdown", "html", "pdf"])
def test_every_fixture_gives_title_number_issuer_and_dates(tmp_path, writer, title):
    suffix = {"write_text": ".txt", "write_markdown": ".md", "write_html": ".html", "write_pdf": ".pdf"}
    loaded = load(writer(tmp_path / f"rule{suffix[writer.__name__]}"))
    assert read_metadata(loaded.lines, loaded.hints) == {"title": title, **EXPECTED}


def read(text: str) -> dict:
    return read_metadata([Line(t) for t in text.strip().splitlines()])


def test_state_council_decree():
    found = read("""中华人民共和国国务院令
第717号
《示例资源管理条例》已经2019年3月20日国务院第41次常务会议通过，现予公布，自2019年7月1日起施行。
总理　某某
2019年5月28日
示例资源管理条例
第一章　总　则
第一条　为了保护示例资源，制定本条例。""")
    assert found == {"title": "示例资源管理条例", "doc_number": "国务院令第717号", "issuer": "国务院",
                     "issued": "2019-05-28", "effective": "2019-07-01", "doc_type": "regulation", "lang": "zh"}


def test_joint_announcement_with_year_number_and_signature():
    found = read("""国家药监局 国家卫生健康委关于发布示例试验质量管理规范的公告（2020年第57号）
为规范示例试验，现予发布。本规范自2020年7月1日起施行。
特此公告。
国家药监局　国家卫生健康委
2020年4月23日""")
    assert found["doc_number"] == "2020年第57号" and found["issuer"] == "国家药监局、国家卫生健康委"
    assert (found["issued"], found["effective"]) == ("2020-04-23", "2020-07-01")
    assert found["title"] == "国家药监局 国家卫生健康委关于发布示例试验质量管理规范的公告"
    assert found["doc_type"] == "regulation"


def test_in_force_on_issue_and_issuer_from_the_number():
    found = read("""示例研究伦理审查办法
国卫科教发〔2023〕4号
第一条 为保护研究参与者，制定本办法。
第五十条 本办法自发布之日起施行。
2023年2月18日""")
    assert found["issuer"] == "国家卫生健康委员会" and found["effective"] == found["issued"] == "2023-02-18"
    assert found["doc_type"] == "ethics"


def test_english_official_translation():
    found = read("""Measures for the Administration of Example Samples
Notice No. 15
Chapter I General Provisions
Article 1 These Measures are formulated to regulate samples.
Article 5 These Measures shall come into force on October 1, 2024.
National Health Commission
September 18, 2024""")
    assert found == {"title": "Measures for the Administration of Example Samples", "doc_number": "Notice No. 15",
                     "issuer": "National Health Commission", "issued": "2024-09-18",
                     "effective": "2024-10-01", "doc_type": "regulation", "lang": "en"}


def test_a_number_cited_in_the_body_is_not_the_documents_own():
    found = read("""示例样本办法
第一条 依照国卫科教发〔2016〕11号的规定，制定本办法。""")
    assert "doc_number" not in found


@pytest.mark.parametrize("title,kind", [
    ("国家卫生健康委关于印发示例管理办法的通知", "regulation"), ("示例产品临床试验技术指导原则（试行）", "guidance"),
    ("关于开展示例工作的通知", "notice"), ("涉及人的示例研究伦理审查办法", "ethics"),
    ("Guideline on Example Trials", "guidance"), ("Announcement on Issuing the Example Provisions", "regulation")])
def test_doc_type_from_the_title(title, kind):
    assert doc_type_of(title) == kind


def test_numbers_match_however_they_are_spaced():
    assert number_key("中华人民共和国国务院令 第717号") == number_key("国务院令第717号")
    assert number_key("国卫科教发[2024]32号") == number_key("国卫科教发〔2024〕32号")


def test_declared_metadata_wins_and_origins_are_recorded(tmp_path):
    path = official.write_text(tmp_path / "rule.txt")
    loaded = load(path)
    loaded.meta = {"title": "声明的标题", "doc_number": "", "access": "public"}
    meta = document_meta(Path(path), "rule.txt", loaded, "public", True, rules={})
    assert (meta.title, meta.doc_number, meta.issuer) == ("声明的标题", "", official.ISSUER)
    assert set(meta.read_from_text) == {"lang", "doc_type", "issuer", "issued", "effective"}
    assert set(meta.defaulted) == {"status", "source_id"} and meta.text_kind == "official"


def test_a_known_number_joins_the_rules_source_id(tmp_path):
    loaded = Loaded([Line(t) for t in official.plain_lines()])
    rules = {number_key(official.NUMBER): "sample-rule-2025"}
    meta = document_meta(tmp_path / "rule.txt", "rule.txt", loaded, "internal", False, rules)
    assert meta.source_id == "sample-rule-2025" and "source_id" in meta.read_from_text
    assert "access" in meta.defaulted and meta.access == "internal"
