"""Dates as official texts write them -> YYYY-MM-DD.

2024年9月18日, 二〇二四年九月十八日, 2024-09-18, 2024.09.18, September 18, 2024 and 18 September 2024.
"""

from __future__ import annotations

import datetime as dt
import re

from ingest.structure import CN_DIGITS, cn_to_int

_CN_DIGIT = "〇零一二三四五六七八九"
_DAY = rf"[\d{_CN_DIGIT}十]{{1,3}}"
_ZH_DATE = rf"(?:(?:19|20)\d{{2}}|[{_CN_DIGIT}]{{4}})\s*年\s*{_DAY}\s*月\s*{_DAY}\s*日"
_ISO_DATE = r"(?:19|20)\d{2}[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])(?!\d)"
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")
_MONTH = r"(?:%s)" % "|".join(MONTHS)
_EN_DATE = rf"(?:{_MONTH}\s+\d{{1,2}},?\s+(?:19|20)\d{{2}}|\d{{1,2}}\s+{_MONTH},?\s+(?:19|20)\d{{2}})"
# One pattern for any date, to embed in the phrases of ingest/metadata.py.
DATE = rf"(?:{_ZH_DATE}|{_ISO_DATE}|{_EN_DATE})"
DATE_RE = re.compile(DATE, re.I)
# A line that is only a date (a signature block's last line).
DATE_LINE = re.compile(rf"^[（(]?\s*{DATE}\s*[）)]?$", re.I)


def _cn_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if len(text) == 4 and all(c in _CN_DIGIT for c in text):       # 二〇二四: digit by digit
        return int("".join(str(CN_DIGITS[c]) for c in text))
    return cn_to_int(text)


def to_iso(text: str) -> str:
    """The first date in ``text`` as YYYY-MM-DD, or "" if there is none or it is not a real date."""
    match = DATE_RE.search(text)
    if not match:
        return ""
    found = match.group(0)
    zh = re.match(r"(\S+?)\s*年\s*(\S+?)\s*月\s*(\S+?)\s*日", found)
    if zh:
        parts = [_cn_number(p) for p in zh.groups()]
    elif re.match(r"\d{4}", found):
        parts = [int(p) for p in re.split(r"[-./]", found)]
    else:
        words = re.findall(r"[A-Za-z]+|\d+", found)
        month = next(MONTHS.index(w.lower()) + 1 for w in words if w.lower() in MONTHS)
        numbers = [int(w) for w in words if w.isdigit()]
        parts = [max(numbers), month, min(numbers)]
    try:
        return dt.date(*parts).isoformat()
    except ValueError:
        return ""
