"""Text normalisation for matching: one function the inbox, the matcher and the FAQ drafter share.

Matching must not care whether someone typed full-width digits, traditional characters or extra
spaces, so ``normalize`` folds all of those; the original (scrubbed) text is kept beside it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from importlib import resources

import opencc

from .cache import user_cache_dir

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


# --- jieba, the English stemmer and stop words: loaded once, shared by tokenising and glossing ---


@lru_cache(maxsize=1)
def jieba_tokenizer():
    """jieba, initialised once with its dictionary cache on disk (0.3 s instead of 1 s cold)."""
    import jieba  # on first use: importing the module stays cheap

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.tmp_dir = str(user_cache_dir())
    jieba.dt.cache_file = "jieba.cache"
    jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def stemmer():
    import snowballstemmer  # on first use: importing the module stays cheap

    return snowballstemmer.stemmer("english")


# English function words (scikit-learn's list costs 0.4 s of import at every cold start).
EN_STOP = frozenset(
    """a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing don down during each few for from further had has have
having he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on once
only or other our ours out over own same she should so some such than that the their theirs them then there these
they this those through to too under until up very was we were what when where which while who whom why will with
would you your yours s t d ll ve m re doesn isn ok get got""".split()
)
