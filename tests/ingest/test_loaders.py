"""Loaders read real files: PDFs (pypdf) with page numbers, DOCX headings, HTML, GBK text."""

from pathlib import Path

import pytest

from ingest.loaders import SkipFile, load
from tests.conftest import make_docx, make_pdf, write


def test_pdf_keeps_chinese_english_text_and_page_numbers(tmp_path):
    path = make_pdf(tmp_path / "rule.pdf", [
        ["第一章 总则", "第一条 为规范临床研究管理，制定本办法。"],
        ["第二条 医疗卫生机构是临床研究的责任主体。", "Article 2 The institution is responsible."],
    ])
    lines = [line for line in load(path).lines if line.text]
    assert [(l.text, l.page) for l in lines] == [
        ("第一章 总则", 1), ("第一条 为规范临床研究管理，制定本办法。", 1),
        ("第二条 医疗卫生机构是临床研究的责任主体。", 2), ("Article 2 The institution is responsible.", 2)]


def test_docx_headings_become_heading_lines(tmp_path):
    path = make_docx(tmp_path / "sop.docx", [
        ("Heading 1", "1. Purpose"), (None, "Defines how SAEs are handled."),
        ("Heading 2", "4.2 Reporting"), (None, "Report within 24 hours using form F-SAE-01.")])
    lines = load(path).lines
    assert [(l.text, l.heading) for l in lines] == [
        ("1. Purpose", 1), ("Defines how SAEs are handled.", None),
        ("4.2 Reporting", 2), ("Report within 24 hours using form F-SAE-01.", None)]


def test_html_keeps_visible_text_only(tmp_path):
    path = write(tmp_path / "page.html", """<html><head><title>伦理审查</title>
        <style>.x{color:red}</style><script>var secret = "tracking";</script></head>
        <body><h2>第七条 伦理委员会</h2><p>委员会至少七人。</p><noscript>enable js</noscript></body></html>""")
    loaded = load(path)
    text = "\n".join(l.text for l in loaded.lines)
    assert "第七条 伦理委员会" in text and "委员会至少七人。" in text
    assert "tracking" not in text and "color" not in text and "enable js" not in text
    assert loaded.hints["title"] == "伦理审查" and loaded.meta == {}   # read from the page, not declared


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb18030"])
def test_text_in_utf8_or_gbk_is_decoded(tmp_path, encoding):
    path = tmp_path / "notice.txt"
    path.write_bytes("第十条 研究者应当在24小时内报告严重不良事件。".encode(encoding))
    assert load(path).lines[0].text == "第十条 研究者应当在24小时内报告严重不良事件。"


def test_markdown_front_matter_is_the_metadata(tmp_path):
    path = write(tmp_path / "a.md", "---\ndoc_id: a-en\ntitle: A\nlang: en\n---\n## Article 1\nText.\n")
    loaded = load(path)
    assert loaded.meta == {"doc_id": "a-en", "title": "A", "lang": "en"}
    assert loaded.lines[0].text == "Article 1" and loaded.lines[0].heading == 2


def test_sidecar_metadata_for_pdf(tmp_path):
    path = make_pdf(tmp_path / "sop.pdf", [["1. Purpose", "Text."]])
    write(tmp_path / "sop.meta.yaml", "doc_id: sop-x-en\naccess: internal\n")
    assert load(path).meta == {"doc_id": "sop-x-en", "access": "internal"}


@pytest.mark.parametrize("name,content,reason", [
    ("empty.pdf", b"", "damaged or truncated PDF"),
    ("bin.txt", b"\x00\x01\x02binary\x00", "binary content"),
    ("broken.md", "---\ntitle: [unclosed\n---\nbody".encode(), "not valid YAML"),
    ("open.md", b"---\ntitle: x\nbody without end", "never closed"),
    ("tool.exe", b"MZ", "unsupported file type .exe"),
])
def test_bad_files_raise_actionable_reasons(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SkipFile, match=reason):
        load(path)


