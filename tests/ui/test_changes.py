"""The "What changed" view: the role's documents with versions, the rendered comparison, the link
target for a source card citing a superseded rule, and the tab's layout."""

import gradio as gr
import pytest

from ui.web.changes import changes_html, changes_tab, other_versions, superseded_target, versioned_documents
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


def test_a_source_card_on_a_superseded_rule_links_to_what_changed(ctx):
    assert superseded_target(ctx, "sponsor", {"doc_id": "old-draft-en", "lang": "en"}) == ("old-draft-en", "rule-en")
    assert superseded_target(ctx, "sponsor", {"doc_id": "rule-zh", "lang": "zh"}) is None


def test_the_tab_lays_out_its_components(ctx):
    with gr.Blocks():
        ui = gr.Radio(choices=["English", "中文"], value="English")
        components = changes_tab(ctx, ui)
    assert set(components) == {"c_intro", "c_doc", "c_other", "c_view"}
