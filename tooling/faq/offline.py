"""The offline drafter: deterministic, no network. Same input, same draft, on every machine.

The question is the cluster's clearest phrasing with greetings, sign-offs and personal-data
placeholders removed. The answer opens with what was asked, in the clause's own words
(:mod:`.extract`): the yes/no its sentence gives, or the sentence that holds the figure or the
role; then it cites the clause with the ``{clause}`` role. Every word of substance comes from the
clause, so grounding holds by construction.
"""

from __future__ import annotations

import re

from ..matching.extract import pieces, quote, row_named, short_answer
from ..matching.tokenize import strip_filler, tokenize
from ..text import is_chinese, to_simplified
from .models import FALLBACK_DRAFTER, ClauseText, Draft, DraftRequest

_PLACEHOLDER = re.compile(r"\[[^\[\]\s]{1,16}\]")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")
_ASKS = re.compile(
    r"[?？]|吗|么|如何|怎么|多少|几|哪|是否|能否|可否|\b(?:how|what|when|where|who|which|can|do|does|is|are)\b", re.I
)
MAX_SUMMARY = 160


def canonical_question(text: str) -> str:
    """A clean question from a raw (scrubbed) one: no greetings, no placeholders, one sentence."""
    text = _EMOJI.sub("", _PLACEHOLDER.sub("", text))
    text = re.sub(r"[（(]\s*[)）]", "", text)
    if is_chinese(text):
        text = to_simplified(text)
    text = strip_filler(text)
    parts = [p.strip(" ，,、~～…") for p in re.split(r"(?<=[?？。!！\n])|(?<=[.;])\s+", text) if p.strip(" ，,、~～…")]
    asking = [p for p in parts if _ASKS.search(p)]
    marked = [p for p in asking if p.endswith(("?", "？"))]  # "My name is [name]. What is …?": the question
    best = (marked or asking or parts or [text])[0]
    best = re.sub(r"\s+", " ", best).strip(" ，,、.。~～…:：;；-—")
    best = re.sub(r"^(?:[A-Z]\w*\s+)?(?:team|all|everyone|folks)\s*[,，]\s*", "", best, flags=re.I)
    best = re.sub(r"^[\u4e00-\u9fff]{1,3}(?:经理|总监|老师|总|姐|哥)好?[，,！!\s]+", "", best)
    best = re.sub(r"[\s！!，,]+$", "", best)
    # an e-mail subject glued before the question: "Per diem What happens if …"
    best = re.sub(
        r"^[A-Z][\w-]*(?:\s+[\w-]+){0,2}\s+(?=(?:What|How|Who|Which|When|Where|Why|Can|Could|Is|Are|Do|Does|"
        r"Should|May|Will)\b)",
        "",
        best,
    )
    best = best[:1].upper() + best[1:] if best[:1].isascii() else best
    zh = is_chinese(best)
    if not best.endswith(("?", "？")):
        best += "？" if zh else "?"
    return best


def summary(clause: ClauseText) -> str:
    """What the clause says, in its own words: its first sentences (and table rows)."""
    out = ""
    for piece in pieces(clause.text):
        if out and len(out) + len(piece) > MAX_SUMMARY:
            break
        out += piece + ("" if is_chinese(piece) else " ")
    out = out.strip().rstrip("；;:：")
    return escape_html(out)


def _phrasing_score(text: str, language: str) -> tuple[float, str]:
    """Prefer complete questions of a sensible length in the policy's language."""
    zh = is_chinese(text)
    n = len(text)
    good = (8 <= n <= 36) if zh else (20 <= n <= 100)
    score = (2.0 if good else 0.5) + (1.0 if zh == (language == "zh") else 0.0)
    score += 1.0 if _ASKS.search(text[:-1]) else 0.0
    score -= 1.5 if re.search(r"\b[a-z]{2,}\b", text) and zh else 0.0  # pinyin and shorthand
    score -= 0.5 * text.count(" ") if zh else 0.0
    return score, text


def best_question(request: DraftRequest) -> str:
    """The clearest canonical question among the cluster's phrasings that is about the cited
    clause (shares its words), so question and answer agree even in a mixed cluster."""
    clause = request.clauses[0]
    words = set(tokenize(f"{clause.title or ''} {clause.text}", pinyin=False))
    candidates = {canonical_question(t) for t in [request.representative, *request.samples] if t.strip()}

    def score(text: str) -> float:
        toks = set(tokenize(text, pinyin=False))
        overlap = len(toks & words) / len(toks) if toks else 0.0
        return _phrasing_score(text, request.language)[0] + 3.0 * overlap

    return max(sorted(candidates), key=score)


_ROLE_SPAN = re.compile(r"\{clause\}`[^`]*`")


def escape_html(text: str) -> str:
    """Escape ``<``/``>`` outside ``{clause}`` roles: MyST would pass raw HTML through to the page."""
    out, last = [], 0
    for match in _ROLE_SPAN.finditer(text):
        out.append(text[last : match.start()].replace("<", "&lt;").replace(">", "&gt;"))
        out.append(match.group())
        last = match.end()
    out.append(text[last:].replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(out)


def draft_offline(request: DraftRequest, note: str | None = None, also: tuple[str, ...] = ()) -> Draft:
    """The deterministic draft of one cluster, citing its first candidate clause (and the
    candidates named in ``also``, for a question one clause answers only in part): the direct
    answer first (the yes/no the quote gives, else the quote itself, which holds the figure or
    the role asked for), then the clause's sentence(s) it rests on, then the citation."""
    clauses = [request.clauses[0], *(c for c in request.clauses[1:] if c.key in also)]
    question = best_question(request)
    zh = request.language == "zh"
    extra = [quote(question, c.text, c.title) or summary(c) for c in clauses[1:]]
    # what the other clause says (Xiamen is Tier 2) picks the first clause's row (the Tier 2 row)
    first = (
        next((r for e in extra if (r := row_named(clauses[0].text, e))), None)
        or quote(" ".join([question, *extra]), clauses[0].text, clauses[0].title)
        or summary(clauses[0])
    )
    said = [escape_html(s.rstrip("。.；;，,:： ")) for s in [first, *extra]]
    lead = short_answer(question, said[0]) if len(said) == 1 else ""
    cites = ("、" if zh else " and ").join(f"{{clause}}`{c.key}`" for c in clauses)
    if zh:
        answer = f"{lead}{'。'.join(said)}。见{cites}。"  # the role shows the clause's citation
    else:
        body = ". ".join(s[:1].upper() + s[1:] for s in said)
        answer = f"{lead + ' ' if lead else ''}{body}. See {cites}."
    drafter = "offline" if note is None else FALLBACK_DRAFTER
    return Draft(question=question, answer=answer, clauses=[c.key for c in clauses], drafter=drafter, note=note)
