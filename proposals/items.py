"""A questionnaire's questions and where each one sits, so its answer can be written back there.

Every position is 1-based, as Word and Excel users count: table 2, row 3, cell 2; sheet
"Ethics", row 5, column 2; paragraph 14; line 7. Items and locations round-trip through JSON, so a
reviewer can deselect or edit questions between reading a file and drafting its answers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

KINDS = ("table", "paragraph", "sheet", "row", "line")


class QuestionnaireError(ValueError):
    """The file as a whole cannot be read."""


@dataclass(frozen=True)
class Location:
    kind: str                          # one of KINDS: DOCX table / DOCX paragraph / XLSX / CSV / text line
    row: int | None = None             # table row, sheet row, CSV row or text line
    cell: int | None = None            # the question's column (table cell, sheet or CSV column)
    answer_cell: int | None = None     # the column its answer goes in; None: add one
    header_row: int | None = None      # the table's or sheet's header row, None when it has none
    table: int | None = None           # DOCX: the nth table of the body
    sheet: str | None = None           # XLSX: the worksheet's name
    paragraph: int | None = None       # DOCX: the nth body paragraph holding the question
    answer_paragraph: int | None = None  # DOCX: an "Answer: ____" paragraph after it, to fill

    def label(self) -> str:
        """How a person finds the question in the file."""
        if self.kind == "table":
            return f"table {self.table}, row {self.row}, cell {self.cell}"
        if self.kind == "paragraph":
            return f"paragraph {self.paragraph}"
        if self.kind == "sheet":
            return f"sheet {self.sheet!r}, {_column_letter(self.cell or 1)}{self.row}"
        return f"{self.kind} {self.row}"

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: dict) -> "Location":
        known = {f.name for f in fields(cls)}
        if data.get("kind") not in KINDS:
            raise QuestionnaireError(f"location kind must be one of {', '.join(KINDS)}, not {data.get('kind')!r}")
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Item:
    id: str
    question: str
    role: str | None = None
    error: str | None = None
    location: Location | None = None
    section: str | None = field(default=None, compare=False)   # the section row or heading above it

    def to_json(self) -> dict:
        data = {"id": self.id, "question": self.question}
        for name in ("role", "error", "section"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        if self.location is not None:
            data["location"] = self.location.to_json()
            data["where"] = self.location.label()
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Item":
        """An item a reviewer may have edited (question text) after `to_json`."""
        location = data.get("location")
        return cls(str(data["id"]), str(data.get("question") or "").strip(), data.get("role"), data.get("error"),
                   Location.from_json(location) if location else None, data.get("section"))


def _column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
