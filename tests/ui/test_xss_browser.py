"""Markup in documents and in questions is shown as text, never run, in real Chromium: the chat,
the sources panel, the rendered source page and the raw file. A document and a question carry
``<script>``, ``<img onerror>``, ``<svg onload>`` and ``javascript:`` links that would open a
dialog or set ``window.__pwned`` if any of them ran."""

from __future__ import annotations

import pytest

from iitkb.settings import PROJECT_ROOT, Settings
from tests.conftest import front, write
from tests.ui.conftest import RunningApp, free_port
from tests.ui.test_browser import browser, shot  # noqa: F401  (browser: the fixture)

pytestmark = pytest.mark.browser

PAYLOADS = ("<script>alert('script')</script>", "<img src=x onerror=\"alert('img');window.__pwned=1\">",
            "<svg onload=\"alert('svg');window.__pwned=2\">", "[open](javascript:alert('link'))",
            "<iframe src=\"javascript:alert('frame')\"></iframe>")
BODY = ("## Article 1\nCold chain samples are shipped at minus 80 degrees Celsius {0} in a validated box {1}.\n"
        "## Article 2\nThe courier logs the temperature every hour {2} and keeps the log {3} for five years {4}.\n")
QUESTION = "At what temperature are cold chain samples shipped? " + " ".join(PAYLOADS[:3])
PASSWORD = "staff-pass-xss-1"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, e5):
    """An app whose only documents carry markup: a Markdown rule and an HTML page."""
    from ingest.pipeline import Ingestor
    from retrieval.answer import Answerer
    from retrieval.search import Searcher
    from ui.users import UserStore
    from ui.web import make_server

    root = tmp_path_factory.mktemp("xss")
    settings = Settings(data_dir=root / "data", glossary_path=PROJECT_ROOT / "corpus" / "glossary.tsv")
    write(root / "docs" / "cold.md", front("cold-en", "en", "Cold <img src=x onerror=alert('title')> Rules",
                                           BODY.format(*PAYLOADS)))
    write(root / "docs" / "courier.html", "<html><head><title>Courier &lt;script&gt;alert(1)&lt;/script&gt;</title>"
          "<script>alert('page')</script></head><body><main><h2>Article 1</h2><p>The courier signs the cold "
          "chain log &lt;img src=x onerror=alert('esc')&gt; at every hand-over.</p>"
          "<img src=x onerror=\"alert('attr')\"></main></body></html>")
    ingestor = Ingestor(settings, embedder=e5)
    report = ingestor.run([root / "docs"])
    assert report.added == 2, report.to_json()
    html_id = next(d.doc_id for d in ingestor.index.documents() if d.doc_id != "cold-en")
    ingestor.close()
    UserStore(settings.users_path).add("xena", "staff", PASSWORD)
    running = RunningApp(make_server(settings, Answerer(settings, searcher=Searcher(settings, embedder=e5))),
                         free_port())
    yield running, html_id
    running.stop()


def watched(page, dialogs: list):
    """A page of the context, whose every dialog the context records (and dismisses)."""
    page.set_default_timeout(30_000)
    return page


def nothing_ran(page, dialogs: list, where: str):
    page.wait_for_timeout(500)               # an onerror fires once the broken image fails to load
    assert dialogs == [], f"{where}: a dialog opened: {dialogs}"
    assert page.evaluate("window.__pwned") is None, f"{where}: an event handler ran"


def test_markup_in_documents_and_questions_never_runs(browser, hostile):
    hostile, html_id = hostile
    dialogs: list = []
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page = watched(context.new_page(), dialogs)
    page.goto(hostile.url)
    page.locator("input[type=text]").first.fill("xena")
    page.locator("input[type=password]").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.locator("#question textarea").wait_for()

    page.locator("#question textarea").fill(QUESTION)
    page.locator("#ask").click()
    card = page.locator("#sources .kb-card", has_text="minus 80").first
    card.wait_for()
    chat = page.locator("#chatbot").inner_text()
    assert "<script>alert('script')</script>" in chat          # the question, shown as typed
    assert "minus 80" in chat
    nothing_ran(page, dialogs, "chat and sources")
    assert page.locator("#chatbot img[src=x], #sources img[src=x], #sources svg[onload], #chatbot script").count() == 0
    shot(page, "xss-chat")

    with page.expect_popup() as popup:
        card.locator(".kb-open a").click()
    source = watched(popup.value, dialogs)
    source.wait_for_load_state()
    assert "minus 80" in source.inner_text("body") and "alert(" in source.inner_text("body")
    nothing_ran(source, dialogs, "rendered source page")
    assert source.locator("img[src=x], svg, iframe, script:not([nonce])").count() == 0
    shot(source, "xss-source")

    for target in ("source/cold-en?raw=1", f"source/{html_id}", f"source/{html_id}?raw=1"):
        raw = watched(context.new_page(), dialogs)
        reply = raw.goto(hostile.url + target)
        assert reply.status == 200 and "alert(" in raw.content(), target
        nothing_ran(raw, dialogs, target)
    control = watched(context.new_page(), dialogs)                     # the watch itself works
    control.set_content("<img src=x onerror=\"alert('control')\">")
    control.wait_for_timeout(500)
    assert dialogs == ["control"]
    context.close()
