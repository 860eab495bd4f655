"""Sentence candidates: only labels are headings, table rows read as sentences, and no internal
identifier survives into a quote."""

import pytest

from retrieval.identifiers import Names
from iitkb.schema import Chunk
from retrieval.sentences import heading_subject, quotable, too_short
from retrieval.tables import rows_as_sentences


@pytest.mark.parametrize("line,expected", [
    ("第九条", None),
    ("Article 22 Records", None),
    ("2.3 组成（第九条）", None),
    ("4.7 Discounts and approval thresholds", None),
    ("Q1. Can I run a CAR-T IIT without an IND?", None),
    ("第九条 伦理委员会的委员不少于7人，并且应当有不同性别的委员。", "伦理委员会的委员不少于7人，并且应当有不同性别的委员。"),
    ("Article 9 Composition. The committee has at least 7 members.", "The committee has at least 7 members."),
    ("第二条 本办法适用于医疗卫生机构。", "本办法适用于医疗卫生机构。"),
    ("1. Hospital fees are pass-through costs.", "Hospital fees are pass-through costs."),
    ("Records are kept for 30 years.", "Records are kept for 30 years."),
    ("30 days net applies.", "30 days net applies."),
])
def test_only_the_label_is_a_heading(line, expected):
    assert quotable(line, title="Some title", section="Article 22") == expected


def test_the_documents_own_title_and_section_are_headings():
    assert quotable("SOP: Pricing", title="SOP: Pricing") is None
    assert quotable("Preamble", section="Preamble") is None


def test_table_rows_read_as_sentences_with_their_headers():
    markdown = ["Discounts are measured on F-PRC-04:", "| Discount or condition | Approver |", "|---|---|",
                "| over 10% to 15% | CFO |", "| over 15% | CEO |", "After the table."]
    out = rows_as_sentences(markdown, "en")
    assert [line.text for line in out] == ["Discounts are measured on F-PRC-04:",
                                      "Discount or condition: over 10% to 15%; Approver: CFO.",
                                      "Discount or condition: over 15%; Approver: CEO.", "After the table."]
    assert [line.is_row for line in out] == [False, True, True, False]
    docx = ["折扣或条件 | 审批人", "超过 10% 至 15% | CFO"]
    assert [line.text for line in rows_as_sentences(docx, "zh")] == ["折扣或条件：超过 10% 至 15%；审批人：CFO。"]
    headless = ["export | per project | 150,000 | 21,130"]
    assert rows_as_sentences(headless, "en")[0][1] == "export: per project; 150,000; 21,130."
    assert all("|" not in line.text for line in out)


@pytest.fixture
def names():
    metas = [{"source_id": "bnt-regulation-2025", "doc_id": "bnt-regulation-2025-en", "lang": "en",
              "title": "Regulation on Biomedical New Technologies", "access": "public"},
             {"source_id": "bnt-regulation-2025", "doc_id": "bnt-regulation-2025-zh", "lang": "zh",
              "title": "生物医学新技术临床研究和临床转化应用管理条例", "access": "public"},
             {"source_id": "dual-track", "doc_id": "dual-track-en", "lang": "en", "title": "Dual track",
              "access": "public"},
             {"source_id": "sop-pricing", "doc_id": "sop-pricing-en", "lang": "en", "title": "SOP: Pricing",
              "access": "internal"}]
    return metas


def test_a_pdf_cell_wrapped_onto_its_own_line_stays_in_its_row():
    """pypdf writes a long cell's tail on a line of its own; the rows after it keep their
    column names, and a heading or a paragraph after the table is not taken into a row."""
    pdf = ["Sample | Storage | Limit from draw",
           "EDTA blood | 15-25 °C | stain within 24 h; over 36 h not",
           "tested",
           "Serum | clot 30 min | frozen within 2 h",
           "Bone marrow | 15-25 °C | as blood",
           "4.3 Flow panel",
           "Urine | 2-8 °C | within 4 h"]
    out = rows_as_sentences(pdf, "en")
    assert [line.text for line in out][:3] == [
        "Sample: EDTA blood; Storage: 15-25 °C; Limit from draw: stain within 24 h; over 36 h not tested.",
        "Sample: Serum; Storage: clot 30 min; Limit from draw: frozen within 2 h.",
        "Sample: Bone marrow; Storage: 15-25 °C; Limit from draw: as blood."]
    assert out[3] == (5, "4.3 Flow panel", False) and not out[4].text.startswith("Sample")
    zh = ["样本 | 处理时限", "血清 | 采血后 2 小时内离心", "分装冻存", "全血 | 24 小时内"]
    assert [line.text for line in rows_as_sentences(zh, "zh")] == [
        "样本：血清；处理时限：采血后 2 小时内离心分装冻存。", "样本：全血；处理时限：24 小时内。"]


