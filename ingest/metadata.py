"""Metadata read from an official text that carries no front matter or sidecar.

Users add rules as published: the header states the title, the document number
(国卫科教发〔2024〕32号, 国务院令第717号, 2020年第57号, "Notice No. 15"), the issuer (in the number,
the title's "X关于…" or the signature block) and the dates ("自2019年7月1日起施行",
"自发布之日起施行"). Reading them keeps a rule filterable by type, issuer and date instead of
filed as a "document" named after its file. Only the head of the text (before the first article)
is searched for the title and the number, so a number cited in the body is never taken for the
document's own. Declared metadata always wins; ingest/pipeline.py merges and records which
fields came from where.
"""

from __future__ import annotations

import re

from ingest.dates import DATE, DATE_LINE, to_iso
from ingest.loaders import Line
from iitkb.text import detect_lang, has_cjk

# The head of a document: the lines before its first article, at most this many non-empty ones.
HEAD_LINES = 40
TITLE_WORDS_ZH = ("办法", "条例", "规定", "规范", "细则", "规则", "指导原则", "指南", "通知", "公告",
                  "通告", "决定", "意见", "方案", "标准", "要求", "法")
TITLE_WORDS_EN = r"Measures|Regulations?|Provisions|Rules|Guidelines?|Guidance|Guiding Principles|" \
                 r"Notice|Announcement|Circular|Law|Decision|Opinions|Specifications?|Standards?"
_TITLE_TAIL = re.compile(r"[（(](?:试行|暂行|征求意见稿|修订|修正|\d{4}年[^）)]*)[）)]$")
_NUMBER_TAIL = re.compile(r"[（(][^（）()]*\d+\s*号[）)]$")
_ORG_END = re.compile(r"(?:委员会|委|局|部|院|署|办公厅|办公室|中心|政府|总局)$")
_NAME_END = re.compile(r"委员会|委|局|部|院|署|办公厅|中心|日")
_ORG_END_EN = re.compile(r"\b(?:Commission|Administration|Council|Ministry|Bureau|Office|Cent(?:er|re)|"
                         r"Committee)$")
# Document numbers: 国卫科教发〔2024〕32号; (中华人民共和国)国务院令第717号; 2020年第57号; Notice No. 15.
_BRACKET_NO = re.compile(r"([\u4e00-\u9fff]{1,12})\s*[〔\[［【]\s*((?:19|20)\d{2})\s*[〕\]］】]\s*第?\s*(\d+)\s*号")
# The decree's name holds no date characters: "2019年5月28日国务院令第717号" names 国务院.
_DECREE_NO = re.compile(r"((?:中华人民共和国)?(?:(?![年月日号])[\u4e00-\u9fff]){2,20}?令)\s*[（(]?\s*第\s*"
                        r"([\d〇零一二三四五六七八九十百]+)\s*号")
# A law is adopted by the NPC or its Standing Committee (the 主席令 only promulgates it).
_LEGISLATURE = re.compile(r"全国人民代表大会(?:常务委员会)?")
_YEAR_NO = re.compile(r"((?:19|20)\d{2})\s*年\s*第\s*(\d+)\s*号")
_EN_NO = re.compile(rf"\b(?:(?:{TITLE_WORDS_EN}|Decree|Order)\s+No\.\s*\d+"
                    r"(?:\s*(?:of\s+)?\[?(?:19|20)\d{2}\]?)?|"
                    r"[A-Z][a-z]+(?:\s[A-Z][a-z]+)*\s*\[(?:19|20)\d{2}\]\s*No\.\s*\d+)")
_LABELS = {"title": r"标题|名称|Title", "doc_number": r"发文字号|文号|Document No\.?",
           "issuer": r"发文机关|发布机关|发布单位|Issued by|Issuing (?:authority|body)",
           "issued": r"成文日期|印发日期|Date of issue", "effective": r"施行日期|实施日期|生效日期|Effective date"}
