"""Grounding: every figure in a drafted answer must be stated by a clause it cites.

Numbers, amounts, percentages, dates and durations are read from the answer and from the cited
clauses into comparable values, so different spellings of the same figure agree: 三个月 = 3个月
= 3 months, 5% = 百分之五 = 5 percent, ¥5,000 = 5000元 = 5千元 = RMB 5,000, 2026年1月15日 =
2026-01-15. An answer whose figures are not all found is flagged for the reviewer, whoever
(or whatever) drafted it: a model that invents "15 days" must not reach the published FAQ.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..numerals import cn_to_int

_CN = "零〇两一二三四五六七八九十百千万"
_NUM = rf"(?:\d+(?:,\d{{3}}(?!\d))*(?:\.\d+)?|[{_CN}]+)"
_EN_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30, "sixty": 60, "ninety": 90, "hundred": 100}
_EN_NUM = rf"(?:\d+(?:,\d{{3}}(?!\d))*(?:\.\d+)?|{'|'.join(sorted(_EN_WORDS, key=len, reverse=True))})"
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()
    )
}
_MON = "|".join(list(_MONTHS) + [m[:3] for m in _MONTHS])

_UNITS = {
    "月": "month",
    "个月": "month",
    "天": "day",
    "日": "day",
    "自然日": "day",
    "个自然日": "day",
    "工作日": "workday",
    "个工作日": "workday",
    "年": "year",
    "周": "week",
    "个星期": "week",
    "星期": "week",
    "小时": "hour",
    "个小时": "hour",
    "分钟": "minute",
    "次": "times",
    "倍": "times",
    "台": "unit",
    "名": "person",
    "人": "person",
    "家": "count",
    "级": "level",
    "个": "count",
    "公里": "km",
    "km": "km",
    "day": "day",
    "days": "day",
    "calendar day": "day",
    "calendar days": "day",
    "business day": "workday",
    "business days": "workday",
    "working day": "workday",
    "working days": "workday",
    "month": "month",
    "months": "month",
    "year": "year",
    "years": "year",
    "week": "week",
    "weeks": "week",
    "hour": "hour",
    "hours": "hour",
    "night": "night",
    "nights": "night",
    "晚": "night",
    "times": "times",
}
_CN_UNIT = "|".join(sorted((u for u in _UNITS if not u.isascii()), key=len, reverse=True))
_EN_UNIT = "|".join(sorted((u for u in _UNITS if u.isascii()), key=len, reverse=True))

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("date", re.compile(r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?")),
    ("date", re.compile(rf"(?P<mn>{_MON})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{{4}}))?", re.I)),
    ("date", re.compile(rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mn>{_MON})(?:,?\s+(?P<y>\d{{4}}))?", re.I)),
    (
        "date",
        re.compile(
            r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})月(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})[日号]"
        ),
    ),
    ("percent", re.compile(rf"百分之(?P<n>{_NUM})")),
    ("percent", re.compile(rf"(?P<n>{_EN_NUM})\s*(?:%|percent\b|per cent\b)", re.I)),
    (
        "amount",
        re.compile(r"(?:[¥￥$]|RMB|CNY|USD)\s*(?P<n>\d+(?:,\d{3}(?!\d))*(?:\.\d+)?)\s*(?P<mult>万|千|k\b)?", re.I),
    ),
    ("amount", re.compile(rf"(?P<n>{_NUM})\s*(?P<mult>万|千|亿)?\s*(?:元|块钱|块|人民币|yuan\b|RMB\b|CNY\b)", re.I)),
    ("duration", re.compile(rf"(?P<n>{_NUM})\s*(?P<unit>{_CN_UNIT})")),
    ("duration", re.compile(rf"(?P<n>{_EN_NUM})[\s-]*(?P<unit>{_EN_UNIT})\b", re.I)),
    ("number", re.compile(r"(?<![\w.])(?P<n>\d+(?:,\d{3}(?!\d))*(?:\.\d+)?)(?![\w.])")),
]
# Citation labels and keys carry numbers that are not figures: 第4.2条, §3.1, SALES 4.2, 第十二条.
_NOT_FIGURES = re.compile(
    rf"\{{clause\}}`[^`]*`|第\s*[\d{_CN}.]+\s*[条章款项节]|§\s*[\d.]+|\b(?!(?:RMB|CNY|USD|EUR|HKD|JPY)\b)[A-Z][A-Z0-9]+\s+\d+(?:\.\d+)*(?:\(\d+\))?"
    rf"|(?:Article|Section|Clause)\s+\d+(?:\.\d+)*|[（(][一二三四五六七八九十\d]+[)）]"
)


@dataclass(frozen=True)
class Figure:
    kind: str  # date | percent | amount | duration | number
    value: str  # canonical, e.g. "5", "5000", "3 month", "2026-01-15" or "01-15"
    text: str  # as written


def _num(text: str) -> float:
    text = text.replace(",", "").strip().lower()
    if text in _EN_WORDS:
        return float(_EN_WORDS[text])
    try:
        return float(text)
    except ValueError:
        return float(cn_to_int(text))


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _canonical(kind: str, match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    try:
        if kind == "date":
            month = _MONTHS[groups["mn"].lower()] if groups.get("mn") else int(_num(groups["m"]))
            day = int(_num(groups["d"]))
            md = f"{int(month):02d}-{day:02d}"
            return f"{groups['y']}-{md}" if groups.get("y") else md
        value = _num(groups["n"])
        mult = {"万": 10000, "千": 1000, "k": 1000, "亿": 1e8}.get((groups.get("mult") or "").lower(), 1)
        value *= mult
        if kind == "duration":
            return f"{_fmt(value)} {_UNITS[groups['unit'].lower()]}"
        return _fmt(value)
    except (ValueError, KeyError):
        return None


_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})


def figures(text: str) -> list[Figure]:
    """The figures in ``text`` (citation labels and clause keys are not figures)."""
    text = unicodedata.normalize("NFKC", text)
    text = _NOT_FIGURES.sub(lambda m: " " * len(m.group()), text)
    taken = [False] * len(text)
    found: list[tuple[int, Figure]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(taken[start:end]):
                continue
            value = _canonical(kind, match)
            if value is None:
                continue
            for k in range(start, end):
                taken[k] = True
            found.append((start, Figure(kind, value, match.group().strip())))
    return [f for _, f in sorted(found, key=lambda p: p[0])]


def _supports(have: list[Figure], want: Figure) -> bool:
    for f in have:
        if want.kind == "date" and f.kind == "date":
            if f.value == want.value or f.value.endswith(want.value) or want.value.endswith(f.value):
                return True
        elif want.kind == "duration" and f.kind == "duration":
            if f.value == want.value:
                return True
        elif f.kind in ("date", "duration") or want.kind in ("date", "duration"):
            # a unitless number in a table cell ("30" under a "days" header) supports "30天"
            if {f.kind, want.kind} & {"number"} and f.value.split()[0] == want.value.split()[0]:
                return True
        elif f.value == want.value and (f.kind == want.kind or "number" in (f.kind, want.kind)):
            return True
    return False


def unsupported_figures(answer: str, sources: list[str]) -> list[str]:
    """Figures of ``answer`` (as written) that no text in ``sources`` states."""
    have = [f for text in sources for f in figures(text)]
    out: list[str] = []
    for fig in figures(answer):
        if not _supports(have, fig) and fig.text not in out:
            out.append(fig.text)
    return out
