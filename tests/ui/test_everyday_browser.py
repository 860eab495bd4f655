"""Everyday use in headless Chromium: [n] markers that lead to their source card, an empty
question answered inline (no error states), and the rendered source page."""

from __future__ import annotations

import pytest

from tests.ui.test_browser import ask, browser, open_as, shot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
RULE_EN = "Measures on Investigator-Initiated Clinical Research"


def test_markers_link_to_cards_errors_are_inline_and_the_source_is_a_page(open_as):
    page = open_as("sam")
    page.locator("#ask").click()                                   # nothing typed
    page.locator("#chatbot").get_by_text("Type a question first.").wait_for()
    assert page.locator(".error").count() == 0 and page.get_by_text("Error", exact=True).count() == 0

    ask(page, "What reviews must a study pass before institutional approval?")
    page.locator("#sources .kb-card", has_text=RULE_EN).first.wait_for()
    marker = page.locator("#chatbot a.kb-cite").first
    marker.wait_for()
    number = marker.get_attribute("data-n")
    marker.click()
    card = page.locator(f"#kb-src-{number}")
    assert "kb-flash" in card.get_attribute("class") and page.url.split("#")[0] == page.url
    shot(page, "chat-marker-to-card")

    with page.expect_popup() as popup:
        card.locator(".kb-open a").click()
    source = popup.value
    source.wait_for_load_state()
    assert source.locator("h1.kb-title").inner_text() == RULE_EN
    assert "NHC" in source.locator("table.kb-meta").inner_text()
    body = source.locator("body").inner_text()
    assert "doc_id:" not in body and "access: public" not in body
    assert source.locator("mark#kb-quote").count() == 1
    shot(source, "source-page")


def test_questionnaire_refusal_is_inline_and_the_table_is_in_the_text_font(open_as):
    page = open_as("sam")
    page.get_by_role("tab", name="Feasibility questionnaire").click()
    page.locator("#q-find").click()                                  # nothing uploaded or pasted
    page.locator("#q-note").get_by_text("Upload a questionnaire").wait_for()
    assert page.get_by_text("Error", exact=True).count() == 0
    page.locator("#q-text textarea").fill("How are cell products stored?\nWho reviews an IIT?")
    page.locator("#q-find").click()
    cell = page.locator("#q-review").get_by_text("How are cell products stored?").filter(visible=True).first
    cell.wait_for()
    assert "monospace" not in cell.evaluate("e => getComputedStyle(e).fontFamily")
    assert page.locator("#q-note").inner_text().strip() == ""                    # cleared on success
    shot(page, "questionnaire-review")
