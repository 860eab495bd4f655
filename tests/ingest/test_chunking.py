"""Chunks follow the documents' structure and stay within the embedder's token budget."""

import pytest

import subprocess
import sys

from ingest.chunking import Chunker, cn_to_int, split_keeping_spaces
from ingest.loaders import Line
from iitkb.schema import DocMeta

ZH_RULE = """第一章 总则
第一条 为规范临床研究管理，提高临床研究质量，制定本办法。
第二条 本办法所称临床研究，是指医疗卫生机构开展的、不以产品注册为目的的研究。
第二章 审查
第十条 临床研究应当通过科学性审查和伦理审查。
第二十三条 研究者应当及时报告不良事件。
第四十九条 本办法自发布之日起施行。"""


def meta(lang="zh", **kw):
    return DocMeta(doc_id=f"rule-{lang}", source_id="rule", title="测试办法", lang=lang, access="public", **kw)


@pytest.fixture(scope="module")
def chunker(e5):
    return Chunker(e5.count_tokens, max_tokens=120, overlap=16)


@pytest.mark.parametrize("text,number", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20),
                                         ("二十三", 23), ("四十九", 49), ("一百零五", 105), ("126", 126)])
def test_chinese_numerals(text, number):
    assert cn_to_int(text) == number


def test_chinese_regulation_keeps_every_article_label(chunker):
    chunks = chunker.chunk(meta(), [Line(t) for t in ZH_RULE.splitlines()])
    assert [c.meta["section"] for c in chunks] == [
        "第一章 第一条", "第一章 第二条", "第二章 第十条", "第二章 第二十三条", "第二章 第四十九条"]
    assert [c.meta["section_key"] for c in chunks] == ["art:1", "art:2", "art:10", "art:23", "art:49"]
    assert chunks[3].text.startswith("第二十三条 研究者应当及时报告不良事件。")


def test_english_markdown_articles_and_pairing_keys(chunker):
    lines = [Line("Chapter 2 Review", heading=2), Line("Article 10", heading=3),
             Line("Every study passes scientific and ethics review."),
             Line("Article 36 of the pilot measures is cited here but is body text."),
             Line("Article 23 Adverse events", heading=3), Line("Investigators report adverse events.")]
    chunks = chunker.chunk(meta("en"), lines)
    assert [(c.meta["section"], c.meta["section_key"]) for c in chunks] == [
        ("Article 10", "art:10"), ("Article 23", "art:23")]
    assert "Article 36 of the pilot" in chunks[0].text


def test_sop_numbered_sections_and_faq(chunker):
    lines = [Line("Overview line."), Line("1. Purpose", heading=2), Line("Why."),
             Line("4.2 Sample receipt", heading=3), Line("Log it on F-CAR-02."),
             Line("Q3. Can patients be charged?", heading=2), Line("No.")]
    chunks = chunker.chunk(meta("en", doc_type="sop"), lines)
    assert [c.meta["section_key"] for c in chunks] == ["head", "sec:1", "sec:4.2", "q:3"]
    assert chunks[2].meta["section"] == "4.2 Sample receipt"


def test_long_article_splits_on_sentences_within_budget(chunker, e5):
    sentence = "研究者应当对研究参与者的安全负责，并按照方案和机构制度记录、报告和处理不良事件。"
    lines = [Line("第五条 " + sentence * 12, page=3)]
    chunks = chunker.chunk(meta(), lines)
    assert len(chunks) > 2
    assert all(c.meta["section"] == "第五条" and c.meta["page"] == 3 for c in chunks)
    assert all(e5.count_tokens(c.text) <= 120 for c in chunks)
    assert all(c.text.endswith("。") for c in chunks[:-1])
    assert len({c.id for c in chunks}) == len(chunks)


@pytest.mark.parametrize("text", ["第一条 本办法适用。第二款如下：“甲。”其后！ 再后", "One. Two? Yes! e.g. three",
                                  "no stop at all", ""])
def test_sentence_pieces_rebuild_the_paragraph(text):
    pieces = split_keeping_spaces(text)
    assert "".join(pieces) == text
    assert all(pieces)


def test_sentence_pieces_end_after_closing_quotes():
    assert split_keeping_spaces("如下：“甲。”其后。") == ["如下：“甲。”", "其后。"]
    assert split_keeping_spaces("One. Two") == ["One. ", "Two"]


