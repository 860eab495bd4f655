"""The one check of whether a source supports a claim, used by the generative mode (to drop what
the model made up) and by the evaluation (to measure how much of an answer its quotes carry).

A claim is supported when every number in it occurs in the source and at least ``MIN_SHARED`` of
its words (by the given tokenizer; character bigrams by default, which work for both languages)
occur there too.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Half the claim's words: a faithful paraphrase keeps more, an invented sentence on the same topic
# keeps fewer (tests/retrieval/test_llm.py holds examples of both).
MIN_SHARED = 0.5


def bigrams(text: str) -> list[str]:
    compact = re.sub(r"\s+", "", text.lower())
    return [compact[i:i + 2] for i in range(len(compact) - 1)]


def supported(claim: str, sources: Iterable[str] | str,
              tokens_of: Callable[[str], list[str]] = bigrams) -> bool:
    source = sources if isinstance(sources, str) else " ".join(sources)
    if not claim.strip() or any(n not in source for n in NUMBER.findall(claim)):
        return False
    words = set(tokens_of(claim))
    if not words:
        return False
    return len(words & set(tokens_of(source))) / len(words) >= MIN_SHARED
