"""Version chains: declared links, a newer text of the same rule added later, what is current,
role-limited chains, and the index's content version."""

from pathlib import Path

import pytest
import yaml

from iitkb.schema import Chunk
from iitkb.settings import PROJECT_ROOT
from index.catalog import Catalog
from index.index import catalog_version
from retrieval.versions import Versions, rule_key

TODAY = "2026-11-25"


def doc(doc_id, title, lang="en", status="in_force", issued="", effective="", access="public", **links):
    return {"doc_id": doc_id, "source_id": links.pop("source_id", doc_id.rsplit("-", 1)[0]), "title": title,
            "lang": lang, "status": status, "issued": issued, "effective": effective, "access": access,
            "supersedes": links.pop("supersedes", []), "superseded_by": links.pop("superseded_by", [])}


def test_declared_links_from_either_side_order_the_chain():
    docs = [doc("rule-b-en", "Rule B", issued="2024-01-01", supersedes=["rule-a"]),
            doc("rule-a-en", "Rule A", status="superseded", issued="2020-01-01"),
            doc("rule-c-en", "Rule C", issued="2025-06-01", effective="2025-07-01"),
            doc("rule-a-zh", "规则甲", lang="zh", status="superseded", issued="2020-01-01", source_id="rule-a",
                superseded_by=["rule-b"])]
    docs[0]["superseded_by"] = ["rule-c"]
    versions = Versions(docs, today=TODAY)
    chain = versions.chain("rule-a-zh")
    assert [v.source_id for v in chain.versions] == ["rule-a", "rule-b", "rule-c"]
    assert chain.current.source_id == "rule-c"
    assert versions.replaced_by("rule-a").source_id == "rule-c"
    assert versions.version("rule-b").status == "superseded" and versions.replaced_by("rule-c") is None
    assert set(versions.version("rule-a").docs) == {"en", "zh"}


def test_a_newer_text_of_the_same_rule_added_later_becomes_current_without_overwriting():
    old = doc("pilot-2021-zh", "医疗卫生机构开展研究者发起的临床研究管理办法（试行）", lang="zh", issued="2021-09-09")
    new = doc("final-2024-zh", "医疗卫生机构开展研究者发起的临床研究管理办法", lang="zh", issued="2024-09-18")
    versions = Versions([old, new], today=TODAY)
    assert versions.linked("pilot-2021-zh", "final-2024-zh")
    assert versions.chain("pilot-2021").current.source_id == "final-2024"
    assert versions.version("pilot-2021").status == "superseded"
    assert old["status"] == "in_force", "the declared metadata is read, never rewritten"


def test_english_titles_match_without_their_chinese_original_and_version_marks():
    a = "Measures on Stem Cell Research (Trial) (干细胞临床研究管理办法（试行）)"
    b = "Measures on Stem Cell Research (2024 revision)"
    assert rule_key(a, "en") == rule_key(b, "en") == "measuresonstemcellresearch"
    assert rule_key("某某条例（征求意见稿）", "zh") == rule_key("某某条例", "zh")


def test_a_newer_text_not_yet_in_force_leaves_the_old_one_current():
    docs = [doc("law-2019-en", "Law on X", issued="2019-01-01"),
            doc("law-2025-en", "Law on X", issued="2025-09-28", effective="2026-05-01")]
    chain = Versions(docs, today="2026-01-01").chain("law-2025")
    assert chain.current.source_id == "law-2019"
    assert Versions(docs, today="2026-05-01").chain("law-2025").current.source_id == "law-2025"


def test_two_dated_texts_under_one_source_id_are_two_versions():
    docs = [doc("sop-v1-en", "SOP X", source_id="sop-x", issued="2022-01-01"),
            doc("sop-v2-en", "SOP X", source_id="sop-x", issued="2024-01-01")]
    versions = Versions(docs, today=TODAY)
    chain = versions.chain("sop-v1-en")
    assert [v.doc()["doc_id"] for v in chain.versions] == ["sop-v1-en", "sop-v2-en"]
    assert versions.version("sop-v1-en").status == "superseded"


