"""Sentence-level grounding: every claim of an answer must be said by one sentence of a cited clause.

The figure check (:mod:`.grounding`) asks whether each figure is somewhere in the cited clauses.
A model can pass it and still be wrong: put a clause's 30天 next to the wrong subject, turn 须经
区域经理审批 into 须经总经理审批, or make 不得 into 可以. So each sentence of an answer that makes
a claim (it has a figure, an obligation, a permission or a prohibition) is held against the
cited clauses' sentences and table rows, one at a time (and each with its next, for a claim that
joins two). A sentence supports the claim when

* every figure of the claim is in it (same value, any spelling: 3个月 = three months);
* it agrees in kind: a prohibition is backed by a prohibition, a permission by a permission
  (and not by a prohibition alone), an obligation by an obligation;
* and it is about the same thing: at least half of the claim's words are in it.

A yes/no that stands alone (``不能。``, ``Yes.``) belongs to the sentence after it. A claim no
sentence supports is flagged (``:unsupported-claims:`` with its number) and the reviewer is shown
it with the nearest clause sentence. The offline drafter quotes clauses, so its answers pass.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ..matching.extract import _NEED, _NEG, _PERMIT, _word_groups, _words, pieces
from ..matching.grounding import _supports, figures
from ..text import is_chinese

if TYPE_CHECKING:
    from ..catalog import Catalog

_ROLE = re.compile(r"\{clause\}`[^`]*`")
_CITATION_ONLY = re.compile(r"^\s*(?:见|详见|参见|依据|根据|see|see also|per)\W*$", re.I)
_BARE = 6  # a sentence this short ("不能。", "Yes.") is the next one's lead
MIN_SHARED = 0.5
_ZH_ROLE = re.compile(r"(?:经理|总监|主管|负责人|总裁|专员|委员会|董事长|董事会|部长|处长|科长)$")
_EN_ROLE = re.compile(
    r"\b(?:line manager|department head|head of department|vice president|vp|director|ceo|cfo|coo)\b", re.I
)


class Claim(BaseModel):
    """A sentence of an answer that no cited clause sentence supports, with the nearest one."""

    number: int  # 1-based, among the answer's sentences
    sentence: str
    nearest: str  # the cited clauses' sentence closest to it ("" when they have none)
    reason: str  # what is missing, in words a reviewer reads


def _sentences(answer: str) -> list[str]:
    """The answer's sentences without its ``{clause}`` roles; a bare yes/no joins the next one."""
    text = _ROLE.sub("", answer)
    out: list[str] = []
    carry = ""
    for piece in pieces(text):
        if _CITATION_ONLY.match(piece):
            continue
        if len(piece) <= _BARE and not figures(piece):
            carry += piece if is_chinese(piece) else piece + " "
            continue
        out.append(carry + piece)
        carry = ""
    if carry:
        out.append(carry)
    return out


def _claims(sentence: str) -> bool:
    return bool(figures(sentence) or _NEED.search(sentence) or _NEG.search(sentence) or _PERMIT.search(sentence))


def _shared(claim: str, source: str) -> float:
    groups = _word_groups(claim)
    if not groups:
        return 1.0
    have = _words(source)
    return sum(bool(g & have) for g in groups) / len(groups)


def _roles(text: str) -> set[str]:
    """Who a sentence names: 总经理, 区域经理, line manager, VP."""
    zh = {w for w in _words(text) if _ZH_ROLE.search(w)}
    return zh | {m.lower() for m in _EN_ROLE.findall(text)}


def _same_kind(claim: str, source: str) -> int:
    """How many of the claim's kinds (figure, duty, permission, prohibition) the source also has."""
    tests = (lambda t: bool(figures(t)), _NEED.search, _PERMIT.search, _NEG.search)
    return sum(bool(test(claim)) and bool(test(source)) for test in tests)


def _why_not(claim: str, source: str) -> str | None:
    """Why ``source`` does not support ``claim`` (None when it does)."""
    have = figures(source)
    missing = [f.text for f in figures(claim) if not _supports(have, f)]
    if missing:
        return "figure " + ", ".join(missing)
    roles = _roles(claim) - _roles(source)
    if roles:
        return "who: " + ", ".join(sorted(roles))
    if _NEG.search(claim) and not _NEG.search(source):
        return "a prohibition"
    if (
        _PERMIT.search(_NEG.sub("", claim))
        and not _NEG.search(claim)
        and (_NEG.search(source) or not _PERMIT.search(source))
    ):
        return "a permission"
    if _NEED.search(claim) and not (_NEED.search(source) or "经" in source or _NEG.search(source)):
        return "an obligation"
    if _shared(claim, source) < MIN_SHARED:
        return "what it is about"
    return None


def unsupported_claims(answer: str, sources: list[str]) -> list[Claim]:
    """The answer's claims that the sentences of ``sources`` nearest to them do not support.

    Support must come from a nearest sentence (the most words in common): "Parking is
    reimbursed" is not backed by "Taxis are reimbursed" when the clause also says "Parking is not
    reimbursed". Only figures may be gathered from that sentence and the one before or after it."""
    sents = [s for text in sources for s in pieces(text)]
    out: list[Claim] = []
    for number, sentence in enumerate(_sentences(answer), 1):
        if not _claims(sentence):
            continue
        if not sents:
            out.append(Claim(number=number, sentence=sentence, nearest="", reason="no cited clause text"))
            continue
        shared = [_shared(sentence, s) for s in sents]
        best = max(shared)
        near = [i for i, v in enumerate(shared) if v >= best - 1e-9]
        reasons = [_why_not(sentence, sents[i]) for i in near]
        if any(r is None for r in reasons):
            continue
        pairs = [sents[i - 1] + sents[i] for i in near if i > 0] + [
            sents[i] + sents[i + 1] for i in near if i + 1 < len(sents)
        ]
        if all((r or "").startswith("figure") for r in reasons) and any(_why_not(sentence, p) is None for p in pairs):
            continue  # figures joined from two sentences; a yes or no must come from one
        nearest = max((sents[i] for i in near), key=lambda t: (_same_kind(sentence, t), len(t)))
        out.append(Claim(number=number, sentence=sentence, nearest=nearest, reason=reasons[0] or ""))
    return out


def claim_numbers(claims: list[Claim]) -> list[str]:
    return [str(c.number) for c in claims]


def entry_claims(answer: str, keys: list[str], catalog: Catalog) -> list[Claim]:
    """:func:`unsupported_claims` of an answer against the clauses ``keys`` (unknown keys skipped:
    the check reports them)."""
    return unsupported_claims(answer, [clause_source(c) for c in map(catalog.get, keys) if c is not None])


def clause_source(clause) -> str:
    """What an answer is held against: the clause's title and text."""
    return f"{clause.title or ''}\n{clause.text}"
