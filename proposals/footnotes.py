"""Word footnotes, which python-docx has no API for: the footnotes part, read or created, its
notes, and the superscript references to them in the body.

New notes take ids after the highest already in the file, so a sponsor's own footnotes keep
theirs and no id is used twice. Word numbers footnotes by position, not by id; a source cited
again later in the same answer gets a plain superscript of that number, which ``finish`` fills in
once every note is placed, by counting the references in reading order as Word does.
"""

from __future__ import annotations

from lxml import etree

from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import Part, XmlPart
from docx.oxml.ns import qn

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_EMPTY = (f'<w:footnotes xmlns:w="{W}">'
          '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
          '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
          '</w:footnote></w:footnotes>')
# Run properties a reference keeps from the text it follows, so it has that text's font and size.
KEPT_RUN_PROPERTIES = ("w:rFonts", "w:sz", "w:szCs")


class Footnotes:
    def __init__(self, document):
        self.document = document
        self.part = _existing_part(document) or _new_part(document)
        # python-docx loads a footnotes part as a plain Part (bytes); a newer one may parse it
        self.root = self.part.element if isinstance(self.part, XmlPart) else etree.fromstring(self.part.blob)
        ids = [int(i) for i in self.root.xpath("./w:footnote/@w:id", namespaces={"w": W})]
        self.next_id = max([0, *ids]) + 1
        self.reference_style = _style_id(document, "FootnoteReference")
        self.text_style = _style_id(document, "FootnoteText")
        self._repeats: list[tuple[etree._Element, int]] = []

    def add(self, paragraph, text: str, like=None) -> int:
        """A new footnote holding ``text``, referenced at the end of ``paragraph`` (python-docx)."""
        note_id, self.next_id = self.next_id, self.next_id + 1
        note = etree.SubElement(self.root, qn("w:footnote"))
        note.set(qn("w:id"), str(note_id))
        p = etree.SubElement(note, qn("w:p"))
        if self.text_style:
            etree.SubElement(etree.SubElement(p, qn("w:pPr")), qn("w:pStyle")).set(qn("w:val"), self.text_style)
        mark = etree.SubElement(p, qn("w:r"))
        mark.append(self._reference_properties(None))
        etree.SubElement(mark, qn("w:footnoteRef"))
        body = etree.SubElement(etree.SubElement(p, qn("w:r")), qn("w:t"))
        body.text = f" {text}"
        body.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        run = self._run(paragraph, like)
        etree.SubElement(run, qn("w:footnoteReference")).set(qn("w:id"), str(note_id))
        return note_id

    def repeat(self, paragraph, note_id: int, like=None):
        """A later mention of footnote ``note_id``: its number, superscript, filled in by ``finish``."""
        self._repeats.append((etree.SubElement(self._run(paragraph, like), qn("w:t")), note_id))

    def finish(self):
        """Number the repeated mentions, then store the notes in the package."""
        numbers: dict[int, int] = {}
        references = [r for r in self.document.element.body.iter(qn("w:footnoteReference"))
                      if r.get(qn("w:customMarkFollows")) not in ("1", "true", "on")]
        for position, reference in enumerate(references, start=1):
            numbers.setdefault(int(reference.get(qn("w:id"))), position)
        for text, note_id in self._repeats:
            text.text = str(numbers.get(note_id, ""))
        if not isinstance(self.part, XmlPart):
            self.part._blob = etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _run(self, paragraph, like):
        run = etree.SubElement(paragraph._p, qn("w:r"))
        run.append(self._reference_properties(like))
        return run

    def _reference_properties(self, like):
        properties = etree.Element(qn("w:rPr"))
        if self.reference_style:
            etree.SubElement(properties, qn("w:rStyle")).set(qn("w:val"), self.reference_style)
        for tag in KEPT_RUN_PROPERTIES if like is not None else ():
            found = like.find(qn(tag))
            if found is not None:
                properties.append(etree.fromstring(etree.tostring(found)))
        etree.SubElement(properties, qn("w:vertAlign")).set(qn("w:val"), "superscript")
        return properties


def _existing_part(document):
    for rel in document.part.rels.values():
        if rel.reltype == RELATIONSHIP_TYPE.FOOTNOTES and not rel.is_external:
            return rel.target_part
    return None


def _new_part(document):
    part = Part(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, _EMPTY.encode("utf-8"),
                document.part.package)
    document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
    return part


def _style_id(document, style_id: str) -> str | None:
    found = document.styles.element.xpath(f'./w:style[@w:styleId="{style_id}"]')
    return style_id if found else None
