"""Footnotes right: one per distinct source per answer, numbered in reading order, ids never
reused, no [n] beside them; checked in the DOCX XML and in what LibreOffice renders."""

import re
import shutil
import subprocess
import zipfile

import docx
import pytest
from bs4 import BeautifulSoup
from lxml import etree

from proposals.export import write_answers
from proposals.footnotes import Footnotes
from proposals.intake import read_questionnaire
from proposals.sources import source_line
from tests.proposals import forms

W = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}


def citation(n, title, section, status="in_force", page=None, lang="en"):
    return {"n": n, "title": title, "issuer": "NHC", "doc_number": "No. 32", "section": section, "page": page,
            "status": status, "lang": lang, "access": "public", "source_id": f"internal-id-{n}", "quote": "q"}


A10, A27, A38 = (citation(1, "HGR Regulation", "Article 10"), citation(2, "HGR Regulation", "Article 27", page=4),
                 citation(3, "Old Draft", "Article 38", status="superseded"))
# Sentences citing [1] twice in a row, then again after [2]; a later answer cites the same rule again.
ANSWERS = [
    ("Studies need both reviews. [1] Samples need approval. [2]", [A10, A27]),
    ("One. [1] Two. [1] Three. [2] Four. [1]", [A10, A27]),
    ("Five. [1][2] Six. [3] Seven. [2]\n\n[3] has been superseded; check the rule that replaced it.",
     [A10, A27, A38]),
]
# The footnotes in reading order: answer 1 (1, 2), answer 2 ("Two" 3, "Three" 4, "Four" repeats 3),
# answer 3 ("Five" 5 and 6, "Six" 7, "Seven" repeats 6).
EXPECTED = [A10, A27, A10, A27, A10, A27, A38]


def answers_for(items):
    return [{"id": item.id, "question": item.question, "language": "en", "answer": text, "abstained": False,
             "citations": cited, "status": "answered", "review": [], "location": item.location.to_json()}
            for item, (text, cited) in zip(items, ANSWERS)]


@pytest.fixture
def draft(tmp_path):
    source = forms.table_docx(tmp_path / "q.docx", forms.QUESTIONS_EN)
    items = read_questionnaire(source)
    write_answers(answers_for(items), tmp_path / "q.draft.docx", source=source)
    return tmp_path / "q.draft.docx"


def footnotes_xml(path):
    with zipfile.ZipFile(path) as package:
        return etree.fromstring(package.read("word/footnotes.xml"))


def test_footnote_ids_are_unique_and_follow_reading_order(draft):
    document = docx.Document(str(draft))
    references = [int(r.get(f"{{{W['w']}}}id")) for r in document.element.body.iter(f"{{{W['w']}}}footnoteReference")]
    notes = footnotes_xml(draft)
    ids = [int(i) for i in notes.xpath("./w:footnote/@w:id", namespaces=W)]
    assert len(ids) == len(set(ids)) and len(references) == len(set(references)) == len(EXPECTED)
    assert references == sorted(references) and set(references) <= set(ids)
    texts = {int(n.get(f"{{{W['w']}}}id")): "".join(n.itertext()).strip()
             for n in notes.xpath("./w:footnote", namespaces=W)}
    assert [texts[r] for r in references] == [source_line(c) for c in EXPECTED]
    assert texts[references[0]] == "HGR Regulation, NHC, No. 32, Article 10, in force"
    body = "".join(c.text for row in document.tables[0].rows for c in row.cells)
    assert not re.search(r"\[\d\]", body) and "internal-id" not in body
    assert "\u201cOld Draft\u201d has been superseded" in body        # the note names its source


def test_libreoffice_renders_the_numbers_in_order(draft, tmp_path):
    html = libreoffice_html(draft, tmp_path / "lo")
    soup = BeautifulSoup(html, "html.parser")
    anchors = [a.get_text(strip=True) for a in soup.select("a.sdfootnoteanc")]
    assert anchors == [str(n) for n in range(1, len(EXPECTED) + 1)]
    notes = []
    for n in range(1, len(EXPECTED) + 1):
        note = soup.find(id=f"sdfootnote{n}")
        note.find("a", class_="sdfootnotesym").extract()
        notes.append(" ".join(note.get_text().split()))
    assert notes == [source_line(c) for c in EXPECTED]
    cells = answer_cells(soup)
    assert cells[1] == "One. Two.^3 Three.^4 Four.^3"          # the repeated source shows its own number
    assert cells[2].startswith("Five.^5^6 Six.^7 Seven.^6 \u201cOld Draft\u201d has been superseded")
    assert not any(re.search(r"\[\d\]", c) for c in cells)
    assert "Sources" in soup.get_text() and "Old Draft, NHC, No. 32, Article 38, superseded" in soup.get_text()


def test_a_sponsors_own_footnotes_keep_their_ids_and_numbers(tmp_path):
    source = forms.table_docx(tmp_path / "q.docx", forms.QUESTIONS_EN)
    document = docx.Document(str(source))
    notes = Footnotes(document)
    notes.add(document.paragraphs[1], "Form version 3, issued by the sponsor.")     # the instruction paragraph
    notes.finish()
    document.save(str(source))
    items = read_questionnaire(source)
    write_answers(answers_for(items), tmp_path / "q.draft.docx", source=source)
    xml = footnotes_xml(tmp_path / "q.draft.docx")
    ids = [int(i) for i in xml.xpath("./w:footnote/@w:id", namespaces=W)]
    assert ids == [-1, 0, 1, *range(2, 2 + len(EXPECTED))]
    assert "".join(xml.xpath("./w:footnote[@w:id='1']//text()", namespaces=W)).strip() == \
        "Form version 3, issued by the sponsor."
    soup = BeautifulSoup(libreoffice_html(tmp_path / "q.draft.docx", tmp_path / "lo"), "html.parser")
    assert [a.get_text(strip=True) for a in soup.select("a.sdfootnoteanc")] == \
        [str(n) for n in range(1, len(EXPECTED) + 2)]
    assert answer_cells(soup)[1] == "One. Two.^4 Three.^5 Four.^4"     # numbers count the sponsor's note first


def answer_cells(soup) -> list[str]:
    """The answer column's cells as text, each footnote number or superscript written ^n."""
    for anchor in soup.select("a.sdfootnoteanc"):
        anchor.replace_with(f"^{anchor.get_text(strip=True)}")
    for sup in soup.find_all("sup"):                 # LibreOffice may wrap an anchor in <sup> too
        sup.replace_with(f"^{sup.get_text(strip=True).lstrip('^')}")
    rows = [tr.find_all("td") for tr in soup.find_all("tr")]
    return [" ".join(r[2].get_text().split()).replace(" ^", "^") for r in rows
            if len(r) == 3 and r[0].get_text(strip=True).isdigit()]


def libreoffice_html(path, folder):
    """The DOCX as LibreOffice renders it (HTML keeps footnote anchors and texts)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.fail("LibreOffice is missing: run `make system-deps` (apt-get install libreoffice-writer-nogui)")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([soffice, f"-env:UserInstallation=file://{folder}/profile", "--headless", "--convert-to", "html",
                    "--outdir", str(folder), str(path)], check=True, capture_output=True, timeout=180)
    return (folder / f"{path.stem}.html").read_text(encoding="utf-8")