def test_unrelated_rules_stay_apart():
    docs = [doc("a-en", "Measures for Ethical Review of Biomedical Research Involving Humans", issued="2016-10-12"),
            doc("b-en", "Measures for Ethical Review of Life Sciences and Medical Research Involving Humans",
                issued="2023-02-18")]
    versions = Versions(docs, today=TODAY)
    assert not versions.linked("a-en", "b-en") and versions.chains() == []


def test_a_sponsor_chain_never_passes_through_an_internal_text():
    docs = [doc("sop-2022-en", "SOP Intake", access="internal", issued="2022-01-01"),
            doc("sop-2024-en", "SOP Intake", issued="2024-01-01")]
    public = Versions([d for d in docs if d["access"] == "public"], today=TODAY)
    assert public.chain("sop-2024").versions[0].source_id == "sop-2024" and public.version("sop-2022") is None
    assert len(Versions(docs, today=TODAY).chain("sop-2024").versions) == 2


def _front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def test_the_corpus_version_pairs_are_chained_and_current():
    docs = [_front_matter(p) for p in sorted((PROJECT_ROOT / "corpus" / "rules").glob("*.md"))]
    for d in docs:
        d["issued"], d["effective"] = str(d.get("issued") or ""), str(d.get("effective") or "")
    versions = Versions(docs, today=TODAY)
    chains = {tuple(v.source_id for v in c.versions): c.current.source_id for c in versions.chains()}
    assert chains[("nhc-iit-2021", "nhc-iit-2024")] == "nhc-iit-2024"
    assert chains[("bnt-draft-2019", "bnt-regulation-2025")] == "bnt-regulation-2025"
    assert chains[("ind-30day-pilot-2024", "ind-30day-2025")] == "ind-30day-2025"
    assert not versions.linked("ethics-2016", "ethics-2023"), "2016 is not repealed by the 2023 measures"
    assert versions.version("bnt-draft-2019").status == "draft"


def _commit(catalog: Catalog, doc_id: str, file_hash: str, access: str):
    meta = {"doc_id": doc_id, "source_id": doc_id, "lang": "en", "access": access}
    catalog.mark_pending(doc_id, f"{doc_id}.md", file_hash, meta)
    chunk = Chunk(f"{doc_id}:0", "text", {**meta, "section_key": "head"})
    catalog.commit_document(doc_id, [chunk], [["text"]])


def test_index_version_follows_documents_and_their_contents(tmp_path):
    catalog = Catalog(tmp_path)
    _commit(catalog, "rule-en", "h1", "public")
    _commit(catalog, "sop-en", "s1", "internal")
    first, sponsor = catalog_version(catalog), catalog_version(catalog, ("public",))
    assert first == catalog_version(Catalog(tmp_path)), "the same catalog gives the same version"
    _commit(catalog, "sop-en", "s2", "internal")
    assert catalog_version(catalog) != first
    assert catalog_version(catalog, ("public",)) == sponsor, "internal changes do not show to sponsors"
    _commit(catalog, "rule-en", "h2", "public")
    assert catalog_version(catalog, ("public",)) != sponsor


@pytest.mark.parametrize("ref", ["old-draft", "old-draft-en", "rule-zh"])
def test_versions_of_the_indexed_test_corpus(index_settings, ref):
    from index.index import Index
    from retrieval.diff import Differ

    versions = Differ(Index(index_settings)).versions("sponsor", today=TODAY)
    chain = versions.chain(ref)
    assert [v.source_id for v in chain.versions] == ["old-draft", "rule"] and chain.current.source_id == "rule"


def test_stats_and_ask_show_the_index_version(index_settings):
    import json
    import subprocess
    import sys

    from index.index import Index
    from tests.conftest import cli_env

    done = subprocess.run([sys.executable, "-m", "ui.cli", "stats", "--json"], capture_output=True, text=True,
                          env=cli_env(index_settings), cwd=PROJECT_ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    assert stats["index_version"] == Index(index_settings).version() and len(stats["index_version"]) == 16
    assert stats["index_version_public"] == Index(index_settings).version(("public",)) != stats["index_version"]
    asked = subprocess.run([sys.executable, "-m", "ui.cli", "ask", "What reviews must a study pass?", "--json"],
                           capture_output=True, text=True, env=cli_env(index_settings), cwd=PROJECT_ROOT, timeout=300)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["index_version"] == stats["index_version_public"], "a sponsor's answer"