_LABEL_LINE = {k: re.compile(rf"^(?:{v})\s*[:：]\s*(.+)$", re.I) for k, v in _LABELS.items()}
_FROM_DATE = re.compile(rf"自\s*({DATE})\s*起\s*(?:施行|实施|执行|生效)|"
                        rf"(?:come|comes|came|enter|enters|entered)\s+into\s+(?:force|effect)\s+"
                        rf"(?:on|as of|from)\s+({DATE})",
                        re.I)
_FROM_ISSUE = re.compile(r"自\s*(?:发布|印发|公布|颁布)之日起\s*(?:施行|实施|执行|生效)|"
                         r"into\s+(?:force|effect)\s+(?:on|as of|from)\s+the\s+date\s+of\s+"
                         r"(?:promulgation|issuance|publication|release|issue)", re.I)
_OWN = re.compile(r"本(?:办法|条例|规定|规范|细则|规则|指导原则|指南|通知|公告|决定|法|标准)|These|This", re.I)
_PUBLISHED = re.compile(rf"({DATE})[^，。；（）()]{{0,30}}?(?:公布|发布|印发|颁布|通过)")
# Lead codes of document numbers and whose they are (the issuing body's own numbering; 国卫 was the
# National Health and Family Planning Commission's until the NHC replaced it in March 2018).
CODE_ISSUERS = (("国卫", 2018, "国家卫生健康委员会", "国家卫生和计划生育委员会"),
                ("国药监", 0, "国家药品监督管理局", ""), ("食药监", 0, "国家食品药品监督管理总局", ""),
                ("国中医药", 0, "国家中医药管理局", ""), ("国疾控", 0, "国家疾病预防控制局", ""),
                ("国科发", 0, "科学技术部", ""), ("国办", 0, "国务院办公厅", ""), ("国发", 0, "国务院", ""))


def read_metadata(lines: list[Line], hints: dict | None = None) -> dict[str, str]:
    """Fields found in the text: title, doc_number, issuer, issued, effective, doc_type, status, lang."""
    texts = [" ".join(line.text.split()) for line in lines]
    texts = [t for t in texts if t]
    head = _head(texts)
    found = {k: v for k, v in _labelled(head).items() if v}
    title = found.get("title") or _title(lines, head, hints or {})
    number, number_issuer = _number(head)
    signers, signed = _signature(texts)
    issued = found.get("issued") or signed or _published(head)
    values = {"title": title, "doc_number": found.get("doc_number") or number,
              "issuer": found.get("issuer") or signers or _title_issuer(title) or _legislature(head)
              or number_issuer,
              "issued": issued, "effective": found.get("effective") or _effective(texts, issued),
              "doc_type": doc_type_of(title), "status": _status(title),
              "lang": detect_lang("\n".join(texts[:400]))}
    return {k: v for k, v in values.items() if v}


def _head(texts: list[str]) -> list[str]:
    head = []
    for text in texts[:HEAD_LINES]:
        if re.match(r"^(?:第\s*[一二三四五六七八九十百\d]+\s*[章条]|Article\s+1\b|Chapter\s+(?:1|I)\b)", text):
            break
        head.append(text)
    return head


def _labelled(head: list[str]) -> dict[str, str]:
    """"发文字号：…", "成文日期：…" as policy-library pages list them."""
    found: dict[str, str] = {}
    for text in head:
        for name, pattern in _LABEL_LINE.items():
            match = pattern.match(text)
            if match and name not in found:
                value = match.group(1).strip()
                found[name] = to_iso(value) if name in ("issued", "effective") else value
    return found


def _title(lines: list[Line], head: list[str], hints: dict) -> str:
    first = next((" ".join(l.text.split()) for l in lines if l.heading == 1 and l.text.strip()), "")
    return first or hints.get("title", "") or _title_line(head) or next(
        (" ".join(l.text.split()) for l in lines if l.heading and l.text.strip()), "")


