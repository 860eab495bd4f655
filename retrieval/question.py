"""What a question asks for, in either language: the slot its answer must fill.

A reader who asks "至少需要几名委员？" wants a number of members, one who asks "who approves?" a
body or role; a sentence that is on topic but fills no slot is not the answer. ``analyse`` reads
the slots from the pattern tables in retrieval/slots.py (data, tested in both languages), so a new
way of asking is one more pattern, not new code.

Example::

    ask = analyse("How long must Decree 818 research records be kept?")
    ask.slot          # "duration"
    ask.slots         # ("duration",)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from iitkb.text import CJK, detect_lang, split_sentences
from retrieval import slots as tables
from retrieval.versions import doc_year


@dataclass(frozen=True)
class Ask:
    lang: str
    slots: tuple[str, ...]           # every slot asked for, primary first (see slots.SLOT_ORDER)
    yesno: str | None = None         # "permission", "need", or "fact" for other yes/no questions
    meta: bool = False               # asks about the document itself: status, dates, size
    unit: str | None = None          # what a count question counts: "people", "member", "轮"
    thresholds: frozenset = frozenset()   # ("above", "10", "%") for "discount above 10%"
    text: str = ""
    compares: bool = False           # "比常规审评快多少": both sides' values are asked for

    @property
    def slot(self) -> str | None:
        return self.slots[0] if self.slots else None

    @property
    def fact_slots(self) -> tuple[str, ...]:
        return tuple(s for s in self.slots if s in tables.FACT_SLOTS)


@lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I)


def matches(patterns: list[str], text: str) -> bool:
    return bool(patterns) and _compiled(tuple(patterns)).search(text) is not None


def analyse(question: str) -> Ask:
    """The slots ``question`` asks for; patterns of both languages apply to a mixed question
    ("SUSAR fatal 报告时限是多少天？"), since people type both in one line."""
    lang = detect_lang(question)
    text = question.strip()
    found = [slot for slot in tables.SLOT_ORDER
             if any(matches(tables.ASKS[slot][code], text) for code in ("zh", "en"))]
    if "duration" in found and "count" in found and not _counts_things(text):
        found.remove("count")        # "how many days" asks for a duration only
    if _DOCUMENT_LENGTH.search(text):
        found = ["count"] + [s for s in found if s not in ("duration", "count")]   # pages, not time
        return Ask(lang, tuple(found), None, True, "page", frozenset(), text, False)
    yesno = _yesno_kind(text) if "yesno" in found else None
    unit = _count_unit(text) if "count" in found else None
    return Ask(lang, tuple(found), yesno, matches(tables.ASKS_META, text), unit, thresholds(text), text,
               matches(tables.COMPARES, text))


# "How long is the guideline?" asks for its pages; "how long is the review?" for a duration.
_DOCUMENT_LENGTH = re.compile(r"\bhow long is (?:the |this |that )?(?:(?!review|approval|period|clock|process|validity|"
                              r"retention|wait|trial|study|procedure)[\w'’-]+ ){0,6}(?:guideline|guidance|document|text|"
                              r"measures|regulation|rules?|notice|announcement|law|provisions|GCP|GVP)\b", re.I)
_PEOPLE = "名人位"
_EN_COUNTED = re.compile(r"(?:how many|(?:minimum|maximum|min|max) number of|number of) ((?:[\w-]+ ?){1,4})", re.I)
_NOT_COUNTED = {"must", "do", "does", "did", "are", "is", "can", "should", "have", "has", "will", "were", "was", "may",
                "need", "of", "in", "for", "under", "at", "does", "to", "there", "we", "you", "i",
                "required", "needed", "allowed", "per"}


def _count_unit(text: str) -> str | None:
    """"几名委员" counts people; "how many ethics committee members" counts members."""
    zh = re.search(r"(?:几|多少)(?:个(?=人|部分))?(名|人|位|项|条|种|轮|页|家|次|个|份|款|部分|章|节)", text)
    if zh:
        return "people" if zh.group(1) in _PEOPLE else zh.group(1)
    en = _EN_COUNTED.search(text)
    if not en:
        return None
    words = []
    for word in en.group(1).lower().split():
        if word in _NOT_COUNTED:
            break
        words.append(word)
    return words[-1].rstrip("s")[:6] if words else None


_AMOUNT = (r"(?:RMB|USD|¥|￥)?\s*(\d+(?:\.\d+)?)\s*(%|％|percent\b|per cent\b|万元|元|million|working days?|days?|"
           r"hours?|months?|years?)?")
_THRESHOLD = re.compile(rf"(?:({tables.ABOVE})|({tables.BELOW}))\s*{_AMOUNT}|{_AMOUNT}\s*(以上|以下)", re.I)


def thresholds(text: str) -> frozenset:
    """(direction, number, unit) of each threshold a text states: "over 10%", "10% 以上"."""
    found = set()
    for m in _THRESHOLD.finditer(text):
        if m.group(3):
            direction = "above" if m.group(1) else "below"
            number, unit = m.group(3), m.group(4)
        else:
            direction = "above" if m.group(7) == "以上" else "below"
            number, unit = m.group(5), m.group(6)
        unit = re.sub(r"^(?:％|percent|per cent)$", "%", (unit or "").lower())
        found.add((direction, number, unit.rstrip("s")))
    return frozenset(found)


_JOINED = re.compile(r"(?:,\s*|\s+)and (?=(?:how|what|when|who|which|where|by when|is|are|do|does|can)\b)|"
                     r"[，,；;、]\s*(?=[^，,；;、]*(?:多久|多少|何时|什么|哪|谁|几|是否|吗|怎么|如何))", re.I)
# A question without a slot still asks something: "起算日怎么定？", "多出来的怎么办？", "How is day 0 set?"
_ASKS = re.compile(r"怎么|怎样|如何|什么|为什么|[？?]\s*$|^(?:how|what|why|which)\b", re.I)


def sub_questions(question: str) -> list[str]:
    """The questions a message asks, in order: "是正式版吗？文号是多少？" asks two, "When did it take
    effect, and how many articles does it have?" too. One question comes back as itself."""
    asking, pending = [], ""
    for sentence in split_sentences(question):
        for part in (p.strip() for p in _JOINED.split(sentence) if p and p.strip()):
            if asking and not pending and matches(tables.ASKS_SOURCE, part):
                asking[-1] = f"{asking[-1]} {part}"       # "Which article says so?" asks about the last one
            elif analyse(part).slots or _ASKS.search(part):
                asking.append(f"{pending}{part}")
                pending = ""
            else:      # a statement or a fragment ("非致死、……") belongs to the question after it
                pending = f"{pending}{part}{'' if CJK.search(part) else ' '}"
    return asking if len(asking) > 1 else [question]


