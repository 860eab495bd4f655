"""Zip bombs: DOCX and XLSX files are zip archives, checked before any reader unzips them.

Both ingestion (DOCX documents) and questionnaire intake (DOCX and XLSX) read such files, and
neither may import the other, so the check lives here, in the vocabulary both share. It reads
only the archive's directory (the sizes each member declares), never the members themselves.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

# The bundled DOCX files unzip to about 22 times their size (python-docx's template 25, an
# openpyxl workbook about 5), so past 50 MB unzipped a ratio over 200 is a bomb, and so is
# anything past 500 MB unzipped.
MAX_UNZIPPED_MB = 500
MAX_ZIP_RATIO = 200
RATIO_FROM_MB = 50
SAVED_FROM = {"DOCX": "Word", "XLSX": "Excel"}


def zip_problem(path: Path, kind: str) -> str | None:
    """Why the archive must not be opened (unreadable, or it would unzip to far more than any
    real document), or None when it may be."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except Exception as exc:   # BadZipFile, OSError, ValueError, NotImplementedError (a damaged version field)...
        return f"not a readable {kind} ({exc.__class__.__name__}): save it again as .{kind.lower()}"
    unzipped = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    bomb = unzipped > RATIO_FROM_MB * 1e6 and unzipped / packed > MAX_ZIP_RATIO
    if bomb or unzipped > MAX_UNZIPPED_MB * 1e6:
        return (f"{kind} would unzip to {unzipped / 1e6:,.0f} MB ({unzipped / packed:,.0f} times its size; "
                f"limits {MAX_UNZIPPED_MB} MB and {MAX_ZIP_RATIO}x): not a real document, or save it again "
                f"from {SAVED_FROM.get(kind, 'the program that made it')}")
    return None
