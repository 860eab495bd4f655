"""An official-format rule, written by the tests in the shapes users add them: plain text, Markdown
from a law collection, an HTML page saved from a ministry site, and a published PDF.

The rule itself is made up (its wording is ours); its layout is the real one: a notice with a
document number and a signature block, then the measures in 章/节/条 with a bare 节 title, items
（一）, articles of several 款 and a final "自…起施行".
"""

from __future__ import annotations

from pathlib import Path

TITLE = "临床研究生物样本管理办法"
NOTICE = "国家卫生健康委关于印发临床研究生物样本管理办法的通知"
NUMBER = "国卫科教发〔2025〕99号"
ISSUER = "国家卫生健康委"
ISSUED = "2025-03-10"
EFFECTIVE = "2025-05-01"

HEADER = [NOTICE, NUMBER, "", "各省、自治区、直辖市卫生健康委：",
          "为规范临床研究中生物样本的采集、保存、运输和使用，我委制定了《临床研究生物样本管理办法》。现印发给你们，请遵照执行。",
          "", ISSUER, "2025年3月10日", "", TITLE, ""]

# (chapter line, section line or None, bare section title or None, [(article number, text)])
CHAPTERS = [
    ("第一章　总　则", None, None, [
        ("一", "为了规范临床研究中生物样本的管理，保护研究参与者的权益和个人信息，保障研究数据可靠，制定本办法。"),
        ("二", "本办法适用于医疗卫生机构开展的、需要采集或者使用人体生物样本的临床研究。"),
        ("三", "医疗卫生机构是生物样本管理的责任主体，其主要负责人对本机构的样本管理全面负责。")]),
    ("第二章　样本的采集", "第一节　知情同意", None, [
        ("四", "采集生物样本前，研究者应当取得研究参与者或者其监护人的书面知情同意。"),
        ("五", "知情同意书应当写明下列事项：\n（一）采集样本的种类和数量；\n（二）样本的保存期限和销毁方式；\n"
               "（三）样本是否用于今后的其他研究。")]),
    ("", "第二节　采集操作", None, [
        ("六", "样本采集应当由经过培训的医务人员按照标准操作规程进行，并当场贴附唯一编码标签。"),
        ("七", "采集记录应当载明采集时间、采集人员和样本状态，由采集人员签字确认。")]),
    ("第三章　保存与运输", None, "样本库管理", [
        ("八", "医疗卫生机构应当设立样本库或者委托具备条件的样本库保存样本，并指定专人管理。"),
        ("九", "血液、组织等生物样本应当在零下八十摄氏度以下保存，保存期限不得少于研究结束后十五年。\n"
               "样本库应当每日记录温度，温度超出范围时应当在二小时内处置并报告机构管理部门。\n"
               "样本出入库应当逐一登记，登记记录与样本同期保存。\n"
               "机构每年至少开展一次样本库盘点，盘点结果报机构学术委员会备案。")]),
    ("", None, "运输要求", [
        ("十", "样本运输应当使用符合生物安全要求的包装，全程记录温度，并由双人交接。"),
        ("十一", "样本运输途中发生泄漏或者丢失的，承运人员应当在二十四小时内报告研究者和机构管理部门。")]),
    ("第四章　使用与出境", None, None, [
        ("十二", "使用样本开展新的研究，超出原知情同意范围的，应当重新取得知情同意并经伦理委员会审查同意。"),
        ("十三", "向境外提供样本的，应当依照人类遗传资源管理的有关规定取得批准。"),
        ("十四", "研究结束后剩余的样本，应当按照知情同意书约定的方式销毁或者继续保存。")]),
    ("第五章　附　则", None, None, [
        ("十五", "本办法自2025年5月1日起施行。")]),
]


def expected_articles() -> list[tuple[str, str, str]]:
    """(label, section_key, chapter) of every article, as the chunker must give them."""
    expected, chapter = [], ""
    numbers = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
               "十一": 11, "十二": 12, "十三": 13, "十四": 14, "十五": 15}
    for chapter_line, _, _, articles in CHAPTERS:
        chapter = " ".join(chapter_line.split()) or chapter
        for number, _ in articles:
            label = f"{chapter.split()[0]} 第{number}条"
            expected.append((label, f"art:{numbers[number]}", chapter))
    return expected