def _title_line(head: list[str]) -> str:
    """The first head line shaped like a title, joined to the line before when it was wrapped."""
    for i, text in enumerate(head):
        tail = head[i + 1] if i + 1 < len(head) else ""
        if (len(tail) <= 12 and not re.search(r"[\W\d]", tail) and not re.search(r"\d", text)
                and not _ORG_END.search(text) and f"{text}{tail}".endswith(TITLE_WORDS_ZH)):
            text = f"{text}{tail}"                  # "…管理办法" over "的通知": a title wrapped by the page
        text = _NUMBER_TAIL.sub("", text)
        bare = _TITLE_TAIL.sub("", text.strip("《》 "))
        if 4 <= len(text) <= 80 and not re.search(r"[。；：:，,]", text):
            if bare.endswith(TITLE_WORDS_ZH) and not _number_in(text):
                before = head[i - 1] if i else ""
                wrapped = (before and len(before) <= 30 and not re.search(r"[\W\d]", before)
                           and not _ORG_END.search(before) and not before.endswith(TITLE_WORDS_ZH))
                return f"{before}{text}" if wrapped else text
            english = re.search(rf"\b(?:{TITLE_WORDS_EN})\b", text) and text[:1].isupper()
            if english and not text.endswith("."):
                return text
    return ""


def _number_in(text: str) -> bool:
    return any(p.search(text) for p in (_BRACKET_NO, _DECREE_NO, _YEAR_NO))


def _number(head: list[str]) -> tuple[str, str]:
    """(document number, the issuer it names) from the head; a line that is the number comes first."""
    joined = [f"{a}{b}" if a.endswith("令") and re.match(r"^第\s*\S+\s*号$", b) else a
              for a, b in zip(head, head[1:] + [""])]
    ranked = sorted(joined, key=lambda t: len(re.sub(r"[\s（）()]", "", t)))
    for text in [t for t in ranked if len(t) <= 40] + joined:
        for pattern in (_DECREE_NO, _BRACKET_NO, _YEAR_NO, _EN_NO):
            match = pattern.search(text)
            if match:
                return _normal_number(match, pattern), _number_issuer(match, pattern)
    return "", ""


def _split_code(prefix: str) -> tuple[str, str]:
    """"国家卫生健康委国卫科教发" -> ("国家卫生健康委", "国卫科教发"): a code follows its issuer's name."""
    cut = 0
    for match in _NAME_END.finditer(prefix):
        if len(prefix) - match.end() >= 2:
            cut = match.end()
    return prefix[:cut].lstrip("日月"), prefix[cut:]


def _normal_number(match: re.Match, pattern: re.Pattern) -> str:
    number = match.group(0)
    if pattern is _EN_NO:
        return " ".join(number.split())
    number = re.sub(r"\s+", "", number)
    if pattern is _DECREE_NO:
        number = _decree_name(number)
    if pattern is _BRACKET_NO:
        prefix = re.sub(r"\s+", "", match.group(1))
        number = _split_code(prefix)[1] + number[len(prefix):]
    number = re.sub(r"^中华人民共和国", "", number)
    return number.replace("[", "〔").replace("]", "〕").replace("［", "〔").replace("］", "〕")


def _legislature(head: list[str]) -> str:
    match = next((m for m in map(_LEGISLATURE.search, head) if m), None)
    return match.group(0) if match else ""


def _decree_name(raw: str) -> str:
    """"全国人民代表大会常务委员会中华人民共和国主席令" -> "中华人民共和国主席令": the name starts
    at 中华人民共和国 where the line runs an issuer into it."""
    cut = raw.find("中华人民共和国")
    return raw[cut:] if cut > 0 else raw


def _number_issuer(match: re.Match, pattern: re.Pattern) -> str:
    if pattern is _DECREE_NO:
        name = re.sub(r"^中华人民共和国", "", _decree_name(match.group(1)))[:-1]
        return "" if name == "主席" else name       # a 主席令 promulgates a law: the legislature issued it
    if pattern is _BRACKET_NO:
        named, code = _split_code(re.sub(r"\s+", "", match.group(1)))
        if named and _ORG_END.search(named):
            return named
        year = int(match.group(2))
        for prefix, since, issuer, before in CODE_ISSUERS:
            if code.startswith(prefix):
                return issuer if year >= since or not before else before
    return ""


