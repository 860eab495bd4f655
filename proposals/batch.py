"""Answer a questionnaire item by item: a bad line gets an error entry, the batch goes on."""

from __future__ import annotations

from typing import Callable

from retrieval.filters import FilterError
from proposals.intake import Item


def answer_items(answerer, items: list[Item], role: str, tick: Callable[[], None] = lambda: None,
                 line_roles: bool = True) -> list[dict]:
    answers = []
    for item in items:
        if item.error:
            answers.append(_error(item, role, item.error))
        else:
            try:
                who = item.role if (line_roles and item.role) else role
                answers.append(answerer.ask(item.question, role=who, id=item.id).to_json())
            except FilterError as exc:
                answers.append(_error(item, role, str(exc)))
        tick()
    return answers


def _error(item: Item, role: str, message: str) -> dict:
    return {"id": item.id, "question": item.question, "role": item.role or role, "language": None,
            "answer": "", "abstained": True, "citations": [], "latency_ms": 0.0, "error": message}
