"""What an ingest run did (or, dry, would do): counts, skipped files with reasons, and per document
the metadata that was read from its text or defaulted, pages that need OCR, and the access warning.

Access stays internal when nobody declared it (a public rule hidden from sponsors is safe, an
internal SOP shown to them is not), but silently internal hid public laws from every sponsor:
so the report, the command line and the admin upload form all say how many documents defaulted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


def access_warning(count: int, hint: str = "pass --access public") -> str:
    """The one sentence every door shows when documents declared no access ("" when none did)."""
    if not count:
        return ""
    noun = "document" if count == 1 else "documents"
    return (f"{count} {noun} defaulted to internal: sponsors will not see {'it' if count == 1 else 'them'}; "
            f"{hint}")


@dataclass
class RunReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks_embedded: int = 0
    skipped: list[dict] = field(default_factory=list)
    dry_run: bool = False
    documents: list[dict] = field(default_factory=list)        # per file read (or that would be)
    access_defaulted: list[str] = field(default_factory=list)  # paths that declared no access
    needs_ocr: list[dict] = field(default_factory=list)        # {"path", "pages"}: image-only pages

    def skip(self, path: str, reason: str):
        self.skipped.append({"path": path, "reason": reason})

    def note(self, path: str, meta, chunks: list, ocr_pages: list[int]):
        """Record one document as read: its metadata, where each field came from, its units."""
        sections = {c.meta["section_key"] for c in chunks}
        self.documents.append({
            "path": path, **{k: getattr(meta, k) for k in (
                "doc_id", "source_id", "title", "lang", "doc_type", "issuer", "doc_number", "issued",
                "effective", "status", "access", "text_kind", "read_from_text", "defaulted")},
            "chunks": len(chunks), "articles": sum(1 for s in sections if s.startswith("art:"))})
        self.defaulted_access(path, meta.defaulted)
        if ocr_pages:
            self.needs_ocr.append({"path": path, "pages": list(ocr_pages)})

    def defaulted_access(self, path: str, defaulted: list[str]):
        if "access" in defaulted and path not in self.access_defaulted:
            self.access_defaulted.append(path)

    @property
    def warnings(self) -> list[str]:
        lines = [access_warning(len(self.access_defaulted))]
        for item in self.needs_ocr:
            pages = ", ".join(str(p) for p in item["pages"])
            what = (f"page {pages} is an image with no text layer and was" if len(item["pages"]) == 1
                    else f"pages {pages} are images with no text layer and were")
            lines.append(f"{item['path']}: {what} not indexed: run OCR (e.g. ocrmypdf) and ingest "
                         "the result")
        return [line for line in lines if line]

    def to_json(self) -> dict:
        return {**asdict(self), "warnings": self.warnings}
