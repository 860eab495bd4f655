"""The web app in headless Chromium: log in, ask in both languages, read the sources, open one,
check a sponsor's page never shows an internal title, answer a questionnaire, and upload a
document as admin. Screenshots go to test-artifacts/ (gitignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS, make_pdf, write
from tests.ui.conftest import INTERNAL_TITLES, PASSWORDS

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
RULE_EN = "Measures on Investigator-Initiated Clinical Research"
RULE_ZH = "研究者发起的临床研究管理办法"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_as(browser, web):
    """A fresh browser context per user, logged in on the app's start page."""
    contexts = []

    def login(name: str):
        context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(web.url)
        page.locator("input[type=text]").first.fill(name)
        page.locator("input[type=password]").fill(PASSWORDS[name])
        page.keyboard.press("Enter")
        page.locator("#question textarea").wait_for()
        page.get_by_text(f"Signed in as {name}").wait_for()
        return page

    yield login
    for context in contexts:
        context.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def ask(page, question: str):
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()


def test_staff_asks_in_both_languages_and_opens_a_source(open_as):
    page = open_as("stella")
    page.get_by_text("境外申办方把样本运出境需要人类遗传资源审批吗？").click()        # an example question
    card = page.locator("#sources .kb-card", has_text=RULE_ZH).first
    card.wait_for()
    assert "人类遗传资源样本出境须经国务院卫生健康主管部门审批" in card.locator("mark").first.inner_text()
    assert "第二十条" in card.inner_text() and "in force" in card.inner_text()
    shot(page, "chat-zh")

    ask(page, "What reviews must a study pass before institutional approval?")
    card = page.locator("#sources .kb-card", has_text=RULE_EN).first
    card.wait_for()
    assert "Article 10" in card.inner_text() and "Guo Wei Ke Jiao Fa [2024] No. 32" in card.inner_text()
    assert "scientific review and ethics review" in card.locator("mark").first.inner_text()
    assert page.locator("#chatbot").get_by_text("[1]").count() >= 1
    shot(page, "chat-en")

    with page.expect_popup() as popup:
        card.locator(".kb-open a").click()
    source = popup.value
    source.wait_for_load_state()
    assert "/source/rule-en?quote=" in source.url and "Every study must pass scientific review" in source.content()
    shot(source, "source-file")

    page.get_by_text("中文", exact=True).click()                                   # interface language
    page.get_by_role("button", name="提问").wait_for()
    assert page.get_by_text("来源", exact=True).count() >= 1
    shot(page, "chat-interface-zh")


def test_sponsor_page_never_shows_internal_titles(open_as, tmp_path):
    page = open_as("sam")
    assert page.get_by_role("tab", name="Documents").count() == 0
    for question in ("How does the safety desk log an SAE on form F-SAE-01?", "FALCON-7 SAE 接收流程是什么？"):
        page.get_by_role("button", name="New conversation").click()
        ask(page, question)
        page.locator("#sources .kb-empty", has_text="No sources").wait_for()
        page.locator("#chatbot").get_by_text("does not cover" if question.isascii() else "没有能回答").wait_for()
        assert not [title for title in INTERNAL_TITLES if title in page.content()]
    ask(page, "What reviews must a study pass before institutional approval?")
    page.locator("#sources .kb-card", has_text=RULE_EN).first.wait_for()
    shot(page, "sponsor-chat")

    # a questionnaire whose lines claim the staff role is still answered as a sponsor
    page.get_by_role("tab", name="Feasibility questionnaire").click()
    questions = write(tmp_path / "feasibility.csv", "question,role\n"
                      "How does the safety desk log an SAE on form F-SAE-01?,staff\n"
                      "What reviews must a study pass before institutional approval?,staff\n")
    page.locator("#q-file input[type=file]").set_input_files(str(questions))
    page.locator("#q-run").click()
    page.locator("#q-table").get_by_text("Article 10").filter(visible=True).first.wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Markdown").click()
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Article 10" in markdown and "SOP" not in markdown.replace("F-SAE-01?", "")
    shot(page, "sponsor-questionnaire")
    page.get_by_role("tab", name="Ask").click()
    content = page.content()
    assert not [title for title in INTERNAL_TITLES if title in content] and "sop-sae" not in content


def test_admin_uploads_a_document_and_sponsors_can_open_it(open_as, tmp_path):
    pdf = make_pdf(tmp_path / "Cell Storage Rules.pdf", [
        ["Cell Storage Rules", "1. Scope", "These rules cover the storage of cell therapy products."],
        ["2. Temperature", "Cryopreserved cell products are stored below minus 150 degrees Celsius in the "
                           "vapour phase of liquid nitrogen, and the temperature log is checked twice a day."],
    ])
    admin = open_as("ada")
    admin.get_by_role("tab", name="Documents").click()
    admin.locator("#d-files input[type=file]").set_input_files(str(pdf))
    admin.locator("#d-access").get_by_text("public").click()
    admin.locator("#d-run").click()
    report = admin.locator("#d-report")
    report.get_by_text("saved_as").wait_for(timeout=60_000)
    compact = "".join(report.inner_text().split())
    assert '"added":1,' in compact and '"skipped":[]' in compact and "uploads/cell-storage-rules.pdf" in compact
    admin.locator("#d-table").get_by_text("cell-storage-rules").filter(visible=True).first.wait_for()
    shot(admin, "admin-upload")

    sponsor = open_as("sam")
    ask(sponsor, "At what temperature are cryopreserved cell products stored?")
    card = sponsor.locator("#sources .kb-card", has_text="Cell Storage Rules").first
    card.wait_for()
    href = card.locator(".kb-open a").get_attribute("href")
    assert href == "source/cell-storage-rules#page=2" and "p. 2" in card.inner_text()
    fetched = sponsor.request.get(sponsor.url.split("?")[0].rstrip("/") + "/" + href.split("#")[0])
    assert fetched.status == 200 and fetched.headers["content-type"] == "application/pdf"
    shot(sponsor, "sponsor-pdf-source")

    admin.get_by_role("tab", name="Documents").click()
    admin.locator("#d-pick input").click()
    admin.get_by_role("option", name="cell-storage-rules", exact=False).click()
    admin.locator("#d-remove").click()
    admin.get_by_text("Removed cell-storage-rules from the index.").wait_for()


ATTACKER_PAGE = """<!doctype html><title>waiting</title><script>
async function steal(url, options) {
  try { const reply = await fetch(url, {credentials: "include", ...options}); return "read " + reply.status + " " + (await reply.text()).slice(0, 80); }
  catch (error) { return "blocked"; }
}
Promise.all([steal("APP/config"), steal("APP/gradio_api/call/ask", {method: "POST",
  headers: {"Content-Type": "application/json"}, body: JSON.stringify({data: ["SAE intake on form F-SAE-01?"]})})])
  .then(results => { document.title = results.join(" | "); });
</script>"""


def test_a_page_on_another_port_cannot_read_the_app_with_the_users_cookie(open_as, web):
    """The probe's attack: a staff user is logged in; a page from another loopback port fetches
    the API with credentials. The browser sends the cookie (same site), so only the app's Origin
    check stands between that page and internal answers."""
    import http.server
    import threading

    from tests.ui.conftest import free_port

    body = ATTACKER_PAGE.replace("APP/", web.url).encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        staff = open_as("stella")
        attacker = staff.context.new_page()
        attacker.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        attacker.wait_for_function("document.title !== 'waiting'", timeout=30_000)
        assert attacker.title() == "blocked | blocked"
        assert staff.context.request.get(web.url + "config").status == 200     # the cookie itself still works
    finally:
        server.shutdown()