def plain_lines() -> list[str]:
    lines = list(HEADER)
    for chapter, section, bare, articles in CHAPTERS:
        lines += [chapter] if chapter else []
        lines += [section] if section else []
        lines += [bare] if bare else []
        for number, text in articles:
            lines += [f"　　第{number}条　{text.splitlines()[0]}"] + [f"　　{t}" for t in text.splitlines()[1:]]
    return lines


def write_text(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(plain_lines()) + "\n", encoding="utf-8")
    return path


def write_markdown(path: Path) -> Path:
    """As public law collections publish: # title, the source line, ## chapters, ### sections and
    plain article lines."""
    lines = [f"# {TITLE}", "", f"（2025年3月10日{ISSUER}{NUMBER}印发　自2025年5月1日起施行）", ""]
    for chapter, section, bare, articles in CHAPTERS:
        lines += [f"## {' '.join(chapter.split())}", ""] if chapter else []
        lines += [f"### {' '.join(section.split())}", ""] if section else []
        lines += [bare, ""] if bare else []
        for number, text in articles:
            lines += [f"第{number}条 {text.splitlines()[0]}", ""] + [f"{t}\n" for t in text.splitlines()[1:]]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_html(path: Path) -> Path:
    """A ministry page: navigation, breadcrumbs, a comment, share and print links, a footer."""
    body = []
    for line in plain_lines()[1:]:
        if not line:
            continue
        centred = line.startswith("第") and ("章" in line[:5] or "节" in line[:5])
        if line.startswith("第二章"):
            body.append(f"<h2>{line}</h2>")          # one chapter marked up as a heading
        else:
            body.append(f'<p style="text-align:{"center" if centred else "left"}">{line}</p>')
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{NOTICE}_政策文件_示例政府网</title>
<script>var _hmt = [];</script></head><body>
<div class="header"><ul><li><a href="/">首页</a></li><li><a>政务公开</a></li><li><a>办事服务</a></li><li><a>互动交流</a></li></ul></div>
<div class="crumbs">当前位置：<a>首页</a> &gt; <a>政策文件</a> &gt; <a>通知公告</a></div>
<!-- 正文开始 编辑：内部备注 -->
<div class="article"><h1>{NOTICE}</h1>
<div class="info">2025-03-12 来源：示例网站 【字体：<a>大</a> <a>中</a> <a>小</a>】</div>
<div class="content">{''.join(body)}</div>
<div class="share">分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a></div>
<div class="tools"><a>【打印本页】</a> <a>【关闭窗口】</a></div></div>
<div class="footer"><p>主办单位：示例委员会办公厅　网站标识码：bm00000001　京ICP备00000000号</p><p>版权所有：示例政府网</p></div>
</body></html>"""
    path.write_text(page, encoding="utf-8")
    return path


CHROME = ("首页", "当前位置", "编辑：内部备注", "分享到", "打印本页", "关闭窗口", "版权所有", "ICP", "字体", "_hmt")


RUNNING_HEADER = "国家卫生健康委员会文件"


def write_pdf(path: Path, scanned_page: bool = True) -> Path:
    """A published PDF: a running header and a page number on every page, text wrapped by the page
    width, and (optionally) one scanned page: an image with no text layer. Adobe's STSong-Light CID
    font, as corpus/render/render.py and many official PDFs use."""
    from PIL import Image
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Image as Picture, PageBreak, Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("body", fontName="STSong-Light", fontSize=11, leading=16)

    def furniture(canvas, document):
        canvas.setFont("STSong-Light", 9)
        canvas.drawCentredString(A5[0] / 2, A5[1] - 30, RUNNING_HEADER)
        canvas.drawCentredString(A5[0] / 2, 25, f"— {document.page} —")

    story = [Paragraph(line.strip() or "&nbsp;", style) for line in plain_lines()]
    if scanned_page:
        scan = path.with_suffix(".png")
        Image.new("RGB", (400, 560), "white").save(scan)
        story += [PageBreak(), Picture(str(scan), width=200, height=280)]
    path.parent.mkdir(parents=True, exist_ok=True)
    SimpleDocTemplate(str(path), pagesize=A5, topMargin=50, bottomMargin=50).build(
        story, onFirstPage=furniture, onLaterPages=furniture)
    if scanned_page:
        scan.unlink()
    return path
