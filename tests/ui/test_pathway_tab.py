"""The Pathway tab: built from the tree's own questions, answered for any logged-in role with
public clauses only, relabelled by the language switch, the memo offered as DOCX and Markdown."""

from types import SimpleNamespace

import gradio as gr
import pytest

from evals.pathway_eval import corpus_pathway
from ui.web.context import Context
from ui.web.pathway import pathway_handler, pathway_labels, pathway_tab

CHOSEN = {"product": "cell", "stem_cell": "yes", "aim": "research", "sponsor": "hospital", "samples_abroad": "no",
          "data_abroad": "no", "new_technology": "no", "site_grade": "3a"}


@pytest.fixture(scope="module")
def built(kb_settings, answerer):
    ctx = Context(kb_settings, answerer)
    pathway = corpus_pathway()
    with gr.Blocks():
        ui = gr.Radio(["English", "中文"], value="English")
        tab = pathway_tab(ctx, ui, pathway)
    inputs = {q.id: tab[f"p_q_{q.id}"] for q in pathway.tree.questions}
    return ctx, pathway, ui, tab, pathway_handler(ctx, pathway, ui, inputs)


def values(ui, tab, lang_ui: str) -> dict:
    return {ui: lang_ui, **{tab[f"p_q_{qid}"]: value for qid, value in CHOSEN.items()}}


def test_the_tab_asks_the_trees_questions_and_hides_the_conditional_one(built):
    _, pathway, _, tab, _ = built
    assert {f"p_q_{q.id}" for q in pathway.tree.questions} <= set(tab)
    assert tab["p_q_stem_cell"].visible is False and tab["p_q_product"].visible is True
    assert tab["p_q_sponsor"].label == "Who sponsors or drives the study?"
    assert all(isinstance(component, gr.components.Component) for component in tab.values())


def test_a_sponsor_gets_the_cited_pathway_and_both_downloads(built):
    _, _, ui, tab, run = built
    text, docx, markdown = run(values(ui, tab, "中文"), SimpleNamespace(username="sam"))
    assert "按国家卫生健康委管理办法开展的研究者发起的临床研究" in text and "干细胞临床研究项目备案" in text
    assert "[1]" in text and "## 来源" in text
    assert docx.value["path"].endswith("pathway-memo.docx") and markdown.value["path"].endswith("pathway-memo.md")
    assert docx.visible and markdown.visible


def test_an_unknown_login_gets_nothing(built):
    _, _, ui, tab, run = built
    with pytest.raises(gr.Error, match="log in again"):
        run(values(ui, tab, "English"), SimpleNamespace(username="mallory"))


def test_the_language_switch_relabels_questions_and_choices(built):
    _, _, _, tab, _ = built
    updates = pathway_labels(tab, "中文")
    assert updates[tab["p_q_product"]]["label"] == "产品属于哪一类？"
    assert ("细胞治疗", "cell") in updates[tab["p_q_product"]]["choices"]
    assert updates[tab["p_run"]]["value"] == "生成研究路径"
