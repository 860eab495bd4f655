"""How a draft names its sources: the source line (title, issuer, number, article, page, status)
in the citation's language, and an answer's text cut into sentences and the citations each
carries, for writers that turn [n] markers into footnotes.

Nothing here writes a source_id, doc_id or path: a draft goes to a sponsor.
"""

from __future__ import annotations

import re

from retrieval.answer import OTHER_LANG_NOTE, PAIR_NOTE, STATUS_NOTES

STATUS_LABELS = {"in_force": ("in force", "现行有效"), "trial": ("trial", "试行"), "draft": ("draft", "征求意见稿"),
                 "superseded": ("superseded", "已被取代"), "not_yet_in_force": ("not yet in force", "尚未施行")}
MARKER = re.compile(r"(\s?\[\d+\])")
_NUMBER = re.compile(r"\[(\d+)\]")


def source_line(citation: dict, lang: str | None = None) -> str:
    """"Title, issuer, number, Article 20, p. 3, in force", in ``lang`` (default: the source's)."""
    zh = (lang or citation.get("lang")) == "zh"
    parts = [citation.get("title") or ""]
    parts += [str(citation[key]) for key in ("issuer", "doc_number", "section") if citation.get(key)]
    if citation.get("page"):
        parts.append(f"第{citation['page']}页" if zh else f"p. {citation['page']}")
    status = citation.get("status") or ""
    parts.append(STATUS_LABELS.get(status, (status.replace("_", " "),) * 2)[1 if zh else 0])
    return ("，" if zh else ", ").join(p for p in parts if p)


def _note_patterns() -> list[re.Pattern]:
    """The answer's notes about its sources ("[2] is a draft, …"), as patterns on their number."""
    templates = [t for lang in ("en", "zh") for t in
                 [*STATUS_NOTES[lang].values(), PAIR_NOTE[lang], OTHER_LANG_NOTE[lang]]]
    return [re.compile(re.escape(t).replace(re.escape("{n}"), r"(\d+)")) for t in templates]


NOTE_PATTERNS = _note_patterns()


def name_notes(text: str, citations: list[dict], lang: str) -> str:
    """Notes name their source by title instead of by [n], which a footnoted draft does not show."""
    titles = {c["n"]: c.get("title") or "" for c in citations}

    def named(match: re.Match) -> str:
        title = titles.get(int(match.group(1)), "")
        quoted = f"《{title}》" if lang == "zh" else f"\u201c{title}\u201d"
        whole = match.group(0)
        start = match.start(1) - match.start(0) - 1                     # the "[" before the number
        return whole[:start] + quoted + whole[match.end(1) - match.start(0) + 1:]

    for pattern in NOTE_PATTERNS:
        text = pattern.sub(named, text)
    return text


def segments(text: str, cited: set[int]) -> list[tuple[str, list[int]]]:
    """(text, cited numbers) pieces of one paragraph: a sentence followed by its markers.

    Only numbers in ``cited`` are markers; "[2024]" inside a quoted clause stays text. A source
    cited by consecutive sentences is marked once, after the last of them, as a footnote covers
    the passage before it: "A [1] B [1] C [2]" gives [("A", []), (" B", [1]), (" C", [2])]."""
    parts: list[tuple[str, list[int]]] = [("", [])]
    for piece in MARKER.split(text):
        number = _NUMBER.fullmatch(piece.strip())
        if number and int(number.group(1)) in cited:
            parts[-1][1].append(int(number.group(1)))
        elif piece and parts[-1][1]:
            parts.append((piece, []))
        elif piece:
            parts[-1] = (parts[-1][0] + piece, [])
    for i in range(len(parts) - 1):
        following = set(parts[i + 1][1])
        parts[i] = (parts[i][0], [n for n in parts[i][1] if n not in following])
    return [(t, ns) for t, ns in parts if t or ns]


def distinct_sources(answers: list[dict]) -> list[str]:
    """Every source line the answers cite, once each, in order of first citation, each in the
    language of the answer citing it (as its footnote is)."""
    lines: list[str] = []
    for answer in answers:
        for citation in answer.get("citations", []):
            line = source_line(citation, answer.get("language"))
            if line not in lines:
                lines.append(line)
    return lines
