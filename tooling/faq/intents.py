"""One entry per intent: keep each question group to the questions its clause answers.

Clusters group questions by the clause the matcher ranks first, and a loosely worded question
can land on the wrong clause (返利有没有有效期 with 样机怎么申请). An entry drafted from such a
group would answer some of its questions and count all of them. Before drafting, every member
question goes through the topic check (:mod:`.topic`) against its group's clause:

* on topic: it stays;
* off topic, but answered by the group's clause together with one other (the city's tier in
  one clause, the rate in another: :meth:`.TopicIndex.partner`): it joins a group citing both;
* otherwise off topic: it leaves the group and the FAQ run, and stays in the store (the inbox)
  unanswered until a reviewer or a later run places it. (Moving it to the next clause the
  matcher ranks that passes the check was measured and made groups worse: see docs/faq.md.)

Then a clause group whose questions ask for different things is split by what they ask
(:func:`intent`): 折扣 has who approves, how much and how long, and each is answered by its own
entry, leading with its own answer. A part becomes its own group when at least two people asked
it and something is left; yes/no and "how" questions stay with the rest (返利能提现吗 and 返利怎么
提现 have one answer).

Counts (asked, askers) follow, because the groups are rebuilt from their members.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from ..matching.cluster import Cluster, make_cluster
from ..matching.extract import question_kind
from ..questions.models import QuestionRecord
from .topic import TopicIndex

_OWN_ENTRY = ("who", "when", "amount")  # kinds whose answer is a different fact of the same clause


def intent(question: str) -> str:
    """What a question wants from its clause: ``who``, ``when``, ``amount`` or ``general``."""
    kind = question_kind(question)
    return kind if kind in _OWN_ENTRY else "general"


class Refined(BaseModel):
    """The groups after the topic check, and the questions sent back."""

    clusters: list[Cluster]
    inbox: list[str] = Field(default_factory=list)  # question ids off topic for their group's clause


def refine(
    clusters: Sequence[Cluster],
    records: Mapping[str, QuestionRecord],
    topics: dict[str, TopicIndex],
    whole: TopicIndex | None = None,
) -> Refined:
    """Keep the members of each clause cluster of the policies in ``topics`` that are on topic for
    its clause; the others go back to the inbox. ``whole``, an index of every policy, also sends
    back a question whose terms a clause of another policy holds much better. Other clusters are
    returned as they are."""
    inbox: list[str] = []
    out: list[Cluster] = []
    newest = max((r.asked_at for r in records.values()), default=datetime.now())
    for c in clusters:
        if not (c.clauses and c.policy in topics):
            out.append(c)
            continue
        index = topics[c.policy]
        key = c.clauses[0]
        off = {
            q
            for q in c.question_ids
            if index.missing(getattr(records.get(q), "text", ""), [key])
            or (whole is not None and whole.elsewhere(getattr(records.get(q), "text", ""), [key]))
        }
        pairs: dict[str, list] = {}  # partner clause -> the questions needing both
        for q in c.question_ids:
            if q in off and (other := index.partner(getattr(records.get(q), "text", ""), key)):
                pairs.setdefault(other, []).append(records[q])
            elif q in off:
                inbox.append(q)
        kept = [records[q] for q in c.question_ids if q not in off]
        covered = {q: c.covered for q in c.question_ids}
        parts = split_by_intent(kept)
        if not off and len(parts) == 1:
            out.append(c)
            continue
        out += [make_cluster(f"clause:{key}", part, newest, covered) for part in parts]
        out += [
            make_cluster(f"clause:{key}", both, newest, covered).model_copy(update={"clauses": [key, other]})
            for other, both in pairs.items()
        ]
    out.sort(key=lambda c: (-c.score, -c.size, c.id))
    return Refined(clusters=out, inbox=inbox)


def split_by_intent(members: list) -> list[list]:
    """The members in one part per :func:`intent` asked by two people or more, the rest together.
    Nothing is split off when it would leave nothing behind."""
    by: dict[str, list] = {}
    for r in members:
        by.setdefault(intent(getattr(r, "text", "")), []).append(r)
    parts: list[list] = []
    rest = list(by.pop("general", []))
    for name in _OWN_ENTRY:
        group = by.get(name, [])
        askers = {getattr(r, "asker", None) or r.id for r in group}
        if len(askers) >= 2:
            parts.append(group)
        else:
            rest += group
    if not rest:  # the largest part is the group itself
        parts.sort(key=len, reverse=True)
        rest = parts.pop(0) if parts else []
    return [p for p in [rest, *parts] if p]
