"""Text normalisation for matching: one function the inbox, the matcher and the FAQ drafter share.

Matching must not care whether someone typed full-width digits, traditional characters or extra
spaces, so ``normalize`` folds all of those; the original (scrubbed) text is kept beside it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import opencc

_SPACE = re.compile(r"\s+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Characters that t2s would change. Text without any of them is left alone, which skips the
    (pure-Python, slow) converter for the simplified text most people write."""
    folder = resources.files(opencc) / "dictionary"

    def rows(name: str) -> list[tuple[str, str]]:
        text = (folder / name).read_text(encoding="utf-8")
        return [(k, (v.split(" ")[0] or k)) for k, _, v in (r.partition("\t") for r in text.splitlines()) if k]

    chars = {k for k, v in rows("TSCharacters.txt") if len(k) == 1 and v != k}
    for key, value in rows("TSPhrases.txt"):
        # A phrase rule only matters on its own if none of its characters already trigger conversion.
        if value != key and chars.isdisjoint(key) and len(key) == len(value):
            chars.update(k for k, v in zip(key, value) if k != v)
    return frozenset(chars)


def to_simplified(text: str) -> str:
    """Traditional -> simplified Chinese (opencc t2s), skipped when there is nothing to convert."""
    if _traditional_chars().isdisjoint(text):
        return text
    return _converter().convert(text)


def normalize(text: str) -> str:
    """NFKC (full-width -> half-width), traditional -> simplified, lowercase, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = to_simplified(text)
    return _SPACE.sub(" ", text.casefold()).strip()


def language_of(text: str) -> str:
    """``zh`` when the text is written in Chinese, else ``en``: the one rule for the language of a
    reply, of scrub placeholders and of FAQ labels. Ideographs count against Latin *words*, so
    "RO-500 的价格？" is Chinese and "Q1 rebate 到账?" is Chinese, "hi 王经理, when is the rebate paid?"
    is English; more than three ideographs is always Chinese."""
    han = len(_CJK.findall(text))
    latin = len(_LATIN_WORD.findall(text))
    return "zh" if han and (han >= latin or han > 3) else "en"


def is_chinese(text: str) -> bool:
    return language_of(text) == "zh"
