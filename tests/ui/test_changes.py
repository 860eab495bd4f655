"""The "What changed" view: the role's documents with versions, the rendered comparison, the tab's
layout, the source card's link for a superseded rule, the role-checked comparison page, and the
API answer's index version and replacements."""

import gradio as gr
import pytest

from ui.web.changes import changes_html, changes_tab, other_versions, versioned_documents
from ui.web.context import Context


@pytest.fixture(scope="module")
def ctx(kb_settings, answerer):
    return Context(kb_settings, answerer)


def test_only_documents_with_another_visible_version_are_offered(ctx):
    offered = {doc_id for _, doc_id in versioned_documents(ctx, "sponsor")}
    assert {"old-draft-en", "rule-en", "rule-zh"} <= offered
    assert not any(d.startswith("sop-") for d in offered) and "crs-guide-en" not in offered
    assert [d for _, d in other_versions(ctx, "sponsor", "rule-en")] == ["old-draft-en"]
    assert other_versions(ctx, "sponsor", "sop-sae-en") == [], "an internal document is unknown to sponsors"


def test_the_comparison_renders_older_version_first_with_marked_words(ctx):
    page = changes_html(ctx, "sponsor", "rule-en", ui="English")
    assert page.index("Draft Measures on Clinical Research") < page.index("Measures on Investigator-Initiated")
    assert "kb-change" in page and ("<ins>" in page or "<del>" in page)
    assert changes_html(ctx, "sponsor", "rule-en", "old-draft-en", "中文").count("kb-change ") >= 1
    assert "修订" not in changes_html(ctx, "sponsor", None, ui="English")


def test_the_tab_lays_out_its_components(ctx):
    with gr.Blocks():
        ui = gr.Radio(choices=["English", "中文"], value="English")
        components = changes_tab(ctx, ui)
    assert set(components) == {"c_intro", "c_doc", "c_other", "c_view"}


def cited_draft(ctx, role="sponsor"):
    """The answer object with a citation of the superseded draft, as the Answerer finishes it."""
    from retrieval.answer import Answer, Citation
    from retrieval.versioned import VersionedAnswers

    chunk = next(c for c in ctx.searcher.index.document_chunks("old-draft-en") if c.meta["section_key"] != "head")
    raw = Answer("q", role, "en", "Under the draft ... [1]", False, [Citation(1, chunk, chunk.text)])
    return VersionedAnswers.of(ctx.searcher).finish(raw, role)


def test_a_source_card_citing_a_superseded_rule_links_to_the_comparison(ctx):
    from ui.web.changes import change_link
    from ui.web.render import sources_html

    answer = cited_draft(ctx)
    assert answer.citations[0].replaced_by["doc_id"] == "rule-en"
    card = sources_html(answer, "English")
    assert 'href="changes/old-draft-en/rule-en?ui=en"' in card
    assert "what changed in Measures on Investigator-Initiated Clinical Research" in card
    assert "查看《" in sources_html(answer, "中文") and "ui=zh" in sources_html(answer, "中文")
    current = ctx.answerer.ask("What reviews must a study pass?", role="sponsor")
    assert all(change_link(c, "English") == "" for c in current.citations if c.chunk.meta["status"] != "superseded")


def test_the_comparison_page_is_role_checked(web):
    from tests.ui.conftest import login

    sponsor = login(web.url, "sam")
    page = sponsor.get("changes/old-draft-en/rule-en?ui=en")
    assert page.status_code == 200 and "Draft Measures on Clinical Research" in page.text
    assert page.text.index("Draft Measures") < page.text.index("Measures on Investigator-Initiated")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    hidden, missing = sponsor.get("changes/sop-sae-en/rule-en"), sponsor.get("changes/no-such-doc/rule-en")
    assert hidden.status_code == missing.status_code == 404 and hidden.text == missing.text
    assert login(web.url, "stella").get("changes/sop-sae-en/sop-sae-zh").status_code == 404, "one rule, one text"
    assert login(web.url, None).get("changes/old-draft-en/rule-en").status_code == 401


def test_the_api_answer_carries_the_role_index_version_and_change_answers(web, kb_settings):
    from index.index import Index
    from tests.ui.conftest import client

    index = Index(kb_settings)
    sponsor = client(web.url, "sam").predict("What reviews must a study pass?", api_name="/ask")
    assert sponsor["index_version"] == index.version(("public",))
    staff = client(web.url, "stella").predict("What reviews must a study pass?", api_name="/ask")
    assert staff["index_version"] == index.version() != sponsor["index_version"]
    changed = client(web.url, "sam").predict("What changed between the 2019 draft and the 2024 measures on review?",
                                             api_name="/ask")
    assert {c["doc_id"] for c in changed["citations"]} == {"old-draft-en", "rule-en"}
    assert all(c["path"] is None for c in changed["citations"])
    old = [c for c in changed["citations"] if c["doc_id"] == "old-draft-en"]
    assert old and all(c["replaced_by"]["doc_id"] == "rule-en" for c in old)
