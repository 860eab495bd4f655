"""Shared fixtures: a real offline embedder, a fresh index per test, and real PDF/DOCX makers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from iitkb.settings import PROJECT_ROOT, Settings

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def e5(tmp_path_factory):
    """The default embedder (multilingual-e5-small; Settings.embed_backend), its model converted once
    for the session, so that an index a test builds opens with the default settings and CLI."""
    from index.embedders import make_embedder

    return make_embedder(Settings(data_dir=tmp_path_factory.mktemp("embedder")))


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", glossary_path=PROJECT_ROOT / "corpus" / "glossary.tsv")


@pytest.fixture
def ingestor(settings, e5):
    from ingest.pipeline import Ingestor

    made = Ingestor(settings, embedder=e5)
    yield made
    made.close()


def cli_env(settings: Settings, **extra) -> dict:
    env = {**os.environ, "IITKB_DATA_DIR": str(settings.data_dir),
           "IITKB_GLOSSARY_PATH": str(settings.glossary_path)}
    env.pop("IITKB_CHROMA_URL", None)
    env.update(extra)
    return env


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def front(doc_id: str, lang: str, title: str, body: str, **fields) -> str:
    meta = {"doc_id": doc_id, "source_id": fields.pop("source_id", doc_id.rsplit("-", 1)[0]),
            "title": title, "lang": lang, "doc_type": "regulation", "status": "in_force",
            "access": "public", **fields}
    head = "\n".join(f"{k}: {v}" for k, v in meta.items())
    return f"---\n{head}\n---\n{body}"


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A real PDF with Chinese and English text, one list of lines per page."""
    from fpdf import FPDF

    if not NOTO_CJK.exists():
        pytest.fail("the CJK font is missing: run `make system-deps` (apt-get install fonts-noto-cjk)")
    pdf = FPDF(format="A4")
    pdf.add_font("noto", fname=str(NOTO_CJK), collection_font_number=2)
    pdf.set_font("noto", size=11)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def make_docx(path: Path, paragraphs: list[tuple[str | None, str]]) -> Path:
    """A real DOCX; each item is (style or None, text), e.g. ("Heading 1", "1. Purpose")."""
    import docx

    document = docx.Document()
    for style, text in paragraphs:
        document.add_paragraph(text, style=style)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