def test_truncated_encrypted_and_image_only_pdfs(tmp_path):
    from pypdf import PdfWriter

    good = make_pdf(tmp_path / "good.pdf", [["第一条 内容。"]])
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 3])
    with pytest.raises(SkipFile, match="damaged or truncated|cannot be read|no extractable text"):
        load(truncated)

    writer = PdfWriter(clone_from=str(good))
    writer.encrypt(user_password="secret", owner_password="owner")
    with (tmp_path / "locked.pdf").open("wb") as fh:
        writer.write(fh)
    with pytest.raises(SkipFile, match="encrypted PDF"):
        load(tmp_path / "locked.pdf")

    blank = PdfWriter()
    blank.add_blank_page(width=595, height=842)
    with (tmp_path / "scan.pdf").open("wb") as fh:
        blank.write(fh)
    with pytest.raises(SkipFile, match="no extractable text"):
        load(tmp_path / "scan.pdf")


def test_official_html_page_loses_site_chrome_and_comments(tmp_path):
    from tests.ingest import official

    loaded = load(official.write_html(tmp_path / "notice.html"))
    text = "\n".join(l.text for l in loaded.lines)
    assert not [c for c in official.CHROME if c in text], "navigation, share, print, footer or a comment leaked"
    for number in ("第一条", "第九条", "第十五条"):
        assert any(l.text.startswith(number) for l in loaded.lines)
    assert ("第二章 样本的采集", 2) in [(l.text, l.heading) for l in loaded.lines], "the <h2> chapter was lost"
    assert loaded.hints["title"] == official.NOTICE


def test_table_laid_out_page_keeps_text_drops_menus_and_keeps_data_tables(tmp_path):
    path = write(tmp_path / "old.html", """<html><head><title>样本管理办法 - 示例局</title></head><body>
        <table><tr><td colspan="2">示例局 | <a>首页</a> | <a>政务公开</a></td></tr>
        <tr><td><table><tr><td><a>法规文件</a></td></tr><tr><td><a>公告通告</a></td></tr></table></td>
        <td><p>第一条 为了规范样本管理，制定本办法。本办法所称样本，是指研究中采集的人体材料。</p>
        <p>第二条 样本保存期限如下表，机构应当按表执行，并记录每一次出入库的时间和经手人员。</p>
        <table border="1"><tr><th>样本类型</th><th>保存期限</th></tr><tr><td>血液样本</td><td>五年</td></tr></table>
        <p>第三条 本办法自2025年1月1日起施行，此前的有关规定同时废止，各单位应当及时清理。</p></td></tr>
        <tr><td colspan="2">版权所有 示例局 | 京ICP备00000001号</td></tr></table></body></html>""")
    text = "\n".join(l.text for l in load(path).lines)
    assert "第一条 为了规范样本管理" in text and "血液样本 | 五年" in text
    assert not [c for c in ("首页", "政务公开", "法规文件", "版权所有", "ICP") if c in text]


def test_published_pdf_loses_running_header_and_page_numbers_and_reports_scans(tmp_path):
    from tests.ingest import official

    loaded = load(official.write_pdf(tmp_path / "rule.pdf"))
    texts = [l.text.strip() for l in loaded.lines if l.text.strip()]
    assert official.RUNNING_HEADER not in texts
    assert not [t for t in texts if t.startswith("—") and t.endswith("—")], "page numbers left in"
    assert loaded.ocr_pages == [4]
    ninth = next(t for t in texts if t.startswith("第九条"))
    assert ninth.endswith("保存期限不得少于研究结束后十五年。"), "the wrapped line was not joined back"
    assert len({l.page for l in loaded.lines}) == 3


def test_pdf_with_only_scanned_pages_names_them(tmp_path):
    from PIL import Image
    from reportlab.pdfgen import canvas

    scan = tmp_path / "scan.png"
    Image.new("RGB", (200, 280), "white").save(scan)
    page = canvas.Canvas(str(tmp_path / "scan.pdf"))
    for _ in range(2):
        page.drawImage(str(scan), 50, 300, 200, 280)
        page.showPage()
    page.save()
    with pytest.raises(SkipFile, match=r"no extractable text.*pages 1, 2 are images.*ocrmypdf"):
        load(tmp_path / "scan.pdf")
