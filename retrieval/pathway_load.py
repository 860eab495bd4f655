"""Reading a pathway file: YAML in, a validated ``Tree`` out, or a ``TreeError`` naming the node.

Everything a walk relies on is checked here, once, so the walk itself can trust the tree: both
languages of every text, every answer of every question handled by exactly one branch, every
condition naming a real question and real answers, every route used by a leaf, every step
citing at least one clause.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from iitkb.schema import LANGS
from iitkb.text import has_cjk
from retrieval.pathway_tree import (DEFAULT_TREE, ROUTE_KEY, Choice, Condition, Leaf, Node, Note, Question,
                                    Ref, Route, Step, Text, Tree, TreeError, Caution, as_answer)

# The section keys the chunker gives clauses (ingest/chunking.py): a rule's header, an article,
# a numbered section, a FAQ question, a chapter. Unnumbered headings are referenced by their text.
SECTION_KEY = re.compile(r"^(head|art:\d+|sec:\d+(\.\d+)*|q:\d+|chap:\d+(\.\w+)?|part:\d+)$")
TOP_KEYS = ("id", "version", "title", "disclaimer", "questions", "routes", "tree", "steps", "warnings")


def load_tree(path: Path = DEFAULT_TREE) -> Tree:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TreeError(f"cannot read the pathway file {path}: {exc}") from None
    return parse_tree(data, Path(path))


def parse_tree(data, path: Path | None = None) -> Tree:
    where = str(path or "pathway")
    if not isinstance(data, dict) or any(key not in data for key in TOP_KEYS):
        raise TreeError(f"{where}: a pathway file needs the keys {', '.join(TOP_KEYS)}")
    questions = [_question(q, f"{where}: questions[{i}]") for i, q in enumerate(_list(data["questions"], where))]
    _unique([q.id for q in questions], f"{where}: questions")
    choices = {q.id: {c.value for c in q.choices} for q in questions}
    for q in questions:
        q.ask_if = _condition(q.ask_if, f"{where}: question {q.id} ask_if", choices)
    routes = {r.id: r for r in (_route(r, f"{where}: routes[{i}]", choices)
                                for i, r in enumerate(_list(data["routes"], where)))}
    _unique([r["id"] for r in data["routes"]], f"{where}: routes")
    root = _node(data["tree"], f"{where}: tree", choices, routes)
    choices[ROUTE_KEY] = set(routes)
    steps = [_step(s, f"{where}: steps[{i}]", choices) for i, s in enumerate(_list(data["steps"], where))]
    warnings = [_warning(w, f"{where}: warnings[{i}]", choices)
                for i, w in enumerate(_list(data["warnings"], where))]
    _unique([s.id for s in steps] + [w.id for w in warnings], f"{where}: steps and warnings")
    tree = Tree(str(data["id"]), int(data["version"]), check_text(data["title"], f"{where}: title"),
                check_text(data["disclaimer"], f"{where}: disclaimer"), questions, routes, root, steps,
                warnings, path, str(data.get("reviewed") or ""))
    _unique([n.id for n in tree.leaves()] + _node_ids(root), f"{where}: tree nodes")
    unused = set(routes) - {r for leaf in tree.leaves() for r in leaf.routes}
    if unused:
        raise TreeError(f"{where}: no leaf leads to route(s) {', '.join(sorted(unused))}")
    return tree


def check_text(value, where: str) -> Text:
    """Both languages, non-empty; the Chinese text written in Chinese."""
    if not isinstance(value, dict):
        raise TreeError(f"{where}: give the text as {{en: ..., zh: ...}}")
    missing = [lang for lang in LANGS if not str(value.get(lang) or "").strip()]
    if missing:
        raise TreeError(f"{where}: the {' and '.join(missing)} text is missing")
    if not has_cjk(str(value["zh"])):
        raise TreeError(f"{where}: the zh text has no Chinese in it")
    return {lang: " ".join(str(value[lang]).split()) for lang in LANGS}


def _question(raw: dict, where: str) -> Question:
    _need(raw, ("id", "text", "choices"), where)
    choices = [Choice(as_answer(c.get("value")), check_text(c, f"{where} choice {c.get('value')!r}"))
               for c in _list(raw["choices"], where)]
    _unique([c.value for c in choices], f"{where} choices")
    q = Question(str(raw["id"]), check_text(raw["text"], f"{where} text"), choices,
                 bool(raw.get("optional")), as_answer(raw.get("default")), raw.get("ask_if"))
    if (q.optional or q.ask_if) and q.default not in {c.value for c in choices}:
        raise TreeError(f"{where}: an optional or conditional question needs a default among its choices")
    return q


def _route(raw: dict, where: str, choices) -> Route:
    _need(raw, ("id", "title", "summary", "refs"), where)
    return Route(str(raw["id"]), check_text(raw["title"], f"{where} title"),
                 check_text(raw["summary"], f"{where} summary"), _refs(raw["refs"], where, choices, True))


def _node(raw: dict, where: str, choices, routes) -> Node:
    _need(raw, ("id", "ask", "branches"), where)
    ask = raw["ask"]
    if ask not in choices:
        raise TreeError(f"{where} ({raw['id']}): asks {ask!r}, which is no question")
    branches, covered = [], []
    for i, branch in enumerate(_list(raw["branches"], where)):
        here = f"{where} ({raw['id']}) branch {i}"
        values = frozenset(as_answer(v) for v in _list(branch.get("answers"), here))
        bad = values - choices[ask]
        if bad:
            raise TreeError(f"{here}: {', '.join(sorted(bad))} is no answer to {ask}")
        covered += list(values)
        if "leaf" in branch:
            leaf = branch["leaf"]
            _need(leaf, ("id", "routes"), here)
            missing = [r for r in _list(leaf["routes"], here) if r not in routes]
            if missing or not leaf["routes"]:
                raise TreeError(f"{here}: leaf {leaf['id']} names no route or an unknown one: {missing}")
            branches.append((values, Leaf(str(leaf["id"]), list(leaf["routes"]))))
        elif "node" in branch:
            branches.append((values, _node(branch["node"], here, choices, routes)))
        else:
            raise TreeError(f"{here}: a branch leads to a `node` or a `leaf`")
    if sorted(covered) != sorted(choices[ask]):
        raise TreeError(f"{where} ({raw['id']}): the branches must cover each answer to {ask} exactly "
                        f"once ({', '.join(sorted(choices[ask]))}), not {', '.join(sorted(covered))}")
    return Node(str(raw["id"]), ask, branches)


def _step(raw: dict, where: str, choices) -> Step:
    _need(raw, ("id", "title", "body", "refs"), where)
    where = f"{where} ({raw['id']})"
    refs = _refs(raw["refs"], where, choices, True)
    notes = [Note(_condition(n.get("when"), f"{where} note", choices), check_text(n, f"{where} note"))
             for n in _list(raw.get("notes") or [], where)]
    optional = {k: check_text(raw[k], f"{where} {k}") for k in ("who", "time") if raw.get(k) is not None}
    return Step(str(raw["id"]), check_text(raw["title"], f"{where} title"), check_text(raw["body"], f"{where} body"),
                refs, _condition(raw.get("when"), f"{where} when", choices), notes=notes, **optional)


def _warning(raw: dict, where: str, choices) -> Caution:
    _need(raw, ("id", "text"), where)
    where = f"{where} ({raw['id']})"
    return Caution(str(raw["id"]), check_text(raw["text"], f"{where} text"),
                   _refs(raw.get("refs") or [], where, choices, False),
                   _condition(raw.get("when"), f"{where} when", choices))


def _refs(raw, where: str, choices, required: bool) -> list[Ref]:
    refs = []
    for i, item in enumerate(_list(raw, where)):
        here = f"{where} refs[{i}]"
        if not isinstance(item, dict) or not item.get("source_id"):
            raise TreeError(f"{here}: a reference needs a source_id")
        key, heading = str(item.get("section_key") or ""), item.get("heading")
        if bool(key) == bool(heading):
            raise TreeError(f"{here}: give a section_key (art:28, sec:4.2, q:3) or a heading, not both")
        if key and not SECTION_KEY.match(key):
            raise TreeError(f"{here}: {key!r} is not a section key the chunker gives (art:N, sec:N.N, q:N, head)")
        text = tuple(sorted(check_text(heading, f"{here} heading").items())) if heading else ()
        refs.append(Ref(str(item["source_id"]), key, text, _condition(item.get("when"), here, choices)))
    if required and not refs:
        raise TreeError(f"{where}: cite at least one clause (refs)")
    return refs


def _condition(raw, where: str, choices) -> Condition:
    if raw in (None, (), []):
        return ()
    parts = raw if isinstance(raw, list) else [raw]
    parsed = []
    for part in parts:
        if not isinstance(part, dict) or not part:
            raise TreeError(f"{where}: a condition is a mapping {{question: [answers]}} or a list of them")
        mapping = {}
        for key, values in part.items():
            if key not in choices:
                raise TreeError(f"{where}: {key!r} is no question (or {ROUTE_KEY!r})")
            wanted = frozenset(as_answer(v) for v in (values if isinstance(values, list) else [values]))
            if not wanted or wanted - choices[key]:
                raise TreeError(f"{where}: {', '.join(sorted(wanted - choices[key])) or 'nothing'} is no "
                                f"answer to {key} ({', '.join(sorted(choices[key]))})")
            mapping[key] = wanted
        parsed.append(mapping)
    return tuple(parsed)


def _node_ids(node: Node) -> list[str]:
    return [node.id] + [i for _, child in node.branches if isinstance(child, Node) for i in _node_ids(child)]


def _need(raw, keys: tuple[str, ...], where: str):
    if not isinstance(raw, dict) or any(k not in raw for k in keys):
        raise TreeError(f"{where}: needs {', '.join(keys)}")


def _list(raw, where: str) -> list:
    if not isinstance(raw, list):
        raise TreeError(f"{where}: expected a list, got {type(raw).__name__}")
    return raw


def _unique(ids: list[str], where: str):
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise TreeError(f"{where}: repeated id(s) {', '.join(repeated)}")
