"""The sponsor pathway's decision logic, read from data: corpus/pathways/<id>.yaml.

The tree is data so that a regulatory reviewer can change a route, a step or the clause a step
rests on without touching code, and so that tests can check every node mechanically: both
languages present, every answer of every question handled, every leaf reachable, every
referenced clause present in the corpus. Loading validates the whole file and names the node at
fault, because a pathway that silently skips a step is worse than none.

Example::

    tree = load_tree()            # retrieval.pathway_load: read and validate the YAML
    walk = tree.walk({"product": "cell", "aim": "research", "sponsor": "foreign",
                      "samples_abroad": "yes", "data_abroad": "yes", "new_technology": "yes"})
    walk.routes[0].id, [step.id for step in walk.steps]
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from iitkb.settings import PROJECT_ROOT

PATHWAY_DIR = PROJECT_ROOT / "corpus" / "pathways"
DEFAULT_TREE = PATHWAY_DIR / "foreign-sponsor.yaml"
ROUTE_KEY = "route"                 # a condition on the primary route rather than on an answer

Text = dict[str, str]               # lang -> text, every language in LANGS
Condition = tuple[dict[str, frozenset[str]], ...]   # any one mapping, all of its keys


class TreeError(ValueError):
    """A pathway file that cannot be used; the message names the node and what to fix."""


class AnswerError(ValueError):
    """Answers the tree cannot walk; the message lists the allowed values."""


@dataclass(frozen=True)
class Ref:
    """A clause a node relies on: a numbered section (``section_key``) or an unnumbered heading."""

    source_id: str
    section_key: str = ""
    heading: tuple[tuple[str, str], ...] = ()     # (lang, heading text)
    when: Condition = ()

    @property
    def id(self) -> str:
        return f"{self.source_id}#{self.section_key or 'heading:' + dict(self.heading)['en']}"


@dataclass
class Choice:
    value: str
    label: Text


@dataclass
class Question:
    id: str
    text: Text
    choices: list[Choice]
    optional: bool = False
    default: str | None = None
    ask_if: Condition = ()

    def label(self, value: str, lang: str) -> str:
        return next(c.label[lang] for c in self.choices if c.value == value)


@dataclass
class Route:
    id: str
    title: Text
    summary: Text
    refs: list[Ref]


@dataclass
class Note:
    when: Condition
    text: Text


@dataclass
class Step:
    id: str
    title: Text
    body: Text
    refs: list[Ref]
    when: Condition = ()
    who: Text | None = None
    time: Text | None = None
    notes: list[Note] = field(default_factory=list)


@dataclass
class Caution:
    id: str
    text: Text
    refs: list[Ref]
    when: Condition = ()


@dataclass
class Leaf:
    id: str
    routes: list[str]


@dataclass
class Node:
    id: str
    ask: str
    branches: list[tuple[frozenset[str], "Node | Leaf"]]


@dataclass
class Walk:
    """One walk of the tree: the leaf reached, its routes (primary first), what applies."""

    answers: dict[str, str]
    leaf: Leaf
    routes: list[Route]
    steps: list[Step]
    warnings: list[Caution]


def matches(condition: Condition, facts: dict[str, str]) -> bool:
    """No condition always matches; otherwise any one mapping whose every key matches."""
    return not condition or any(all(facts.get(k) in v for k, v in part.items()) for part in condition)


@dataclass
class Tree:
    id: str
    version: int
    title: Text
    disclaimer: Text
    questions: list[Question]
    routes: dict[str, Route]
    root: Node
    steps: list[Step]
    warnings: list[Caution]
    path: Path | None = None
    reviewed: str = ""              # when a reviewer last checked the steps against their clauses

    def question(self, qid: str) -> Question:
        return next(q for q in self.questions if q.id == qid)

    def asked(self, answers: dict[str, str]) -> list[Question]:
        """The questions these (completed) answers were asked: a conditional one only when it applies."""
        return [q for q in self.questions if matches(q.ask_if, answers)]

    def complete(self, answers: dict) -> dict[str, str]:
        """The answers checked and completed: optional and not-asked questions take defaults."""
        unknown = set(answers) - {q.id for q in self.questions}
        if unknown:
            raise AnswerError(f"unknown question(s) {', '.join(sorted(unknown))}: the questions are "
                              f"{', '.join(q.id for q in self.questions)}")
        done: dict[str, str] = {}
        for q in self.questions:
            value = as_answer(answers.get(q.id))
            if value is None or not matches(q.ask_if, done):
                if not q.optional and matches(q.ask_if, done):
                    raise AnswerError(f"answer {q.id!r}: one of {', '.join(c.value for c in q.choices)}")
                value = q.default
            if value not in {c.value for c in q.choices}:
                raise AnswerError(f"{q.id} must be one of {', '.join(c.value for c in q.choices)}, "
                                  f"not {value!r}")
            done[q.id] = value
        return done

    def walk(self, answers: dict) -> Walk:
        done = self.complete(answers)
        node: Node | Leaf = self.root
        while isinstance(node, Node):
            node = next(child for values, child in node.branches if done[node.ask] in values)
        facts = {**done, ROUTE_KEY: node.routes[0]}
        return Walk(done, node, [self.routes[r] for r in node.routes],
                    [s for s in self.steps if matches(s.when, facts)],
                    [w for w in self.warnings if matches(w.when, facts)])

    def every_answer(self) -> Iterator[dict[str, str]]:
        """Every distinct set of answers (questions not asked keep their default)."""
        seen = set()
        for values in itertools.product(*[[c.value for c in q.choices] for q in self.questions]):
            done = self.complete(dict(zip((q.id for q in self.questions), values)))
            key = tuple(done.items())
            if key not in seen:
                seen.add(key)
                yield done

    def leaves(self) -> list[Leaf]:
        found, stack = [], [self.root]
        while stack:
            node = stack.pop()
            if isinstance(node, Leaf):
                found.append(node)
            else:
                stack.extend(child for _, child in node.branches)
        return found

    def refs(self) -> list[Ref]:
        """Every clause the tree relies on, once each, in file order."""
        every = [r for route in self.routes.values() for r in route.refs]
        every += [r for node in [*self.steps, *self.warnings] for r in node.refs]
        unique: dict[str, Ref] = {}
        for ref in every:
            unique.setdefault(ref.id, ref)
        return list(unique.values())

    def step_refs(self) -> list[Ref]:
        """The clauses steps and routes rely on as binding (warnings may cite drafts)."""
        return [r for node in [*self.routes.values(), *self.steps] for r in node.refs]


def as_answer(raw) -> str | None:
    """YAML reads a bare yes/no as a boolean: take it back as the answer it was written as."""
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    return None if raw is None else str(raw)
