"""Citation keys, anchors and ready-to-paste citation texts.

A clause number is kept in one canonical text form, whatever style the author used:
``4.2`` (numbered heading), ``12`` / ``12-1`` (第十二条 / 第十二条之一), ``12(1)`` /
``12.2(1)`` (第十二条第（一）项 / 第十二条第二款第（一）项). Keys are ``"<POLICY> <number>"``.
Anchors derive from the number alone, never from a position, so they survive insertions.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from .numerals import CN_NUMERAL_CHARS, cn_to_int, int_to_cn

_N = rf"[0-9{CN_NUMERAL_CHARS}]+"
_KEY_RE = re.compile(r"^\s*(?P<policy>[A-Za-z][A-Za-z0-9]*)(?:@(?P<version>[^\s]+))?\s*(?P<rest>.*?)\s*$")
_ARABIC_RE = re.compile(r"^(?P<num>\d+(?:\.\d+)*(?:-\d+)?)(?:\((?P<item>" + _N + r")\))?$")
_CHINESE_RE = re.compile(
    rf"^第?(?P<art>{_N})条(?:之(?P<ins>{_N}))?(?:第(?P<para>{_N})款)?(?:第?\((?P<item>{_N})\)项?)?$"
    rf"|^(?P<art2>{_N})条$"
)


_SECTION_AS_ARTICLE = re.compile(r"^第?(\d+(?:\.\d+)+)条$")


class ParsedKey(NamedTuple):
    policy: str
    number: str
    version: str | None = None

    @property
    def key(self) -> str:
        return f"{self.policy} {self.number}"


class KeySyntaxError(ValueError):
    """The text does not look like a clause citation at all."""


def _n(text: str) -> int:
    return cn_to_int(text)


def normalize_number(rest: str) -> str:
    """Turn what people write after the policy id into the canonical number.

    ``§4.2`` / ``4.2`` -> ``4.2``; ``第十二条`` / ``12条`` -> ``12``; ``第十二条之一`` -> ``12-1``;
    ``第十二条第（一）项`` / ``12（1）`` -> ``12(1)``; ``第十二条第二款第（一）项`` -> ``12.2(1)``;
    ``Article 7`` -> ``7``.
    """
    text = unicodedata.normalize("NFKC", rest).strip()
    text = re.sub(r"^(?:§+|Art(?:icle)?\.?|Section|Sec\.|Clause)\s*", "", text, flags=re.I)
    text = re.sub(r"\s+", "", text)
    if not text:
        raise KeySyntaxError("no clause number")
    text = _SECTION_AS_ARTICLE.sub(r"\1", text)  # 第4.2条 / 4.2条: how running text cites section 4.2
    match = _ARABIC_RE.match(text)
    if match:
        number = match["num"]
        if match["item"]:
            try:
                number += f"({_n(match['item'])})"
            except ValueError as exc:  # 4.2(十十): not a numeral, so not a clause number
                raise KeySyntaxError(str(exc)) from exc
        return number
    match = _CHINESE_RE.match(text)
    if match:
        try:
            if match["art2"]:
                return str(_n(match["art2"]))
            number = str(_n(match["art"]))
            if match["ins"]:
                number += f"-{_n(match['ins'])}"
            if match["item"]:
                if match["para"] and _n(match["para"]) > 1:
                    number += f".{_n(match['para'])}"
                number += f"({_n(match['item'])})"
            return number
        except ValueError as exc:
            raise KeySyntaxError(str(exc)) from exc
    raise KeySyntaxError(f"cannot read a clause number in {rest!r}")


def parse_key(text: str) -> ParsedKey:
    """Parse ``SALES 4.2``, ``sales §4.2``, ``REBATE 第十二条``, ``SALES@2.0 4.2``."""
    match = _KEY_RE.match(unicodedata.normalize("NFKC", text))
    if not match or not match["rest"]:
        raise KeySyntaxError(f"not a citation key: {text!r} (expected '<POLICY> <number>')")
    return ParsedKey(match["policy"].upper(), normalize_number(match["rest"]), match["version"])


def anchor_for(policy: str, number: str) -> str:
    """``SALES 4.2`` -> ``sales-4-2``; ``REBATE 12(1)`` -> ``rebate-12-1``; ``12-1`` -> ``rebate-12_1``."""
    slug = number.replace("-", "_").replace(".", "-").replace("(", "-").replace(")", "")
    return f"{policy.lower()}-{slug}"


_ITEM_RE = re.compile(r"^(?P<art>\d+(?:-\d+)?)(?:\.(?P<para>\d+))?\((?P<item>\d+)\)$")
_ARTICLE_RE = re.compile(r"^(?P<art>\d+)(?:-(?P<ins>\d+))?$")


def number_label(number: str, kind: str, language: str) -> str:
    """How a number is written in running text: 第4.2条 / 第十二条之一 / §3.1 / Article 7(1)."""
    item = _ITEM_RE.match(number)
    if kind == "section":
        return f"第{number}条" if language == "zh" else f"§{number}"
    if language == "en":
        if item:
            para = f".{item['para']}" if item["para"] else ""
            return f"Article {item['art']}{para}({item['item']})"
        return f"Article {number}"
    if item:
        para = f"第{int_to_cn(int(item['para']))}款" if item["para"] else ""
        return f"{_article_cn(item['art'])}{para}第（{int_to_cn(int(item['item']))}）项"
    return _article_cn(number)


def _article_cn(number: str) -> str:
    match = _ARTICLE_RE.match(number)
    if not match:
        return f"第{number}条"
    text = f"第{int_to_cn(int(match['art']))}条"
    if match["ins"]:
        text += f"之{int_to_cn(int(match['ins']))}"
    return text


def citation_text(
    policy_title: str, number: str, kind: str, language: str, clause_title: str | None, url: str | None = None
) -> str:
    """The ready-to-paste citation: ``《标题》第4.2条（返利结算时间） <url>``."""
    label = number_label(number, kind, language)
    if language == "zh":
        text = f"《{policy_title}》{label}" + (f"（{clause_title}）" if clause_title else "")
    else:
        text = f"{policy_title} {label}" + (f" ({clause_title})" if clause_title else "")
    return f"{text} {url}" if url else text


# --- citations as people paste or type them -------------------------------------------------
# The site's own forms, with or without the policy: the copy-citation text (《标题》第4.2条（标题）
# https://…#sales-4-2, "Travel Policy §3.1 (City tiers) https://…"), 《标题》第4.3条, 第4.3条, 4.3条,
# SALES 4.3, 第十二条 / 第12条 / 12条, §3.1, Article 7(1).
_URL_ANCHOR = re.compile(r"https?://\S*#(?P<anchor>[\w\-]+)")
_URL = re.compile(r"https?://\S+")
_CITED_NUMBER = (
    rf"(?:第?\d+(?:\.\d+)+条|第?{_N}条(?:之{_N})?(?:第{_N}款)?(?:第?\({_N}\)项?)?"
    rf"|\d+(?:\.\d+)*(?:-\d+)?(?:\({_N}\))?)"
)
_CITED_RE = re.compile(
    rf"^(?P<prefix>.*?)\s*(?:§+|article|art\.?|section|sec\.|clause)?\s*(?P<number>{_CITED_NUMBER})"
    r"(?:\s*\([^()]*\))?\s*$",
    re.I,
)
_TITLE_NOISE = re.compile(r"[《》\"“”「」『』]|的$")


class CitedText(NamedTuple):
    """What a pasted or typed citation says: the anchor of a link it carries, or a policy name (an
    id or part of a title; empty for "any policy") and a canonical clause number."""

    anchor: str | None = None
    policy: str = ""
    number: str = ""
    article: bool = False  # written with 条 (第十二条, 12条): prefer an article where there is one
    language: str | None = None  # 第4.3条 is how Chinese policies are cited, §4.3 / Article 7 English ones


def read_citation(text: str) -> CitedText | None:
    """The citation a whole text is, or None when it is not one (a question that merely contains a
    number is not: the text must be a citation and nothing else, apart from the clause title in
    brackets and the link the copy button adds)."""
    text = unicodedata.normalize("NFKC", text).strip()
    link = _URL_ANCHOR.search(text)
    if link:
        return CitedText(anchor=link["anchor"])
    match = _CITED_RE.match(_URL.sub("", text).strip())
    if not match:
        return None
    try:
        number = normalize_number(match["number"])
    except KeySyntaxError:
        return None
    prefix = _TITLE_NOISE.sub("", match["prefix"].strip()).strip()
    written = match["number"]
    language = "zh" if "条" in written else "en" if re.search(r"§|article|art\.|section|sec\.", text, re.I) else None
    return CitedText(policy=prefix, number=number, article="条" in written and "." not in number, language=language)