def _title_issuer(title: str) -> str:
    """"国家药监局 国家卫生健康委关于发布…的公告" names its issuers before 关于."""
    match = re.match(r"^(.{2,60}?)关于", title or "")
    if not match:
        return ""
    names = [n for n in re.split(r"[\s、，,]+", match.group(1)) if n]
    return "、".join(names) if names and all(_ORG_END.search(n) for n in names) else ""


def _signature(texts: list[str]) -> tuple[str, str]:
    """(issuers, date) of the first signature block: organisation lines, then a date line."""
    for i, text in enumerate(texts):
        if not DATE_LINE.match(text) or i == 0:
            continue
        names = []
        for before in reversed(texts[max(0, i - 4):i]):
            parts = before.split() if has_cjk(before) else [before]
            if len(before) <= 40 and all(_ORG_END.search(p) or _ORG_END_EN.search(p) for p in parts):
                names[:0] = parts
            else:
                break
        date = to_iso(text)
        if names or re.search(r"总理|主席|主任|局长|部长|Premier|Minister", texts[i - 1]):
            return "、".join(names), date
    # no signer named: a date line that closes the document still dates it
    return "", next((to_iso(t) for t in reversed(texts[-3:]) if DATE_LINE.match(t)), "")


def _published(head: list[str]) -> str:
    """"（2019年5月28日中华人民共和国国务院令第717号公布…）" or a date line under the title."""
    for text in head:
        match = _PUBLISHED.search(text)
        if match:
            return to_iso(match.group(1))
    return next((to_iso(t) for t in head if DATE_LINE.match(t)), "")


def _effective(texts: list[str], issued: str) -> str:
    """The rule's own "自…起施行" (preferring "本办法自…"), or its issue date "自发布之日起"."""
    best = ""
    for text in texts:
        for match in _FROM_DATE.finditer(text):
            date = to_iso(match.group(0))
            if _OWN.search(text[max(0, match.start() - 12):match.start() + 1]):
                return date
            best = best or date
        if not best and _FROM_ISSUE.search(text) and issued:
            if _OWN.search(text):
                return issued
            best = issued
    return best


def doc_type_of(title: str) -> str:
    """regulation, guidance, ethics or notice from the title; a notice that issues a rule is the rule."""
    inner = re.search(r"(?:印发|发布|公布|颁布|Issuing|Releasing|Publishing)\s*(?:the\s+)?《?(.+?)》?\s*的?(?:通知|公告|$)",
                      title or "", re.I)
    name = inner.group(1) if inner else (title or "")
    name = _TITLE_TAIL.sub("", name.strip())
    rules = ((r"伦理审查|ethic", "ethics"), (r"指导原则|指南|技术要求|guideline|guidance|guiding principles", "guidance"),
             (r"条例|办法|规定|细则|规则|规范|决定|法$|regulation|measures|provisions|rules|law\b|specification",
              "regulation"),
             (r"通知|公告|通告|notice|announcement|circular", "notice"))
    return next((kind for pattern, kind in rules if re.search(pattern, name, re.I)), "")


def _status(title: str) -> str:
    if re.search(r"征求意见稿|草案|draft for comment|exposure draft", title or "", re.I):
        return "draft"
    if re.search(r"[（(]\s*(?:试行|trial)\s*[）)]", title or "", re.I):
        return "trial"
    return ""


def number_key(number: str) -> str:
    """One spelling of a document number for matching: 国务院令 第717号 == 国务院令第717号."""
    number = re.sub(r"^中华人民共和国", "", number.strip())
    return re.sub(r"[\s〔〕\[\]［］【】()（）]", "", number).lower()
