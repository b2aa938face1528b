"""One entry per intent: keep each question group to the questions its clause answers.

Clusters group questions by the clause the matcher ranks first, and a loosely worded question
can land on the wrong clause (返利有没有有效期 with 样机怎么申请). An entry drafted from such a
group would answer some of its questions and count all of them. Before drafting, every member
question goes through the topic check (:mod:`.topic`) against its group's clause:

* on topic: it stays;
* off topic: it leaves the group and the FAQ run, and stays in the store (the inbox)
  unanswered until a reviewer or a later run places it. (Moving it to the next clause the
  matcher ranks that passes the check was measured and made groups worse: see docs/faq.md.)

Counts (asked, askers) follow, because the groups are rebuilt from their members.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from ..matching.cluster import Cluster, make_cluster
from .topic import TopicIndex


class Refined(BaseModel):
    """The groups after the topic check, and the questions sent back."""

    clusters: list[Cluster]
    inbox: list[str] = Field(default_factory=list)          # question ids off topic for their group's clause


def refine(clusters: Sequence[Cluster], records: dict[str, object], topics: dict[str, TopicIndex]) -> Refined:
    """Keep the members of each clause cluster of the policies in ``topics`` that are on topic for
    its clause; the others go back to the inbox. Other clusters are returned as they are."""
    inbox: list[str] = []
    out: list[Cluster] = []
    newest = max((getattr(r, "asked_at") for r in records.values()), default=datetime.now())
    for c in clusters:
        if not (c.clauses and c.policy in topics):
            out.append(c)
            continue
        index = topics[c.policy]
        off = {q for q in c.question_ids if index.missing(getattr(records.get(q), "text", ""), c.clauses[:1])}
        if not off:
            out.append(c)
            continue
        inbox += [q for q in c.question_ids if q in off]
        kept = [records[q] for q in c.question_ids if q not in off]
        if kept:
            out.append(make_cluster(f"clause:{c.clauses[0]}", kept, newest, {q: c.covered for q in c.question_ids}))
    out.sort(key=lambda c: (-c.score, -c.size, c.id))
    return Refined(clusters=out, inbox=inbox)
