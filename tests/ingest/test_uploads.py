"""Uploads keep the uploads folder in step with the index: a skipped or failed file is not left
behind, a replaced file comes back when its replacement is not indexed, and a failed run leaves
nothing pending and does not stop the next one."""

from __future__ import annotations

import pytest

from index.index import Index
from ingest.uploads import UploadError, Uploads, safe_upload_name, uploads_dir
from tests.conftest import front, write

RULE = front("store-rules", "en", "Storage Rules", "## 1. Storage\nCell products are kept below minus 150 degrees.\n")
NEW_RULE = front("store-rules", "en", "Storage Rules", "## 1. Storage\nCell products are kept below minus 180 degrees.\n")


@pytest.fixture
def uploads(settings, e5):
    made = Uploads(settings, embedder=e5)
    yield made
    made.close()


def incoming(tmp_path, name: str, text: str):
    return write(tmp_path / "incoming" / name, text)


def folder_names(settings) -> list[str]:
    folder = uploads_dir(settings)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_saved_files_the_run_skips_are_deleted(uploads, settings, tmp_path):
    report = uploads.ingest([incoming(tmp_path, "Storage Rules.md", RULE), incoming(tmp_path, "empty.md", ""),
                             incoming(tmp_path, "tool.exe", "MZ")], access="public")
    assert report["added"] == 1 and report["saved_as"] == ["uploads/storage-rules.md", "uploads/empty.md"]
    reasons = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in report["skipped"]}
    assert "unsupported file type .exe" in reasons["tool.exe"] and "empty.md" in reasons
    assert folder_names(settings) == ["storage-rules.md"]


def test_a_failed_run_removes_its_files_leaves_nothing_pending_and_the_next_run_works(uploads, settings,
                                                                                    tmp_path, monkeypatch):
    def broken(self, documents):
        raise RuntimeError("the dense store is unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(Index, "write", broken)
        with pytest.raises(RuntimeError, match="unreachable"):
            uploads.ingest([incoming(tmp_path, "Storage Rules.md", RULE)], access="public")
    assert folder_names(settings) == []
    assert not uploads.index.documents(state=None)
    report = uploads.ingest([incoming(tmp_path, "Storage Rules.md", RULE)], access="public")
    assert report["added"] == 1 and folder_names(settings) == ["storage-rules.md"]


def test_a_replacement_that_is_not_indexed_gives_the_old_file_back(uploads, settings, tmp_path):
    uploads.ingest([incoming(tmp_path, "storage-rules.md", RULE)], access="public")
    saved = uploads_dir(settings) / "storage-rules.md"
    clash = front("other-doc", "en", "Other", "")                 # no text: skipped
    report = uploads.ingest([incoming(tmp_path, "storage-rules.md", clash)], access="public")
    assert report["added"] == report["updated"] == 0 and report["skipped"]
    assert saved.read_text(encoding="utf-8") == RULE and folder_names(settings) == ["storage-rules.md"]
    report = uploads.ingest([incoming(tmp_path, "storage-rules.md", NEW_RULE)], access="public")
    assert report["updated"] == 1 and saved.read_text(encoding="utf-8") == NEW_RULE
    assert folder_names(settings) == ["storage-rules.md"]


def test_remove_takes_the_document_and_its_uploaded_file(uploads, settings, tmp_path):
    outside = write(tmp_path / "corpus" / "guide.md", front("guide-en", "en", "Guide", "## 1. Use\nSponsors grade.\n"))
    uploads.ingest([incoming(tmp_path, "storage-rules.md", RULE)], access="public")
    uploads._get_ingestor().run([outside])
    assert uploads.remove("store-rules") and folder_names(settings) == []
    assert uploads.remove("guide-en") and outside.exists()            # a corpus file is not deleted
    assert uploads.remove("guide-en") is False


def test_bad_access_and_names_are_refused(uploads, tmp_path):
    with pytest.raises(UploadError, match="public or internal"):
        uploads.ingest([incoming(tmp_path, "storage-rules.md", RULE)], access="everyone")
    with pytest.raises(UploadError, match="supported are"):
        safe_upload_name("evil.md.sh")
    assert safe_upload_name("../../etc/cron.d/evil.md") == "evil.md"
