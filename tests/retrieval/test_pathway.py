"""The sponsor pathway: the tree is valid bilingual data, every clause it cites exists in the
bundled corpus and is public, every leaf is reachable, a changed clause flags its step for
review, and a sponsor never receives an internal clause. The corpus is read through ingest's
loaders and chunker (no embedding), so these run in seconds."""

import copy

import pytest
import yaml

from evals.pathway_eval import corpus_chunks
from iitkb.schema import Chunk
from retrieval.pathway import Pathway
from retrieval.pathway_clauses import (ChunkClauses, ClauseBook, changed_refs, clause_hash, current_hashes,
                                       lock_path, read_lock)
from retrieval.pathway_load import load_tree, parse_tree
from retrieval.pathway_tree import DEFAULT_TREE, AnswerError, TreeError

FOREIGN_CART = {"product": "cell", "aim": "research", "sponsor": "foreign", "samples_abroad": "yes",
                "data_abroad": "yes", "new_technology": "yes"}


@pytest.fixture(scope="module")
def tree():
    return load_tree()


@pytest.fixture(scope="module")
def chunks():
    return corpus_chunks()


@pytest.fixture(scope="module")
def book(chunks):
    return ClauseBook(chunks)


def raw_tree() -> dict:
    return yaml.safe_load(DEFAULT_TREE.read_text(encoding="utf-8"))


def test_every_referenced_clause_exists_in_both_languages_and_is_public(tree, chunks, book):
    refs = tree.refs()
    assert len(refs) >= 60
    access = {c.meta["source_id"]: c.meta["access"] for c in chunks}
    for ref in refs:
        assert access.get(ref.source_id) == "public", f"{ref.id}: the rule is not a public document"
        for lang in ("en", "zh"):
            assert book.pieces(ref, lang), f"{ref.id}: no {lang} clause with that section in the corpus"


def test_steps_and_routes_cite_only_binding_rules_and_traps_sit_in_warnings(tree, book):
    for ref in tree.step_refs():
        status = book.cite(ref, "en").meta["status"]
        assert status in ("in_force", "trial"), f"{ref.id} is {status}: cite it in a warning, not a step"
    trap_statuses = {book.cite(r, "en").meta["status"] for w in tree.warnings for r in w.refs}
    assert {"draft", "superseded"} <= trap_statuses


def test_every_leaf_step_and_warning_is_reachable(tree):
    leaves, steps, warnings = set(), set(), set()
    for answers in tree.every_answer():
        walk = tree.walk(answers)
        leaves.add(walk.leaf.id)
        steps |= {s.id for s in walk.steps}
        warnings |= {w.id for w in walk.warnings}
    assert leaves == {leaf.id for leaf in tree.leaves()}
    assert steps == {s.id for s in tree.steps}
    assert warnings == {w.id for w in tree.warnings}


def test_every_answer_gets_cited_steps_in_both_languages(tree, chunks):
    pathway = Pathway(ChunkClauses(chunks), tree)
    for answers in list(tree.every_answer())[::7]:
        for lang in ("en", "zh"):
            result = pathway.run(answers, lang)
            assert result["route"] == result["routes"][0]["id"] and result["steps"]
            for step in result["steps"]:
                assert step["citations"] and step["title"] and step["body"], step["id"]
                assert not step["needs_review"], f"{step['id']} needs review: refresh the lock after review"
            if lang == "zh":
                assert all(any("\u4e00" <= ch <= "\u9fff" for ch in s["body"]) for s in result["steps"])


def test_the_lock_matches_the_corpus(tree, book):
    changed = changed_refs(read_lock(lock_path(tree)), current_hashes(tree, book))
    assert not changed, (f"clauses changed since the pathway was reviewed: {changed}; review the steps "
                         "citing them, then run `iitkb pathway --refresh-lock`")


