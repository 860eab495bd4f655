"""The pathway memo: Markdown with a footnote per cited clause, and Word with real footnotes, a
clause cited by two steps noted once and its number repeated."""

import re
import zipfile

import pytest
from lxml import etree

from evals.pathway_eval import corpus_pathway
from proposals.memo import to_markdown, write_memo

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ANSWERS = {"product": "gene", "aim": "registration", "sponsor": "fie", "samples_abroad": "no",
           "data_abroad": "yes", "new_technology": "no"}


@pytest.fixture(scope="module")
def results():
    pathway = corpus_pathway()
    return {lang: pathway.run(ANSWERS, lang) for lang in ("en", "zh")}


def distinct(result) -> dict[int, dict]:
    every = [c for part in ("routes", "steps", "warnings") for node in result[part] for c in node["citations"]]
    return {c["n"]: c for c in every}


def test_markdown_has_one_footnote_per_cited_clause(results):
    result = results["en"]
    text = to_markdown(result)
    cited = distinct(result)
    definitions = re.findall(r"^\[\^(\d+)\]: (.+)$", text, re.M)
    assert sorted(int(n) for n, _ in definitions) == sorted(cited)
    for n, line in definitions:
        assert cited[int(n)]["title"] in line and cited[int(n)]["quote"][:40] in line
    assert set(re.findall(r"\[\^(\d+)\](?!:)", text)) == {str(n) for n in cited}
    assert text.index("HGR filing of the international") < text.index("Safety reporting during the trial")


def test_markdown_without_footnotes_lists_sources_in_the_memo_language(results):
    text = to_markdown(results["zh"], footnotes=False)
    assert "## 步骤（按顺序）" in text and "## 来源" in text and "[^" not in text
    assert re.search(r"^1\. .+：“", text, re.M)


def test_word_memo_has_a_real_footnote_per_clause_and_repeats_numbers(results, tmp_path):
    result = results["en"]
    path = write_memo(result, tmp_path / "memo.docx")
    with zipfile.ZipFile(path) as package:
        notes = etree.fromstring(package.read("word/footnotes.xml"))
        body = etree.fromstring(package.read("word/document.xml"))
    real = [n for n in notes.iter(f"{W}footnote") if int(n.get(f"{W}id")) > 0]
    cited = distinct(result)
    assert len(real) == len(cited)
    assert len(list(body.iter(f"{W}footnoteReference"))) == len(cited)
    texts = ["".join(n.itertext()) for n in real]
    assert all(any(c["title"] in t for t in texts) for c in cited.values())
    mentions = sum(len(node["citations"]) for part in ("routes", "steps", "warnings") for node in result[part])
    assert mentions > len(cited)                     # some clause is cited twice: repeated, not re-noted


def test_a_memo_is_markdown_or_word(results, tmp_path):
    with pytest.raises(ValueError, match=r"\.md or \.docx"):
        write_memo(results["en"], tmp_path / "memo.pdf")
    assert write_memo(results["zh"], tmp_path / "备忘录.md").read_text(encoding="utf-8").startswith("# 细胞")