def _counts_things(text: str) -> bool:
    """A count beside a duration: "How many members, and within how many days?"."""
    return bool(re.search(r"how many (?!(?:calendar |working |business )?(?:days|weeks|months|years|hours)\b)\w+|"
                          r"几(?:名|位|人|项|条|种|轮|页)|多少(?:名|位|人|项|条|种|轮|页)", text, re.I))


def _yesno_kind(text: str) -> str:
    for kind, patterns in tables.YESNO_KINDS.items():
        if any(matches(patterns[code], text) for code in ("zh", "en")):
            return kind
    return "fact"


def fills(sentence: str, slot: str, ask: Ask | None = None) -> bool:
    """Whether ``sentence`` states something of the kind ``slot`` asks for; a count must count
    what was asked ("7 名委员" for "几名委员", not "第五条"), and "which authority approves?" is
    answered only by a sentence that names one (slots.STRONG_ONLY)."""
    if slot == "count" and ask is not None and ask.unit:
        return _counts(sentence, ask.unit)
    if slot == "money" and ask is not None and _asks_price(ask.text) and matches([tables.STATES_PENALTY], sentence):
        return False
    if slot in tables.STRONG_ONLY and ask is not None and slot == ask.slot and _asks_strongly(ask):
        return fills_strongly(sentence, ask)
    if slot == "duration" and ask is not None and _repeats_duration(sentence, ask):
        return False
    return _fills_slot(sentence, slot)