def test_long_paragraphs_split_without_importing_nltk():
    """nltk's punkt (llama-index's default sentence tokenizer) costs 5-6 s to import."""
    code = ("import sys; from ingest.chunking import Chunker; from ingest.loaders import Line; "
            "from iitkb.schema import DocMeta; "
            "m = DocMeta(doc_id='d', source_id='d', title='t', lang='zh', access='public'); "
            "c = Chunker(lambda t: len(t), max_tokens=64, overlap=8).chunk(m, [Line('第五条 ' + '研究者应当报告。' * 40, page=1)]); "
            "assert len(c) > 2, c; print('nltk' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_pdf_pages_follow_the_clauses(chunker):
    lines = [Line("第一条 第一页的条款。", page=1), Line("第二条 第二页的条款。", page=2)]
    assert [c.meta["page"] for c in chunker.chunk(meta(), lines)] == [1, 2]


def test_every_chunk_carries_the_design_metadata(chunker):
    from iitkb.schema import CHUNK_FIELDS

    chunk = chunker.chunk(meta(doc_number="国卫科教发〔2024〕32号"), [Line("第一条 内容。")])[0]
    assert set(CHUNK_FIELDS) <= set(chunk.meta)
    assert chunk.meta["doc_number"] == "国卫科教发〔2024〕32号" and chunk.meta["chunk_index"] == 0


def test_budget_is_checked_at_construction(e5):
    with pytest.raises(ValueError, match="too small"):
        Chunker(e5.count_tokens, max_tokens=10)


def test_unmarked_list_items_stay_inside_their_section(chunker):
    # A PDF has no heading marks: "1. 采集" inside 2.1 is a step, not section 1.
    lines = [Line(t, page=1) for t in ("1. 目的", "说明本规程的目的。", "2. 操作程序", "2.1 处理时限",
                                        "1. 采集", "2. 运输", "2.2 流式检测", "检测 CD3 与 CAR。", "3. 记录", "保存 15 年。")]
    chunks = chunker.chunk(meta(lang="zh"), lines)
    keys = [c.meta["section_key"] for c in chunks]
    assert keys == ["sec:1", "sec:2.1", "sec:2.2", "sec:3"]
    assert "2. 运输" in chunks[1].text


@pytest.mark.parametrize("markdown", [False, True])
def test_a_long_table_splits_between_rows_and_each_piece_keeps_its_header(chunker, e5, markdown):
    """A rate card longer than a chunk: no row is cut inside a cell ("incl. export" is not a
    sentence end), and every piece starts with the column names, so its rows still read as
    "Code: H-02; Item: ...; RMB: 150,000" and not as bare cells."""
    def row(cells):
        return f"| {' | '.join(cells)} |" if markdown else " | ".join(cells)
    header = row(["Code", "Item", "Unit", "RMB", "USD"])
    lines = ["4.3 Rate card", "Prices exclude VAT.", header] + (["|---|---|---|---|---|"] if markdown else [])
    lines += [row([f"X-{i:02d}", f"Service number {i} incl. export and translation", "per project",
                   f"{i},000", f"{i * 14}0"]) for i in range(1, 31)]
    lines += ["After the table, a closing remark."]
    chunks = chunker.chunk(meta("en", doc_type="sop"), [Line(t) for t in lines])
    pieces = [c for c in chunks if "X-" in c.text]
    assert len(pieces) >= 3 and all(e5.count_tokens(c.text) <= 120 for c in chunks)
    for piece in pieces:
        assert piece.text.splitlines()[0] in ("4.3 Rate card", header)
        assert header in piece.text
        rows = [line for line in piece.text.splitlines() if "X-" in line]
        assert all(line.count("|") >= 4 and "incl. export and translation" in line for line in rows)
    kept = [line for piece in pieces for line in piece.text.splitlines() if "X-" in line]
    assert len(kept) == 30 and len(set(kept)) == 30


def test_a_pdf_cell_wrapped_onto_its_own_line_does_not_end_the_table(chunker):
    """pypdf puts a long cell's tail on a line of its own ("... not" / "tested"); the pieces
    after it still start with the column names."""
    header = "Sample | Storage | Limit from draw"
    lines = ["4.2 Processing limits", header]
    for i in range(1, 31):
        lines += [f"Sample type {i} | 15-25 °C | stain within {i} h; later only with a deviation note and not",
                  "tested"]
    chunks = [c for c in chunker.chunk(meta("en", doc_type="sop"), [Line(t, page=1) for t in lines])
              if "Sample type" in c.text]
    assert len(chunks) >= 3
    assert all(header in c.text for c in chunks)