@pytest.mark.parametrize("text,lang,expected", [
    ("Records are kept 30 years (see bnt-regulation-2025).", "en", "Records are kept 30 years."),
    ("The Regulation (bnt-regulation-2025, as amended) applies.", "en", "The Regulation (as amended) applies."),
    ("Cite bnt-regulation-2025 for current law.", "en", "Cite the Regulation on Biomedical New Technologies for current law."),
    ("现行规定请以 bnt-regulation-2025 为准。", "zh", "现行规定请以《生物医学新技术临床研究和临床转化应用管理条例》为准。"),
    ("仍适用药品法律法规（第五十五条；见 bnt-regulation-2025、dual-track）。", "zh", "仍适用药品法律法规（第五十五条）。"),
    ("What is the dual-track system?", "en", "What is the dual-track system?"),
    ("Budgets follow the rate card (see sop-pricing).", "en", "Budgets follow the rate card."),
    ("Budgets follow sop-pricing.", "en", "Budgets follow a related document."),
])
def test_identifiers_become_names_or_go(names, text, lang, expected):
    sponsor = Names.from_documents(names, "sponsor")
    cleaned = sponsor.clean(text, lang)
    assert cleaned == expected and not sponsor.find(cleaned)


def test_a_staff_reader_is_told_the_internal_title_a_sponsor_is_not(names):
    assert Names.from_documents(names, "staff").clean("Budgets follow sop-pricing.", "en") == \
        "Budgets follow the SOP: Pricing."
    assert "SOP" not in Names.from_documents(names, "sponsor").clean("Budgets follow sop-pricing.", "en")


def test_an_aside_in_brackets_is_a_meta_sentence():
    from retrieval.question import is_meta

    assert is_meta('(The 2023 Measures add "continue the research" as an option; see the 2023 Measures.)')
    assert is_meta("（2023 年办法另有规定，见 2023 年伦理审查办法。）")
    assert not is_meta("Follow-up review is carried out by no fewer than 2 members (Art. 27).")


def test_informed_consent_signing_is_not_a_documents_adoption():
    from retrieval.question import is_meta

    assert not is_meta("申请人须承诺获批后 12 周内启动临床试验（以首个受试者签署知情同意书为启动标志）。")
    assert is_meta("国务院总理于 2025-09-28 签署国务院令。")


def test_a_note_that_a_fact_was_not_verified_is_meta():
    from retrieval.question import is_meta

    assert is_meta("The exact page count has not been verified.")
    assert is_meta("该日期未经核实。")
    assert not is_meta("The sponsor must verify the site's qualifications before enrolment.")


def test_a_sentence_that_leans_back_joins_the_one_before():
    from retrieval.sentences import _line_sentences

    line = "发起机构须是在我国境内依法成立的法人。因此境外企业本身不能作为发起机构。另一条规定与此无关。"
    assert _line_sentences(line, {}) == ["发起机构须是在我国境内依法成立的法人。因此境外企业本身不能作为发起机构。",
                                         "另一条规定与此无关。"]
    assert _line_sentences("Sites must be Grade III-A. However, pilots differ. Other rules apply here too.", {}) == [
        "Sites must be Grade III-A. However, pilots differ.", "Other rules apply here too."]
    assert _line_sentences("It applies to CGT products. These are mainly stem cell and gene therapy products. "
                           "Other rules apply to devices.", {}) == [
        "It applies to CGT products. These are mainly stem cell and gene therapy products.",
        "Other rules apply to devices."]


def test_an_aside_after_a_sentence_is_quoted_with_it():
    from retrieval.sentences import _line_sentences

    line = "科技部负责行政许可和监督检查工作。（2024-05-01 起上述职能转至国家卫生健康委。）另一条规定与此无关。"
    assert _line_sentences(line, {}) == ["科技部负责行政许可和监督检查工作。（2024-05-01 起上述职能转至国家卫生健康委。）",
                                         "另一条规定与此无关。"]
    assert _line_sentences("MOST licenses HGR activities. (From 2024-05-01 the NHC does.) Other rules apply to the export of samples.", {}) == [
        "MOST licenses HGR activities. (From 2024-05-01 the NHC does.)", "Other rules apply to the export of samples."]