_DURATION_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(?:个)?\s*(?:工作日|自然日|天|日|小时|周|个月|月|年)|"
                              r"\b(\d+)[- ]?(?:calendar |working |business )?(?:days?|weeks?|months?|years?|hours?)\b", re.I)


def _repeats_duration(sentence: str, ask: Ask) -> bool:
    """"30日通道获批后多久内必须启动？" is not answered by "30 个工作日内完成审评": a sentence
    whose durations, once those the question already gives are taken out, state none it asks
    for. A yes/no question ("24 小时内报告是硬性要求吗？") or a comparison wants that number stated."""
    if ask.yesno or ask.compares:
        return False
    given = set(re.findall(r"\d+(?:\.\d+)?", ask.text))
    rest = _DURATION_NUMBER.sub(lambda m: "" if (m.group(1) or m.group(2)) in given else m.group(), sentence)
    return rest != sentence and not _fills_slot(rest, "duration")


def _asks_price(question: str) -> bool:
    """A price or fee is asked for, not a penalty (slots.ASKS_PRICE)."""
    return matches([tables.ASKS_PRICE], question) and not matches([tables.ASKS_PENALTY], question)


def _asks_strongly(ask: Ask) -> bool:
    """The question asks for its slot in the terms of one of slots.STRONG_FILLS."""
    return (any(slot == ask.slot and re.search(pattern, ask.text, re.I) for slot, pattern, _ in tables.STRONG_FILLS)
            or (ask.slot == "body" and _ASKED_DOER[0].search(ask.text) is not None))


def defining_heading(section: str) -> bool:
    """A section headed as a definition (slots.DEFINING_HEADING)."""
    return matches([tables.DEFINING_HEADING], section)


def definiendum(question: str) -> str:
    """The term a definition question asks about (slots.DEFINIENDUM), lower-cased; "" if none."""
    for part in sub_questions(question):
        for pattern in tables.DEFINIENDUM:
            match = re.search(pattern, part.strip(), re.I)
            if match:
                return match.group("term").strip(" ？?。.").lower()
    return ""


def fills_strongly(sentence: str, ask: Ask) -> bool:
    """The slot filled in the question's own terms: a count of people as a size ("人数不少于 7
    人"), a date as the kind of date asked for (施行 / issued / deadline)."""
    for slot, question_pattern, sentence_pattern in tables.STRONG_FILLS:
        if slot == ask.slot and re.search(question_pattern, ask.text, re.I) and re.search(sentence_pattern, sentence, re.I):
            return True
    return ask.slot == "body" and _names_doer(sentence, ask.text)


# A term the question puts in quotation marks ("“双备案”指哪两个？", 'what does "dual track" mean?')
# is the thing asked about, in the words of the text the asker read.
_QUOTED = re.compile(r"[“「\"]([^”」\"]{2,24})[”」\"]")


def uses_quoted_term(sentence: str, question: str) -> bool:
    """Counts as a strong fill of the slot a sentence already fills (retrieval/sentences.py), never
    as filling one: "which authority approves “X”?" is not answered by any sentence naming X."""
    terms = [t.strip().lower() for t in _QUOTED.findall(question)]
    return any(t and t in sentence.lower() for t in terms)


_ASKED_DOER = (re.compile(r"由谁(?:来|负责)?(?!来)([\u4e00-\u9fff]{2})|谁(?:来|负责)(?!来)([\u4e00-\u9fff]{2})"),
               re.compile(r"\bwho (?:must |should |will |has to |is to |can |may )?(register|approv|file|sign|review|submit|"
                          r"report|decid|pay|keep|stor|archiv|apply|appl)\w*", re.I))


