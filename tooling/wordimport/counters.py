"""Word's list counters as text: the number formats of ECMA-376 Part 1, §17.18.59 (ST_NumberFormat).

Word keeps an article's number (第十二条, （三）, 4.2) in ``numbering.xml``, not in the paragraph,
and no reading library renders it. These are the formats policies use; an unknown format falls
back to decimal, and :func:`known` lets the caller warn about it.
"""

from __future__ import annotations

from collections.abc import Callable

_DIGITS = "〇一二三四五六七八九"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def _letter(n: int) -> str:
    """A..Z, then AA..ZZ, AAA..: Word repeats the letter (27 → AA), it does not carry like Excel."""
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    out = []
    for value, text in _ROMAN:
        count, n = divmod(n, value)
        out.append(text * count)
    return "".join(out)


def _below_10000(n: int, digits: str, units: tuple[str, str, str], bare_ten: bool) -> str:
    """1..9999 with units 十百千 (or 拾佰仟) and 零 for skipped places: 101 → 一百零一."""
    out, zero = [], False
    for place, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        d, n = divmod(n, place)
        if d:
            if zero:
                out.append(digits[0])
            out.append(digits[d] + unit)
            zero = False
        elif out:
            zero = True
    text = "".join(out)
    if bare_ten and text.startswith(digits[1] + units[0]):  # 十一, not 一十一
        text = text[1:]
    return text


def _thousand(n: int, digits: str, units: tuple[str, str, str], wan: str, yi: str, bare_ten: bool) -> str:
    """Chinese counting with 万 and 亿: 10 → 十, 101 → 一百零一, 10001 → 一万零一."""
    if n == 0:
        return digits[0]
    parts: list[str] = []
    for group, unit in ((n // 100_000_000, yi), (n // 10_000 % 10_000, wan), (n % 10_000, "")):
        if not group:
            if parts and parts[-1] != digits[0]:
                parts.append(digits[0])
            continue
        if parts and group < 1000 and parts[-1] != digits[0]:
            parts.append(digits[0])
        parts.append(_below_10000(group, digits, units, bare_ten and not parts) + unit)
    return "".join(parts).rstrip(digits[0]) or digits[0]


def _counting(n: int) -> str:
    """chineseCounting: 一..九十九 with 十, then digit by digit with 〇 (101 → 一〇一)."""
    if n < 100:
        return _thousand(n, _DIGITS.replace("〇", "零"), ("十", "百", "千"), "万", "亿", True)
    return "".join(_DIGITS[int(d)] for d in str(n))


FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "upperLetter": _letter,
    "lowerLetter": lambda n: _letter(n).lower(),
    "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(),
    "decimalFullWidth": lambda n: str(n).translate({ord(c): 0xFF10 + ord(c) - 0x30 for c in "0123456789"}),
    "decimalHalfWidth": str,
    # ① .. ⑳ (U+2460..); beyond 20 the spec falls back to decimal
    "decimalEnclosedCircle": lambda n: chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n),
    "decimalEnclosedCircleChinese": lambda n: chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n),
    "decimalEnclosedParen": lambda n: chr(0x2474 + n - 1) if 1 <= n <= 20 else f"({n})",
    "decimalEnclosedFullstop": lambda n: chr(0x2488 + n - 1) if 1 <= n <= 20 else f"{n}.",
    "chineseCounting": _counting,
    "chineseCountingThousand": lambda n: _thousand(
        n, _DIGITS.replace("〇", "零"), ("十", "百", "千"), "万", "亿", True
    ),
    "chineseLegalSimplified": lambda n: _thousand(n, _LEGAL, ("拾", "佰", "仟"), "万", "亿", False),
    "ideographDigital": lambda n: "".join(_DIGITS[int(d)] for d in str(n)),
    "ideographTraditional": lambda n: _STEMS[(n - 1) % 10],
    # LibreOffice writes its 一, 二, 三 lists as taiwanese*: the same characters for these numbers
    "taiwaneseCounting": _counting,
    "taiwaneseCountingThousand": lambda n: _thousand(
        n, _DIGITS.replace("〇", "零"), ("十", "百", "千"), "萬", "億", True
    ),
    "taiwaneseDigital": lambda n: "".join(_DIGITS[int(d)] for d in str(n)),
    "japaneseCounting": lambda n: _thousand(n, _DIGITS.replace("〇", "零"), ("十", "百", "千"), "万", "億", True),
    "none": lambda n: "",
    "bullet": lambda n: "",
}


def known(fmt: str) -> bool:
    return fmt in FORMATS


def render(n: int, fmt: str) -> str:
    """The counter ``n`` as Word shows it in format ``fmt`` (decimal for an unknown format)."""
    n = max(n, 0)
    if n == 0 and fmt not in ("decimal", "decimalZero", "none", "bullet"):
        return "0"
    return FORMATS.get(fmt, str)(n)
