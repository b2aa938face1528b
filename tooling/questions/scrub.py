"""Personal-data scrubbing: only scrubbed text leaves the inbox (store, exports, drafts, prompts).

Each kind of personal data is replaced with a typed placeholder in the text's own language
(``[电话]`` in Chinese text, ``[phone]`` in English text) so readers still see what was there.
Askers become keyed hashes (HMAC), so repeat askers can be counted without keeping who they are.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

from ..errors import Code, PolicyToolError, problem
from .normalize import is_chinese

# (kind, zh placeholder, en placeholder, pattern). Order matters: longer/more specific first.
_RULES: list[tuple[str, str, str, str]] = [
    ("email", "[邮箱]", "[email]", r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"),
    # Chinese resident ID: 6-digit area, birth date, 3 digits, check digit (or X).
    ("id-card", "[身份证]", "[id-card]",
     r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"),
    # Bank cards: 16-19 digits, optionally grouped by 4 with spaces or dashes.
    ("bank-card", "[银行卡]", "[bank-card]", r"(?<![\d\-])(?:\d{4}[ \-]?){3}\d{4}(?:[ \-]?\d{1,3})?(?![\d\-])"),
    # Chinese mobile: optional +86/0086, 1[3-9]x xxxx xxxx with optional separators.
    ("phone", "[电话]", "[phone]", r"(?<![\d+])(?:(?:\+|00)86[ \-]?)?1[3-9]\d[ \-]?\d{4}[ \-]?\d{4}(?!\d)"),
    # International numbers written with a leading +country code.
    ("phone", "[电话]", "[phone]", r"(?<![\w+])\+\d{1,3}[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d{1,4}(?:[ .\-]?\d{2,4}){1,4}(?!\d)"),
    # Chinese landlines: 0 + 2-3 digit area code, 7-8 digits, optional extension.
    ("phone", "[电话]", "[phone]", r"(?<![\d\-])(?:\(0\d{2,3}\)|0\d{2,3})[ \-]?\d{3,4}[ \-]?\d{4}(?:(?:-|转|ext\.? ?)\d{1,5})?(?![\d\-])"),
    # Service numbers 400/800-xxx-xxxx and North American (xxx) xxx-xxxx / xxx-xxx-xxxx.
    ("phone", "[电话]", "[phone]", r"(?<![\d\-])(?:[48]00[ \-]?\d{3}[ \-]?\d{4}|\(\d{3}\) ?\d{3}-\d{4}|\d{3}-\d{3}-\d{4})(?![\d\-])"),
]

# Every built-in pattern needs an "@" or a run of at least seven digits and separators.
_MAYBE = re.compile(r"@|\d[\d \-().]{5,}\d")


@lru_cache(maxsize=64)
def _compiled(extra: tuple[tuple[str, str], ...]) -> list[tuple[re.Pattern[str], str, str]]:
    rules = [(re.compile(pat), zh, en) for _, zh, en, pat in _RULES]
    for name, pat in extra:
        try:
            rules.insert(0, (re.compile(pat), f"[{name}]", f"[{name}]"))
        except re.error as exc:
            raise PolicyToolError(problem(Code.CONFIG, f"scrub_patterns.{name}: bad regular expression: {exc}",
                                          "pyproject.toml", 1)) from exc
    return rules


def scrub(text: str, extra_patterns: dict[str, str] | None = None) -> str:
    """Replace phones, e-mails, ID and bank card numbers (and the site's extra patterns, e.g.
    ``{"order": r"SO\\d{10}"}`` -> ``[order]``) with typed placeholders."""
    extra = tuple(sorted((extra_patterns or {}).items()))
    rules = _compiled(extra)
    if not _MAYBE.search(text):  # most questions hold no long number and no address: skip the built-ins
        rules = rules[: len(extra)]
        if not rules:
            return text
    zh = is_chinese(text)
    for pattern, zh_tag, en_tag in rules:
        text = pattern.sub(zh_tag if zh else en_tag, text)
    return text


def scrub_value(value: object, extra_patterns: dict[str, str] | None = None) -> object:
    """Scrub every string inside a JSON-like value (record metadata can hold personal data too)."""
    if isinstance(value, str):
        return scrub(value, extra_patterns)
    if isinstance(value, list):
        return [scrub_value(v, extra_patterns) for v in value]
    if isinstance(value, dict):
        return {k: scrub_value(v, extra_patterns) for k, v in value.items()}
    return value


_ADDRESS = re.compile(r"<([^<>@\s]+@[^<>\s]+)>")


def pseudonym(name: str, key: str) -> str:
    """A stable pseudonymous id for an asker: HMAC-SHA256 of the casefolded address (or name).

    ``"Lisa Chen <Lisa.Chen@x.com>"`` and ``"lisa.chen@x.com"`` give the same id."""
    found = _ADDRESS.search(name)
    ident = (found.group(1) if found else name).strip().casefold()
    return "a-" + hmac.new(key.encode(), ident.encode(), hashlib.sha256).hexdigest()[:16]
