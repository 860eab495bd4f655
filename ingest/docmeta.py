"""A document's metadata: declared (front matter or sidecar), read from its text, or defaulted,
and a record of which, so a dry run and the ingest report can say what a user must still state.

Declared values always win, even empty ones (``doc_number: ""`` means "none", not "look for one").
A document whose number matches an indexed rule's joins that rule's source_id, so the official
text and the corpus's summary of one rule are one source; ``text_kind`` tells them apart.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.loaders import Loaded
from ingest.metadata import number_key, read_metadata
from iitkb.schema import DocMeta, doc_meta_from_mapping

# Fields whose origin is recorded (doc_id and path always come from the file itself).
TRACKED = ("title", "lang", "doc_type", "issuer", "doc_number", "issued", "effective", "status",
           "access", "source_id")


def document_meta(path: Path, shown: str, loaded: Loaded, access: str, access_stated: bool,
                  rules: dict[str, str]) -> DocMeta:
    """``access`` is already resolved (declared and --access); ``rules`` maps number_key -> source_id."""
    declared = {k: v for k, v in loaded.meta.items() if v is not None}
    read = read_metadata(loaded.lines, loaded.hints)
    stem = path.name.rsplit(".", 1)[0]
    defaults = {"doc_id": re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "document",
                "title": stem, "lang": "en", "doc_type": "document"}
    values = {**defaults, **read, **declared, "access": access, "path": shown}
    joined = "" if "source_id" in declared else rules.get(number_key(str(values.get("doc_number") or "")), "")
    if joined:
        values["source_id"] = joined
    values.setdefault("text_kind", "summary" if declared.get("sources") else "official")
    from_text = [k for k in TRACKED if k not in declared and k in read] + (["source_id"] if joined else [])
    stated = set(declared) | set(from_text) | ({"access"} if access_stated else set())
    values["read_from_text"] = from_text
    values["defaulted"] = [k for k in TRACKED if k not in stated]
    return doc_meta_from_mapping(values)