def test_a_changed_clause_flags_the_steps_relying_on_it(tree, chunks):
    edited = [Chunk(c.id, c.text + " Amended." if (c.meta["source_id"], c.meta["section_key"]) ==
                    ("bnt-regulation-2025", "art:15") else c.text, c.meta) for c in chunks]
    result = Pathway(ChunkClauses(edited), tree).run(FOREIGN_CART)
    flagged = {s["id"] for s in result["steps"] if s["needs_review"]}
    assert flagged == {"bnt-nhc-filing"}
    review = next(w for w in result["warnings"] if w["id"] == "review:bnt-nhc-filing")
    number = next(c["n"] for s in result["steps"] if s["id"] == "bnt-nhc-filing" for c in s["citations"]
                  if c["section"] == "Article 15")
    assert f"[{number}]" in review["text"]


def test_a_missing_clause_flags_its_step_and_names_the_address(tree, chunks):
    kept = [c for c in chunks if (c.meta["source_id"], c.meta["section_key"]) != ("hgr-regulation-2019", "art:27")]
    result = Pathway(ChunkClauses(kept), tree).run(FOREIGN_CART, "zh")
    step = next(s for s in result["steps"] if s["id"] == "hgr-export-certificate")
    assert step["needs_review"] and all(c["section"] != "第三章 第二十七条" for c in step["citations"])
    assert "hgr-regulation-2019#art:27" in next(w["text"] for w in result["warnings"]
                                                 if w["id"] == "review:hgr-export-certificate")


def test_a_clause_hash_does_not_depend_on_where_it_was_split():
    text = ("Article 15 Filing deadline. The site files the study with NHC within 5 working days. "
            "In a multi-site study, the lead site files. Records are kept for 30 years.")
    second, third = text.index("The site files"), text.index("the lead site")
    pieces = [text[:text.index("within")], text[second:text.index("Records")], text[third:]]   # overlaps
    assert clause_hash(pieces) == clause_hash([text])
    assert clause_hash([text[:60], text[60:]]) == clause_hash([text])
    assert clause_hash([text.replace("5 working", "10 working")]) != clause_hash([text])


