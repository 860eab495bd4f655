"""The source route and Gradio's file route refuse path traversal in every spelling (sent as raw
request targets, since HTTP clients tidy ``../`` away), and a sponsor never gets an internal
document from them: the same 404 as for one that does not exist, whatever the case, quote or
raw flag."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

from tests.ui.conftest import login

SECRETS = ("scrypt", '"hash"', "root:x:0:0")
TRAVERSALS = [
    "/source/../users.json", "/source/..%2Fusers.json", "/source/..%2fusers.json",
    "/source/%2e%2e%2fusers.json", "/source/%2E%2E/%2E%2E/etc/passwd", "/source/..%252Fusers.json",
    "/source/rule-en/../../users.json", "/source/rule-en%2F..%2F..%2Fusers.json", "/source/..%5Cusers.json",
    "/source/....//....//etc/passwd", "/source/%2Fetc%2Fpasswd", "/source//etc/passwd",
    "/source/rule-en%00.md", "/source/..%c0%afusers.json", "/source/%252e%252e%252fusers.json",
    "/source/users", "/source/catalog", "/source/.%2E/.%2E/etc/passwd",
]


def raw_get(url: str, target: str, cookies) -> tuple[int, str]:
    """GET exactly ``target`` (no normalising of dots or escapes), with the session's cookies."""
    address = urlsplit(url)
    conn = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.putheader("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
        conn.endheaders()
        reply = conn.getresponse()
        return reply.status, reply.read().decode("utf-8", "replace")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def sessions(web):
    return {name: login(web.url, name) for name in ("sam", "stella", "ada")}


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_in_any_spelling_serves_nothing(web, kb_settings, sessions, target):
    hashes = [entry["hash"] for entry in json.loads(kb_settings.users_path.read_text()).values()]
    for name in ("sam", "ada"):                   # an admin may not climb out either
        status, body = raw_get(web.url, target, sessions[name].cookies)
        assert status in (400, 404, 405), (name, target, status, body[:200])
        assert not any(secret in body for secret in (*SECRETS, *hashes)), (name, target)


@pytest.mark.parametrize("target", ["/gradio_api/file={data}/users.json", "/gradio_api/file={data}/catalog.sqlite",
                                    "/gradio_api/file={data}/audit.jsonl", "/gradio_api/file=/etc/passwd",
                                    "/gradio_api/file={data}/../data/users.json"])
def test_gradio_file_route_serves_nothing_from_the_data_folder(web, kb_settings, sessions, target):
    status, body = raw_get(web.url, target.format(data=kb_settings.data_dir), sessions["ada"].cookies)
    assert status in (400, 403, 404), (target, status)
    assert not any(secret in body for secret in SECRETS) and "SQLite format" not in body


@pytest.mark.parametrize("doc_id", ["sop-sae-en", "sop-sae-zh", "SOP-SAE-EN", "sop-sae-en%20", "sop-sae-en/"])
def test_a_sponsor_gets_no_internal_document_however_asked(web, sessions, doc_id):
    missing = doc_id.lower().replace("sop-sae-en", "no-such-doc").replace("sop-sae-zh", "no-such-doc")
    for query in ("", "?raw=1", "?quote=SAE", "?raw=1&quote=Safety%20Desk"):
        missing_status, missing_body = raw_get(web.url, f"/source/{missing}{query}", sessions["sam"].cookies)
        status, body = raw_get(web.url, f"/source/{doc_id}{query}", sessions["sam"].cookies)
        assert (status, body) == (missing_status, missing_body), (doc_id, query)
        assert "Safety Desk" not in body and "安全组" not in body
    assert raw_get(web.url, "/source/sop-sae-en", sessions["stella"].cookies)[0] == 200    # staff may
