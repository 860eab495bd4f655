"""corpus/render/render.py: rendered PDF and DOCX keep every character and clause marker through ingestion."""

import importlib.util

import pytest

from ingest.chunking import StructureParser
from ingest.loaders import load
from iitkb.settings import PROJECT_ROOT

SOURCE = """---
doc_id: demo-zh
source_id: demo
title: 演示规程
lang: zh
doc_type: sop
access: internal
---

前言段落：本规程用于测试。

## 1. 目的
{body}

## 2. 职责
- 项目经理负责表格 F-DEMO-01。
"""


@pytest.fixture(scope="module")
def render():
    spec = importlib.util.spec_from_file_location("render", PROJECT_ROOT / "corpus" / "render" / "render.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_many_distinct_cjk_characters_survive_pdf_and_docx(render, tmp_path):
    # More than 255 distinct glyphs: the point where an embedded-subset encoding broke extraction.
    body = "".join(chr(0x4E00 + 7 * i) for i in range(400))
    for kind in ("pdf", "docx"):
        (tmp_path / "src" / kind).mkdir(parents=True)
        (tmp_path / "src" / kind / "demo.zh.md").write_text(SOURCE.format(body=body), encoding="utf-8")
    written = render.render_all(tmp_path / "src", tmp_path / "out")
    assert sorted(p.suffix for p in written) == [".docx", ".pdf"]
    for path in written:
        loaded = load(path)
        text = "".join(line.text for line in loaded.lines).replace(" ", "")
        assert body in text, path
        assert loaded.meta["doc_id"] == "demo-zh"          # from the sidecar
        keys = [u.key for u in StructureParser("zh", loaded.lines).parse()]
        assert "sec:1" in keys and "sec:2" in keys, (path, keys)