def _quoted(text, lang):
    from iitkb.schema import Chunk
    from retrieval.sentences import sentences_of

    chunk = Chunk(id="c1", text=text, meta={"doc_id": "d", "lang": lang, "title": "", "section": ""})
    return [s[0] for s in sentences_of(chunk, lambda t, _: t, lambda t: t.split())]


def test_a_sentence_announcing_a_list_is_quoted_with_its_items():
    text = ("经伦理委员会审查批准，下列两种情形可以免除签署知情同意书：\n1. 已无法找到该受试者，且项目不涉及个人隐私；\n"
            "2. 捐献者已签署泛知情同意书。\n另一条规定与此无关，这里单独成句。")
    quoted = _quoted(text, "zh")
    assert quoted[0] == ("经伦理委员会审查批准，下列两种情形可以免除签署知情同意书：1. 已无法找到该受试者，且项目不涉及个人隐私；"
                         "2. 捐献者已签署泛知情同意书。")
    assert "已无法找到该受试者，且项目不涉及个人隐私；" in quoted and quoted[-1] == "另一条规定与此无关，这里单独成句。"
    assert _quoted("The following reviews are needed:\n\n- ethics review\n- scientific review\n", "en")[0] == (
        "The following reviews are needed: ethics review; scientific review")
    waived = _quoted("Signed consent may be waived in two situations:\n1. The participant cannot be traced.\n"
                     "2. Broad consent was given.", "en")
    assert waived[0] == ("Signed consent may be waived in two situations: 1. The participant cannot be traced. "
                         "2. Broad consent was given.")
    english = _quoted("Key points at a glance:\n- Sites must be Grade III-A hospitals.\n- Sponsors file with the NHC.", "en")
    assert "Sites must be Grade III-A hospitals." in english and not any("glance" in s and "Grade" in s for s in english)      # a summary's heading opens no list


@pytest.mark.parametrize("section,label", [
    ("第二章 第十条", "第十条"), ("Article 25", "Article 25"), ("3.2 Follow-up review (Art. 27)", "Art. 27"),
    ("3.1 高风险技术（征求意见稿第七条）", "征求意见稿第七条"), ("4. Practical notes", None),
])
def test_the_article_label_comes_from_the_section(section, label):
    from retrieval.compose import article_label, without_label

    assert article_label(section) == label
    if label:
        assert without_label(f"{label}: text") == "text" or without_label(f"{label}：text") == "text"


@pytest.mark.parametrize("context,text,subject", [
    ("第六章 法律责任 > 第四十九条 向受试者收费", "第四十九条 向受试者收费\n由市场监督管理部门责令退还……", "向受试者收费"),
    ("Q4. Do I need approval to ship samples abroad?", "Q4. Do I need approval to ship samples abroad?\n\nYes. …",
     "Do I need approval to ship samples abroad?"),
    ("Processing time limits", "Processing time limits\nSerum: within 2 h.", ""),          # no label
    ("4.4 Transgene qPCR", "4.4 Transgene qPCR\n1. DNA is quantified.\n2. LLOQ 50 copies.", ""),  # a list
])
def test_a_clauses_heading_gives_its_first_sentence_a_subject(context, text, subject):
    """"由市场监督管理部门责令退还" says what happens, its heading says to whom: the two are one
    statement. A heading over a list is about every item, not the first."""
    assert heading_subject(Chunk("c", text, {"context": context})) == subject


def test_a_labelled_figure_is_not_too_short_to_quote():
    assert not too_short("Length: 29 pages.") and not too_short("页数：29 页。")
    assert too_short("Yes.") and too_short("不得收费。")


def test_a_short_answer_opening_a_quote_does_not_make_it_long():
    from retrieval.sentences import _units, _without_opener

    reason = "The IIT Measures place primary responsibility on the institution that runs the research."
    assert _without_opener(f"The medical institution. {reason}").strip() == reason
    assert _units(_without_opener("是医疗机构。办法规定由开展研究的机构承担主要责任。")) < _units("是医疗机构。办法规定由开展研究的机构承担主要责任。")
    whole = "Sites must be Grade III-A hospitals. They must also hold trial institution status."
    assert _without_opener(whole) == whole, "a sentence that stands alone is not an opener"
