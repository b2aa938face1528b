"""Gap report: what people ask about a policy that no clause answers — for the policy owner.

Clusters come from :func:`tooling.matching.cluster.cluster_questions`; uncovered clusters have no
clause, so they are attributed to a policy by their askers' policy hints, else by the policy of
their nearest (too weak to count) match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from ..markdown import escape_text
from ..matching.answer import AnswerResult, Matcher
from ..matching.cluster import Cluster
from ..questions.models import QuestionRecord


class Gap(BaseModel):
    """An uncovered cluster: how many asked, when, and in their own (scrubbed) words."""

    cluster_id: str
    policy: str | None
    question: str
    asked: int
    askers: int
    first_asked: str
    last_asked: str
    samples: list[str] = Field(default_factory=list)
    nearest: str | None = None  # the nearest clause, which does not answer it


def nearest_many(matcher: Matcher | None, clusters: Sequence[Cluster]) -> dict[str, AnswerResult]:
    """Best matches of each cluster's representative, in one batch (encoders cost per call)."""
    if matcher is None or not clusters:
        return {}
    results = matcher.answer_many([c.representative for c in clusters], top=5)
    return {c.id: r for c, r in zip(clusters, results)}


def cluster_policy(
    cluster: Cluster, records: Mapping[str, QuestionRecord], near: dict[str, AnswerResult]
) -> tuple[str | None, str | None]:
    """(policy, nearest clause key) of a cluster; covered clusters know theirs."""
    if cluster.covered:
        return cluster.policy, cluster.clauses[0] if cluster.clauses else None
    hints = Counter(getattr(records.get(q), "policy_hint", None) for q in cluster.question_ids)
    hints.pop(None, None)
    nearest = None
    result = near.get(cluster.id)
    if result is not None:
        nearest = result.keys[0] if result.keys else None
        if not hints and result.policy:
            return result.policy, nearest
    top = hints.most_common(1)[0][0] if hints else None
    return (top.upper() if top else None), nearest


def samples(cluster: Cluster, records: Mapping[str, QuestionRecord], n: int = 3) -> list[str]:
    """A few distinct scrubbed phrasings, newest first."""
    out: list[str] = []
    for qid in reversed(cluster.question_ids):
        text = str(getattr(records.get(qid), "text", "")).strip()  # line breaks kept: subject / body
        if text and text not in out:
            out.append(text[:300])
        if len(out) >= n:
            break
    return out


def find_gaps(
    clusters: Sequence[Cluster],
    records: Mapping[str, QuestionRecord],
    policy: str | None,
    matcher: Matcher | None = None,
) -> list[Gap]:
    """Uncovered clusters of ``policy`` (all policies when None), in cluster rank order."""
    gaps = []
    near = nearest_many(matcher, [c for c in clusters if not c.covered])
    for cluster in clusters:
        if cluster.covered:
            continue
        owner, nearest = cluster_policy(cluster, records, near)
        if policy and owner != policy.upper():
            continue
        gaps.append(
            Gap(
                cluster_id=cluster.id,
                policy=owner,
                question=cluster.representative,
                asked=cluster.size,
                askers=cluster.askers,
                first_asked=cluster.first_asked.date().isoformat(),
                last_asked=cluster.last_asked.date().isoformat(),
                samples=samples(cluster, records),
                nearest=nearest,
            )
        )
    return gaps


def gaps_markdown(gaps: list[Gap], language: str = "zh") -> str:
    """The gap report as Markdown (for the PR description and ``policy faq gaps``)."""
    if not gaps:
        return "没有未覆盖的问题。\n" if language == "zh" else "No uncovered questions.\n"
    head = (
        "| 问题 | 提问数 | 提问人数 | 最近 |\n| --- | ---: | ---: | --- |\n"
        if language == "zh"
        else "| Question | Asked | Askers | Last asked |\n| --- | ---: | ---: | --- |\n"
    )
    rows = "".join(f"| {_cell(g.question)} | {g.asked} | {g.askers} | {g.last_asked} |\n" for g in gaps)
    return head + rows


def _cell(text: str) -> str:
    return escape_text(text, 120)
