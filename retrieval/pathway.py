"""The sponsor pathway: answers in, the route and its steps out, every step cited.

The logic is the tree's (corpus/pathways/*.yaml, read by ``pathway_load``); this module resolves
each node's clause references against the index at run time and turns them into the same
citation objects `iitkb ask` returns, in the requested language. It is a sponsor-facing door:
only public clauses are looked at, whatever the caller's role.

A step is flagged ``needs_review`` when a clause it relies on changed since the last review (its
hash differs from the lock file), is missing from the index, or is no longer binding (a draft, a
superseded rule); the flag comes with a warning saying which citation to check.

Example::

    pathway = Pathway.for_index(Searcher(load_settings()).index)
    result = pathway.run({"product": "gene", "aim": "registration", "sponsor": "domestic",
                          "samples_abroad": "no", "data_abroad": "no", "new_technology": "no"})
    result["route"], [step["title"] for step in result["steps"]]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iitkb.schema import LANGS, Chunk
from index.index import Index
from retrieval.answer import Citation
from retrieval.pathway_clauses import (ClauseBook, ClauseSource, IndexClauses, changed_refs, current_hashes,
                                       lock_path, quote, read_lock)
from retrieval.pathway_load import load_tree
from retrieval.pathway_tree import ROUTE_KEY, AnswerError, Ref, Step, Tree, matches

# Statuses a step must not rely on as binding law (drafts and old texts belong in the warnings).
NOT_BINDING = ("draft", "superseded", "not_yet_in_force")
REVIEW = {
    "en": "Review needed: “{title}” relies on {what}, changed or no longer binding since this pathway "
          "was last reviewed ({reviewed}); check the step against the cited text.",
    "zh": "需要复核：“{title}”所依据的{what}在本路径上次审核（{reviewed}）后有改动或已不再有效，请对照所引条文核实该步骤。",
}
CLAUSES = {"en": "clause(s) {numbers}", "zh": "条款{numbers}"}
MISSING = {"en": "clause(s) the knowledge base no longer holds ({ids})", "zh": "知识库中已没有的条款（{ids}）"}
AND = {"en": " and ", "zh": "以及"}


class PathwayError(ValueError):
    """The pathway cannot run here (the index holds none of its rules, an unknown language)."""


@dataclass
class _Citations:
    """Numbers citations across the whole result, so a clause cited twice keeps one number."""

    book: ClauseBook
    lang: str
    made: dict[str, Citation] = field(default_factory=dict)

    def cite(self, ref: Ref) -> Citation | None:
        if ref.id not in self.made:
            chunk = self.book.cite(ref, self.lang)
            if chunk is None:
                return None
            self.made[ref.id] = Citation(len(self.made) + 1, chunk, quote(chunk))
        return self.made[ref.id]


class Pathway:
    def __init__(self, clauses: ClauseSource, tree: Tree | None = None, lock: dict | None = None):
        self.tree = tree or load_tree()
        self.clauses = clauses
        if lock is None:            # a tree built in memory has no lock: every clause is unreviewed
            lock = read_lock(lock_path(self.tree)) if self.tree.path else {}
        self.lock = lock
        self._cached: tuple[int, ClauseBook, set[str]] | None = None

    @classmethod
    def for_index(cls, index: Index, tree: Tree | None = None) -> "Pathway":
        return cls(IndexClauses(index), tree)

    def book(self) -> tuple[ClauseBook, set[str]]:
        """The cited clauses and the references that changed since review, per index generation."""
        generation = self.clauses.generation
        if self._cached is None or self._cached[0] != generation:
            book = ClauseBook(self.clauses.chunks({r.source_id for r in self.tree.refs()}))
            hashes = current_hashes(self.tree, book)
            if all(h is None for now in hashes.values() for h in now.values()):
                raise PathwayError("the knowledge base holds none of the rules this pathway cites: "
                                   "ingest the bundled corpus first (`iitkb ingest corpus/`)")
            self._cached = (generation, book, set(changed_refs(self.lock, hashes)))
        return self._cached[1], self._cached[2]

    def run(self, answers: dict, lang: str = "en") -> dict:
        """The docs/ARCHITECTURE.md pathway object: route, routes, steps (title, body, citations), warnings."""
        if lang not in LANGS:
            raise AnswerError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
        book, changed = self.book()
        walk = self.tree.walk(answers)
        facts = {**walk.answers, ROUTE_KEY: walk.routes[0].id}
        citations = _Citations(book, lang)
        routes = [{"id": r.id, "title": r.title[lang], "summary": r.summary[lang],
                   "citations": _cite_all(citations, r.refs, facts)} for r in walk.routes]
        steps, reviews = [], []
        for step in walk.steps:
            shown, review = self._step(step, facts, citations, changed, lang)
            steps.append(shown)
            if review:
                reviews.append(review)
        warnings = [{"id": w.id, "text": w.text[lang], "citations": _cite_all(citations, w.refs, facts)}
                    for w in walk.warnings]
        return {"pathway": self.tree.id, "version": self.tree.version, "lang": lang,
                "title": self.tree.title[lang], "disclaimer": self.tree.disclaimer[lang],
                "answers": [{"id": q.id, "question": q.text[lang], "value": walk.answers[q.id],
                             "answer": q.label(walk.answers[q.id], lang)} for q in self.tree.asked(walk.answers)],
                "route": routes[0]["id"], "routes": routes, "steps": steps, "warnings": reviews + warnings}

    def _step(self, step: Step, facts: dict, citations: _Citations, changed: set[str], lang: str):
        refs = [r for r in step.refs if matches(r.when, facts)]
        cited = [(ref, citations.cite(ref)) for ref in refs]
        joiner = " " if lang == "en" else ""
        body = joiner.join([step.body[lang], *(n.text[lang] for n in step.notes if matches(n.when, facts))])
        flagged = [(ref, c) for ref, c in cited if c is None or ref.id in changed or _not_binding(c.chunk)]
        shown = {"id": step.id, "title": step.title[lang], "body": body,
                 "who": step.who[lang] if step.who else None, "time": step.time[lang] if step.time else None,
                 "citations": [c.to_json() for _, c in cited if c is not None], "needs_review": bool(flagged)}
        return shown, (self._review(step, flagged, lang) if flagged else None)

    def _review(self, step: Step, flagged: list[tuple[Ref, Citation | None]], lang: str) -> dict:
        numbers = "".join(f"[{c.n}]" for _, c in flagged if c is not None)
        missing = ", ".join(ref.id for ref, c in flagged if c is None)
        parts = ([CLAUSES[lang].format(numbers=numbers)] if numbers else []) + \
                ([MISSING[lang].format(ids=missing)] if missing else [])
        text = REVIEW[lang].format(title=step.title[lang], what=AND[lang].join(parts),
                                   reviewed=self.tree.reviewed or "—")
        return {"id": f"review:{step.id}", "text": text, "citations": []}


def _cite_all(citations: _Citations, refs: list[Ref], facts: dict) -> list[dict]:
    made = [citations.cite(ref) for ref in refs if matches(ref.when, facts)]
    return [c.to_json() for c in made if c is not None]


def _not_binding(chunk: Chunk) -> bool:
    return chunk.meta.get("status") in NOT_BINDING