def _names_doer(sentence: str, question: str) -> bool:
    """"由谁登记？" is answered by "由牵头单位登记" (or "审批人：CFO" for "由谁审批？"), "Who files
    it?" by "filed by the lead site": the sentence says who does the act the question asks about."""
    zh = _ASKED_DOER[0].search(question)
    if zh:
        act = zh.group(1) or zh.group(2)
        if act == "负责":                    # "由谁负责？": whoever the sentence says is responsible
            return "负责" in sentence
        return re.search(rf"由[^，。；？！]{{1,15}}{act}|{act}(?:人|方|者|部门|单位|机构)\s*[：:为是]|"
                         rf"负责[^，。；？！]{{0,8}}{act}|{act}[^，。；？！]{{0,8}}由", sentence) is not None
    en = _ASKED_DOER[1].search(question)
    return bool(en) and re.search(rf"\b{en.group(1)}\w* by\b", sentence, re.I) is not None


def _counts(sentence: str, unit: str) -> bool:
    if unit == "people":
        pattern = rf"(?<![第\d{tables.ZH_DIGITS}])[\d{tables.ZH_DIGITS}]+\s*(?:名|人|位)|\b\d+\s+(?:\w+\s+)?(?:members?|persons?|people)"
    elif unit == "条":          # "共 78 条", not "两条路径" (two routes) nor "条例"
        pattern = rf"(?<![第\d{tables.ZH_DIGITS}])[\d{tables.ZH_DIGITS}]+\s*条(?![\u4e00-\u9fff])"
    elif re.fullmatch(r"[\u4e00-\u9fff]{1,2}", unit):        # "三部分" and "三个部分"
        pattern = rf"(?<![第\d{tables.ZH_DIGITS}])[\d{tables.ZH_DIGITS}]+\s*(?:个\s*)?{unit}"
    else:
        pattern = (rf"\b(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(?:[\w-]+\s+){{0,2}}"
                   rf"{re.escape(unit)}|\b(?:at least|no fewer than|up to) \d+")
    return re.search(pattern, sentence, re.I) is not None


# Corpus sentences whose pattern results are kept: every answer tests the same few thousand
# sentences against the same tables, and these regex searches were a fifth of an answer's
# interpreter time under load (py-spy, `iitkb bench --serve`); the bundled corpus has about 20k.
SENTENCE_CACHE = 1 << 15


@lru_cache(maxsize=SENTENCE_CACHE)
def is_meta(sentence: str) -> bool:
    """A sentence about the document (its adoption, size, sources), not about what it rules."""
    return matches(tables.META, sentence)


@lru_cache(maxsize=SENTENCE_CACHE)
def _fills_slot(sentence: str, slot: str) -> bool:
    if slot == "status":        # a title that says 征求意见稿 states no status: 《…（征求意见稿）》公布于…
        sentence = re.sub(r"《[^》]*》", "", sentence)
    return matches(tables.FILLS[slot], sentence)


def adds_condition(sentence: str) -> bool:
    return matches(tables.CONDITIONS, sentence)


def verdict(ask: Ask, sentence: str) -> str | None:
    """The yes/no the cited sentence itself states ("Yes." / "不可以。"), or None.

    Only for questions of permission or need, only when the sentence's modal decides it (a
    prohibition, an exemption, or a plain permission or requirement with no negation in sight),
    and never when it already opens with its verdict: an answer never asserts what its source
    does not say."""
    if ask.yesno not in ("permission", "need") or ask.slot != "yesno":
        return None             # "In which situations do we have to ...?" asks for a list, not a verdict
    if matches([tables.STATES_VERDICT], sentence.strip()):
        return None
    polarity = _need(sentence) if ask.yesno == "need" else _permission(sentence)
    return None if polarity is None else tables.VERDICT[ask.lang][(ask.yesno, polarity)]


def _permission(sentence: str) -> str | None:
    if matches(tables.PROHIBITS, sentence):
        return None if matches(tables.WITHOUT, sentence) else "no"   # "not without approval"
    if matches(tables.PERMITS, sentence) and not matches(tables.NEGATION, sentence):
        return "yes"
    return None


