"""The one chunk schema shared by ingestion, the index, retrieval, answers and evaluation.

Document metadata comes from front matter or a sidecar and is checked here, so a bad value is
refused at ingestion with a message that names the field and the allowed values, instead of
surfacing later as a filter that silently matches nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

LANGS = ("zh", "en")
STATUSES = ("in_force", "trial", "draft", "superseded", "not_yet_in_force")
ACCESS = ("public", "internal")
# The rule's own wording, or a restatement of it (the bundled corpus is written in our own words).
TEXT_KINDS = ("official", "summary")
ROLES = ("sponsor", "staff", "admin")
# The document types the bundled corpus uses; a document may declare another lower-case word.
DOC_TYPES = ("regulation", "guidance", "notice", "ethics", "explainer", "faq", "sop", "document")
# Files ingestion reads, and questionnaire files a batch reads.
DOCUMENT_TYPES = (".md", ".markdown", ".pdf", ".docx", ".html", ".htm", ".txt")
QUESTIONNAIRE_TYPES = (".jsonl", ".csv", ".txt", ".xlsx", ".docx")
DOC_TYPE_RE = re.compile(r"^[a-z][a-z_-]{1,30}$")
DOC_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")

# Fields every document carries (docs/ARCHITECTURE.md); the rest of a chunk's metadata is positional.
DOC_FIELDS = ("doc_id", "source_id", "title", "lang", "doc_type", "issuer", "doc_number",
              "issued", "effective", "status", "access", "path", "text_kind")
# List-valued DocMeta fields.
LIST_FIELDS = ("supersedes", "superseded_by", "sources", "read_from_text", "defaulted")
CHUNK_FIELDS = DOC_FIELDS + ("page", "section", "section_key", "chunk_index", "hash")


def unsupported_type(suffix: str, allowed: tuple[str, ...], what: str = "file") -> str:
    """The one message for a file type that cannot be read, naming the types that can."""
    return f"unsupported {what} type {suffix or '(none)'}: supported are {' '.join(allowed)}"


class MetadataError(ValueError):
    """Front matter or sidecar metadata that cannot be indexed as it is."""


@dataclass
class DocMeta:
    doc_id: str
    source_id: str
    title: str
    lang: str
    doc_type: str = "guidance"
    issuer: str = ""
    doc_number: str = ""
    issued: str = ""
    effective: str = ""
    status: str = "in_force"
    access: str = "internal"
    path: str = ""
    supersedes: list[str] = field(default_factory=list)
    superseded_by: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    text_kind: str = "official"
    read_from_text: list[str] = field(default_factory=list)   # fields read from the document's text
    defaulted: list[str] = field(default_factory=list)        # fields nobody stated: defaults

    def validate(self) -> "DocMeta":
        if not DOC_ID_RE.match(self.doc_id or ""):
            raise MetadataError(f"doc_id {self.doc_id!r} is not a slug (letters, digits, . _ -)")
        if not self.source_id or not DOC_ID_RE.match(self.source_id):
            raise MetadataError(f"source_id {self.source_id!r} is not a slug (letters, digits, . _ -)")
        for name, allowed in (("lang", LANGS), ("status", STATUSES), ("access", ACCESS),
                              ("text_kind", TEXT_KINDS)):
            if getattr(self, name) not in allowed:
                raise MetadataError(f"{name} {getattr(self, name)!r} is not one of {', '.join(allowed)}")
        if not DOC_TYPE_RE.match(self.doc_type or ""):
            raise MetadataError(f"doc_type {self.doc_type!r} must be a lower-case word such as regulation")
        for name in ("issued", "effective"):
            value = getattr(self, name)
            if value and not _is_iso_date(value):
                raise MetadataError(f"{name} {value!r} is not a date in YYYY-MM-DD form")
        if not self.title.strip():
            raise MetadataError("title is empty")
        return self

    def chunk_metadata(self) -> dict:
        return {name: getattr(self, name) for name in DOC_FIELDS}


def _is_iso_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def doc_meta_from_mapping(raw: dict, **defaults) -> DocMeta:
    """Build a checked DocMeta from front matter, filling gaps from ``defaults``."""
    merged = {**defaults, **{k: v for k, v in raw.items() if v is not None}}
    known = set(DocMeta.__dataclass_fields__)
    values = {}
    for key in known:
        if key not in merged:
            continue
        value = merged[key]
        if key in LIST_FIELDS:
            value = [str(v) for v in (value if isinstance(value, list) else [value])]
        elif isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()[:10]
        else:
            value = str(value).strip()
        values[key] = value
    for required in ("doc_id", "title", "lang"):
        if not values.get(required):
            raise MetadataError(f"{required} is missing")
    values.setdefault("source_id", values["doc_id"])
    return DocMeta(**values).validate()


@dataclass
class Chunk:
    """One retrievable unit: a clause (or part of one) with its document's metadata."""

    id: str
    text: str
    meta: dict

    def to_json(self) -> dict:
        return {"id": self.id, "text": self.text, **self.meta}


@dataclass
class ScoredChunk:
    chunk: Chunk
    score: float
    sources: dict = field(default_factory=dict)   # per-retriever (rank, score), for explanations and evals
    counterpart: Chunk | None = None              # the same clause in the other language

    def to_json(self, rank: int) -> dict:
        m = self.chunk.meta
        return {"rank": rank, "score": round(self.score, 6),
                **{k: m.get(k) for k in ("source_id", "doc_id", "title", "lang", "doc_type",
                                         "access", "status", "issuer", "doc_number", "section")},
                "page": m.get("page"), "path": m.get("path"), "text_kind": m.get("text_kind"),
                "text": self.chunk.text,
                "counterpart": None if self.counterpart is None else {
                    k: self.counterpart.meta.get(k) for k in ("doc_id", "lang", "section")}}


def to_store_metadata(meta: dict) -> dict:
    """Chroma keeps str/int/float/bool only: drop None, keep everything else as it is."""
    return {k: v for k, v in meta.items() if v is not None}
