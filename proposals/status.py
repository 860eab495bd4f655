"""Each drafted answer's status: answered, not covered, or needs review (and why).

A reviewer starts with the answers most likely to be wrong: weakly supported ones, and ones
resting on a source that is not in force.
"""

from __future__ import annotations

from retrieval.answer import STATUS_NOTES

STATUSES = ("answered", "not_covered", "needs_review")
# Support below this is answered but flagged. Measured on the gold dev split (128 questions) with
# the bundled index: the 3 unanswerable questions that pass the abstention floor (0.56) all score
# under 0.75, as do 19 of the 94 answered answerable ones; 0.70 catches 1 of the 3 (15 flagged),
# 0.80 catches no more and flags 31.
REVIEW_BELOW_SUPPORT = 0.75
# The sources a draft may not rely on unchecked: those an answer warns about (a trial rule, 试行,
# is in force).
NOT_IN_FORCE = tuple(STATUS_NOTES["en"])
REASONS = {
    "low_support": ("low support", "依据支持度低"),
    "not_in_force": ("cites a source not in force", "引用了非现行有效的来源"),
    "unchecked": ("some generated sentences failed the source check", "部分生成内容未通过来源核对"),
    "error": ("could not be answered", "无法回答"),
}
LABELS = {"answered": ("answered", "已回答"), "not_covered": ("not covered", "知识库未覆盖"),
          "needs_review": ("needs review", "待审核")}


def assess(answer: dict, support: float | None) -> tuple[str, list[str]]:
    """(status, reasons) for an answer object; ``support`` None when the question was never searched."""
    if answer.get("error") and not answer.get("citations"):
        return "needs_review", ["error"]
    if answer.get("abstained"):
        return "not_covered", []
    reasons = []
    if support is not None and support < REVIEW_BELOW_SUPPORT:
        reasons.append("low_support")
    if any(c.get("status") in NOT_IN_FORCE for c in answer.get("citations", [])):
        reasons.append("not_in_force")
    if answer.get("unsupported"):
        reasons.append("unchecked")
    return ("needs_review" if reasons else "answered"), reasons


def status_text(answer: dict, lang: str | None = None) -> str:
    """"needs review: low support" in the answer's language."""
    zh = (lang or answer.get("language")) == "zh"
    status = answer.get("status", "answered")
    text = LABELS.get(status, (status, status))[zh]
    reasons = [REASONS[r][zh] for r in answer.get("review", []) if r in REASONS]
    return f"{text}{'：' if zh else ': '}{('；' if zh else '; ').join(reasons)}" if reasons else text


def summary(answers: list[dict]) -> dict[str, int]:
    counts = {s: 0 for s in STATUSES}
    for answer in answers:
        counts[answer.get("status", "answered")] = counts.get(answer.get("status", "answered"), 0) + 1
    return counts