def _need(sentence: str) -> str | None:
    if matches(tables.NOT_NEEDED, sentence):
        return "no"
    if matches(tables.PROHIBITS, sentence) and matches(tables.WITHOUT, sentence):
        return "yes"                                                 # "may not ... without approval"
    if matches(tables.REQUIRES, sentence) and not matches(tables.NEGATION, sentence):
        return "yes"
    return None


# What an English title carries beyond its name: its Chinese original in brackets, an excerpt's
# ": the clinical trial articles" or ", 2019 revision"; and the state's name in either language.
_TITLE_TAIL = re.compile(r"\s*[（(][^）)]*[）)]|\s*[：:].*$|,\s.*$")
_ZH_TAIL = re.compile(r"[（(][^）)]*(?:修订|修正|年版)[）)]|[：:][^《》]*$")
_STATE = re.compile(r"^中华人民共和国|\s+of the People's Republic of China", re.I)
_MIN_NAME = 4          # characters: shorter "names" (办法, Law) name nothing in particular


# Words people leave out of a Chinese title they cite ("沟通交流指导原则" for "沟通交流技术指导原则");
# names and questions are compared without them.
_TITLE_FILLERS = re.compile(r"技术|关于|有关|的")


def _squeezed(text: str) -> str:
    return _TITLE_FILLERS.sub("", re.sub(r"[\s〔〕\[\]［］()（）《》]", "", text)).lower()


def document_names(meta: dict) -> list[str]:
    """The ways a question can name a document: its number, its title as written, and its
    title without the state's name or the excerpt's tail ("药品管理法", "Drug Administration Law")."""
    return list(_document_names(meta.get("title") or "", meta.get("doc_number") or ""))


_ORDER_NUMBER = re.compile(r"令\s*第\s*(\d+)\s*号")


@lru_cache(maxsize=SENTENCE_CACHE)      # every answer asks it of every visible document again
def _document_names(title: str, number: str) -> tuple[str, ...]:
    names = [number, title]
    order = _ORDER_NUMBER.search(number)
    if order:               # "国家卫生和计划生育委员会令第11号" is cited as "11号令" or "第11号令"
        names += [f"{order.group(1)}号令", f"第{order.group(1)}号令"]
    if re.search(r"^[A-Za-z]", title):
        names += [_STATE.sub("", _TITLE_TAIL.sub("", title)).strip()]
        names += re.findall(r"[（(]([^）)]*[\u4e00-\u9fff][^）)]*)[）)]", title)     # its Chinese original
    else:       # a Chinese title keeps its "（试行）": it tells versions apart; not "（2019年修订）：…"
        names += [_ZH_TAIL.sub("", part) for part in title.split("；")]
    return tuple(n for n in {_squeezed(_STATE.sub("", n)) for n in names} if len(n) >= _MIN_NAME)


def named_documents(question: str, metas: dict[str, dict]) -> frozenset[str]:
    """The doc_ids among ``metas`` that the question names by number or title, or by its year and
    the subject of its title (``_year_names``)."""
    asked = _squeezed(question)
    cited = _year_names(question)
    named = frozenset(doc for doc, meta in metas.items() if any(name in asked for name in document_names(meta))
                      or any(_names_by_year(*name, meta) for name in cited))
    if named:
        return named
    # a trial text or a draft cited without its "（试行）" or "（征求意见稿）" ("免疫细胞治疗产品临床试验技术
    # 指导原则") when no version is named in full: the marks tell versions apart, and here there is
    # none to tell apart from
    return frozenset(doc for doc, meta in metas.items()
                     if any(len(name) >= _MIN_NAME and name in asked for name in _unmarked_names(meta.get("title") or "")))


_TRIAL_MARK = re.compile(r"[（(](?:试行|征求意见稿|草案|送审稿)[）)]")
_DRAFT_MARK = re.compile(r"[（(](?:征求意见稿|草案|送审稿)[）)]")