def test_the_real_chunker_at_any_budget_gives_the_same_hashes(tree, book):
    from ingest.chunking import Chunker
    from ingest.loaders import load
    from iitkb.schema import doc_meta_from_mapping
    from iitkb.settings import PROJECT_ROOT

    path = PROJECT_ROOT / "corpus" / "rules" / "bnt-regulation-2025.en.md"
    loaded = load(path)
    small = Chunker(lambda t: max(1, len(t) // 3), max_tokens=64, overlap=16).chunk(
        doc_meta_from_mapping(loaded.meta, path=str(path)), loaded.lines)
    split = ClauseBook(small)
    refs = [r for r in tree.refs() if r.source_id == "bnt-regulation-2025"]
    assert any(len(split.pieces(r, "en")) > 1 for r in refs)
    assert all(split.hashes(r)["en"] == book.hashes(r)["en"] for r in refs)


@pytest.mark.parametrize("answers, route, routes", [
    ({**FOREIGN_CART, "aim": "registration"}, "registration-trial", ["registration-trial"]),
    (FOREIGN_CART, "bnt-research", ["bnt-research", "registration-trial"]),
    ({**FOREIGN_CART, "sponsor": "hospital"}, "bnt-research", ["bnt-research"]),
    ({**FOREIGN_CART, "new_technology": "no"}, "iit", ["iit", "registration-trial"]),
    ({**FOREIGN_CART, "new_technology": "no", "sponsor": "hospital"}, "iit", ["iit"]),
])
def test_the_route_follows_the_aim_the_technology_and_the_sponsor(tree, answers, route, routes):
    walk = tree.walk(answers)
    assert [r.id for r in walk.routes] == routes and walk.routes[0].id == route


def test_hgr_filing_or_approval_follows_sponsor_aim_and_export(tree):
    def steps(**changes):
        return {s.id for s in tree.walk({**FOREIGN_CART, **changes}).steps}

    assert {"hgr-trial-filing"} <= steps(aim="registration", samples_abroad="no", data_abroad="no")
    assert "hgr-cooperation-approval" not in steps(aim="registration", samples_abroad="no")
    assert {"hgr-cooperation-approval", "hgr-export-certificate"} <= steps(aim="registration")
    assert "hgr-trial-filing" not in steps(aim="registration")
    assert not {"hgr-cooperation-approval", "hgr-foreign-party-limits"} & steps(sponsor="domestic")
    assert "hgr-cooperation-approval" in steps(sponsor="fie", samples_abroad="no", data_abroad="no")


def test_answers_are_checked_and_yes_no_booleans_accepted(tree):
    with pytest.raises(AnswerError, match="aim"):
        tree.walk({k: v for k, v in FOREIGN_CART.items() if k != "aim"})
    with pytest.raises(AnswerError, match="cell, gene, other"):
        tree.walk({**FOREIGN_CART, "product": "vaccine"})
    with pytest.raises(AnswerError, match="unknown question"):
        tree.walk({**FOREIGN_CART, "budget": "large"})
    walk = tree.walk({**FOREIGN_CART, "samples_abroad": True, "data_abroad": False})
    assert walk.answers["samples_abroad"] == "yes" and walk.answers["data_abroad"] == "no"
    assert tree.walk({**FOREIGN_CART, "product": "gene", "stem_cell": "yes"}).answers["stem_cell"] == "no"


def test_a_text_missing_a_language_is_refused_with_the_node_named():
    data = raw_tree()
    del data["steps"][3]["body"]["zh"]
    with pytest.raises(TreeError, match=rf"{data['steps'][3]['id']}.*zh text is missing"):
        parse_tree(data)
    data = raw_tree()
    data["warnings"][0]["text"]["zh"] = "Only English here"
    with pytest.raises(TreeError, match="no Chinese"):
        parse_tree(data)


def test_a_branch_missing_an_answer_or_a_bad_condition_is_refused():
    data = raw_tree()
    data["tree"]["branches"] = data["tree"]["branches"][:1]
    with pytest.raises(TreeError, match="cover each answer to aim"):
        parse_tree(data)
    data = raw_tree()
    data["steps"][0]["when"] = {"sponsor": ["martian"]}
    with pytest.raises(TreeError, match="martian is no answer to sponsor"):
        parse_tree(data)
    data = raw_tree()
    data["steps"][0]["refs"] = [{"source_id": "nhc-iit-2024", "section_key": "article 5"}]
    with pytest.raises(TreeError, match="not a section key"):
        parse_tree(data)
    data = raw_tree()
    data["steps"][0]["refs"] = []
    with pytest.raises(TreeError, match="cite at least one clause"):
        parse_tree(data)


def small_tree(base: dict) -> dict:
    """The real tree with one step citing the small index's rule and its internal SOP."""
    data = copy.deepcopy(base)
    data["routes"] = [dict(r, refs=[{"source_id": "rule", "section_key": "art:1"}]) for r in data["routes"]]
    data["steps"] = [{"id": "s", "title": {"en": "Review", "zh": "审查"}, "body": {"en": "Both reviews.", "zh": "两项审查。"},
                      "refs": [{"source_id": "rule", "section_key": "art:10"},
                               {"source_id": "sop-sae", "section_key": "sec:4.1"}]}]
    data["warnings"] = []
    return data


def test_a_sponsor_never_receives_an_internal_clause(searcher):
    tree = parse_tree(small_tree(raw_tree()))
    result = Pathway.for_index(searcher.index, tree).run(FOREIGN_CART)
    shown = str(result)
    for secret in ("FALCON-7", "F-SAE-01", "SOP Safety Desk SAE Intake", "安全组"):
        assert secret not in shown
    step = result["steps"][0]
    assert [c["section"] for c in step["citations"]] == ["Article 10"]
    assert all(c["access"] == "public" for c in step["citations"]) and step["needs_review"]
