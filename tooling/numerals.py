"""Chinese numerals as used in regulation article numbers (第一百零三条 -> 103) and back."""

from __future__ import annotations

_DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "贰": 2,
    "两": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "万": 10000}
CN_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_UNITS)


def cn_to_int(text: str) -> int:
    """Parse a Chinese (or arabic) numeral: 十二 -> 12, 一百零三 -> 103, 一〇三 -> 103, 12 -> 12.

    Raises ValueError on anything else, so a typo in an article number is reported, not guessed.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty numeral")
    if text.isdigit():
        return int(text)
    if any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    if not any(ch in _UNITS for ch in text):  # positional digits: 一〇三
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    last_unit = 10**9
    for ch in text:
        if ch in _DIGITS:
            if digit is not None and _DIGITS[ch] != 0:
                raise ValueError(f"two digits in a row in {text!r}")
            digit = _DIGITS[ch] if _DIGITS[ch] != 0 else None
        else:
            unit = _UNITS[ch]
            if unit == 10000:
                total += (section + (digit or 0)) * unit
                section, digit, last_unit = 0, None, 10**9
                continue
            if unit >= last_unit:
                raise ValueError(f"units out of order in {text!r}")
            section += (digit if digit is not None else 1) * unit
            digit, last_unit = None, unit
    return total + section + (digit or 0)


def int_to_cn(number: int) -> str:
    """Write 12 as 十二 and 103 as 一百零三, the way regulations number articles."""
    if number < 0:
        raise ValueError("negative numbers are not article numbers")
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    if number < 20:
        return "十" + (digits[number % 10] if number % 10 else "")
    parts: list[str] = []
    units = [(10000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")]
    zero_pending = False
    started = False
    for value, name in units:
        d, number = divmod(number, value)
        if value == 10000 and d:
            parts.append(int_to_cn(d) + name)
            started = True
            continue
        if d:
            if zero_pending:
                parts.append("零")
            parts.append(digits[d] + name)
            started, zero_pending = True, False
        elif started and number:
            zero_pending = True
    return "".join(parts)