@lru_cache(maxsize=SENTENCE_CACHE)
def _unmarked_names(title: str) -> tuple[str, ...]:
    """A title without its version marks, and without only its draft mark ("…办法（试行）")."""
    if not _TRIAL_MARK.search(title):
        return ()
    return tuple({_squeezed(_TRIAL_MARK.sub("", title)), _squeezed(_DRAFT_MARK.sub("", title))})


def naming_text(question: str, metas: list[dict]) -> str:
    """The words with which the question names these documents: a cited year and subject ("2023
    ethics measures"), a number, or a title it writes out."""
    asked = _squeezed(question)
    parts = [m.group(0) for m in _YEAR_NAME.finditer(question)]
    for meta in metas:
        number, title = meta.get("doc_number") or "", meta.get("title") or ""
        short = _STATE.sub("", _TITLE_TAIL.sub("", title)).strip()        # "Drug Administration Law"
        zh = [_STATE.sub("", _ZH_TAIL.sub("", t)) for t in
              re.findall(r"[（(]([^）)]*[\u4e00-\u9fff][^）)]*)[）)]", title) + [title.split("；")[0]]]   # "药品管理法"
        parts += [text for text in (number, title, _TRIAL_MARK.sub("", title), short, *zh)
                  if len(_squeezed(text)) >= _MIN_NAME and _squeezed(text) in asked]
    return " ".join(parts)


# A rule cited by its year, the subject of its title and the kind of text: "the 2023 ethics
# measures", "the 2019 Drug Administration Law", "2016年伦理审查办法", "2021年试行办法". An
# abbreviation the title does not spell ("the 2019 HGR regulation") names nothing here.
_KIND_EN = r"(?:measures|regulations?|rules|provisions|guidelines?|guidance|law|notice|announcement|reply|decision)"
_KIND_ZH = r"(?:办法|条例|规定|规范|指导原则|法|通知|公告|通告|批复|决定)"
_YEAR_NAME = re.compile(rf"(?<!\d)((?:19|20)\d\d)(?:\s+|'s\s+)((?:[A-Za-z][\w-]*\s+){{0,3}})({_KIND_EN})\b|"
                        rf"(?<!\d)((?:19|20)\d\d)\s*年(?:版|的)?\s*([\u4e00-\u9fff]{{0,12}}?)({_KIND_ZH})", re.I)
# Title words that say what kind of text it is, not what it is about.
_GENERIC_EN = frozenset("""the of on for and in by new old current draft final chinese china's china people's republic
interim trial implementing""".split())


def _year_names(question: str) -> list[tuple[str, str, str]]:
    """(year, subject, kind) for each rule the question cites by year: ("2023", "ethics", "measures")."""
    out = []
    for m in _YEAR_NAME.finditer(question):
        year, subject, kind = (m.group(1), m.group(2), m.group(3)) if m.group(1) else m.group(4, 5, 6)
        out.append((year, subject.strip(), kind))
    return out


def _years(meta: dict) -> set[str]:
    """The years a document is cited by: the one a reader calls it by (``doc_year``: issued, else
    in force, else its source_id's) and the year it took effect (Decree 818: 2025 and 2026)."""
    return {doc_year(meta), str(meta.get("effective") or "")[:4]} - {""}


def _names_by_year(year: str, subject: str, kind: str, meta: dict) -> bool:
    """The document is of the year cited, its title names the kind of text cited and holds every
    word of the cited subject (English words compared on their first five letters)."""
    title = meta.get("title") or ""
    if year not in _years(meta) or kind.lower()[:5] not in title.lower():
        return False
    if kind == "法":           # 法 alone is also the end of 办法 and the start of 法规: only "XX法" names a law
        return bool(subject) and _squeezed(subject + kind) in _squeezed(title)
    if CJK.search(subject):
        return _squeezed(subject) in _squeezed(title)
    words = [w[:5] for w in re.findall(r"[a-z][\w'-]+", subject.lower()) if w not in _GENERIC_EN]
    stems = {w[:5] for w in re.findall(r"[a-z][\w'-]+", title.lower())}
    return all(w in stems for w in words)
