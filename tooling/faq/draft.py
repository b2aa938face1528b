"""``policy faq draft``: add drafts for the most-asked question groups no entry answers yet.

Existing entries — and every human edit in them — are never changed or reordered: new entries
are appended until the page holds ``top`` live (draft or approved) entries. A cluster counts as
answered when an entry (any status: a retired id or topic stays retired) lists its cluster id,
cites its clause first, or asks nearly the same question; so a re-run with no new questions
adds nothing. Every drafted answer, whatever drafted it, goes through the grounding check.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from ..catalog import Catalog
from ..errors import Code, PolicyToolError, Problem, problem
from ..matching.answer import AnswerResult, Matcher
from ..matching.cluster import Cluster, cluster_questions
from ..models import Policy
from ..questions.store import QuestionStore
from .entries import FaqEntry, FaqPage, append_entries, page_path, read_page
from .gaps import Gap, find_gaps, nearest_many, samples
from .grounding import unsupported_figures
from .models import ClauseText, Draft, DraftRequest
from .offline import draft_offline

SAME_QUESTION = 90   # rapidfuzz ratio above which a cluster asks what an entry already answers


class DraftReport(BaseModel):
    """What a draft run did: entries added (with their clusters), gaps, problems."""

    policy: str
    page: str
    live_before: int
    added: list[FaqEntry] = Field(default_factory=list)
    flagged: list[str] = Field(default_factory=list)     # ids written with :unsupported: figures
    gaps: list[Gap] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    samples: dict[str, list[str]] = Field(default_factory=dict)   # entry id -> scrubbed sample questions


def load_clusters(root: Path, catalog: Catalog, store: QuestionStore | None = None
                  ) -> tuple[list[Cluster], dict[str, object], Matcher]:
    """All clusters of the root's question store, its records by id, and the matcher used."""
    own = store is None
    store = store or QuestionStore(Path(root) / catalog.settings.questions_db)
    try:
        records = {r.id: r for r in store.iter_records()}
    finally:
        if own:
            store.close()
    if not records:
        raise PolicyToolError(problem(Code.FAQ_NO_QUESTIONS, "the question store holds no questions",
                                      Path(root) / catalog.settings.questions_db, 1))
    matcher = Matcher.open(Path(root), catalog)
    return cluster_questions(records.values(), catalog, matcher=matcher), records, matcher


def _next_number(policy: Policy, pages: list[FaqPage]) -> int:
    prefix = f"{policy.id.lower()}-faq-"
    used = [int(e.id[len(prefix):]) for p in pages for e in p.entries
            if e.id.startswith(prefix) and e.id[len(prefix):].isdigit()]
    return max(used, default=0) + 1


def answered(cluster: Cluster, entries: list[FaqEntry]) -> bool:
    """Does an existing entry (any status) already answer this cluster?"""
    for e in entries:
        if cluster.id in e.clusters or (cluster.clauses and e.clauses and e.clauses[0] == cluster.clauses[0]):
            return True
        if fuzz.ratio(re.sub(r"\W", "", cluster.representative), re.sub(r"\W", "", e.question)) >= SAME_QUESTION:
            return True
    return False


def request_for(cluster: Cluster, policy: Policy, catalog: Catalog, records: dict[str, object],
                near: AnswerResult | None) -> DraftRequest:
    """The clauses a drafter may cite: the cluster's clause, then the next best of the same policy."""
    keys = list(cluster.clauses)
    for key in (near.keys if near is not None else []):
        if key.split()[0] == policy.id and key not in keys and len(keys) < 3:
            keys.append(key)
    clauses = [catalog.get(k) for k in keys]
    return DraftRequest(cluster_id=cluster.id, policy=policy.id, language=policy.language,
                        representative=cluster.representative, samples=samples(cluster, records, 20),
                        clauses=[ClauseText(key=c.key, title=c.title, text=c.text) for c in clauses if c])


def draft_faq(root: Path, policy_id: str, top: int = 50, drafter: str = "offline", min_askers: int = 2,
              catalog: Catalog | None = None, store: QuestionStore | None = None) -> DraftReport:
    """Append drafts for the top unanswered clusters of ``policy_id`` asked by at least
    ``min_askers`` people (one person's question is not yet a FAQ); returns what was done."""
    root = Path(root)
    catalog = catalog or Catalog.load(root)
    policy = catalog.require(policy_id)
    path = page_path(root, catalog, policy)
    from .entries import read_all

    pages = read_all(root, catalog)
    page = read_page(path, root) if path.exists() else FaqPage(path=path.relative_to(root).as_posix())
    all_entries = [e for p in pages for e in p.entries]
    report = DraftReport(policy=policy.id, page=page.path, live_before=len(page.live))
    clusters, records, matcher = load_clusters(root, catalog, store)
    report.gaps = find_gaps(clusters, records, policy.id, matcher)
    need = top - len(page.live)
    todo = [c for c in clusters if c.covered and c.policy == policy.id and c.askers >= min_askers
            and not answered(c, all_entries)][:max(need, 0)]
    if not todo:
        return report
    near = nearest_many(matcher, todo)
    requests = [request_for(c, policy, catalog, records, near.get(c.id)) for c in todo]
    if drafter == "openai":
        from .llm import LlmDrafter

        drafts = LlmDrafter(catalog.settings.llm, root).draft_many(requests)
    else:
        drafts = [draft_offline(r) for r in requests]
    number = _next_number(policy, pages)
    new: list[FaqEntry] = []
    for cluster, request, draft in zip(todo, requests, drafts):
        entry = _entry(f"{policy.id.lower()}-faq-{number}", cluster, draft, catalog)
        number += 1
        if draft.note:
            report.problems.append(problem(Code.FAQ_LLM_FALLBACK, f"{entry.id}: {draft.note}", page.path, 1))
        if entry.unsupported:
            report.flagged.append(entry.id)
        report.samples[entry.id] = request.samples[:3]
        new.append(entry)
    append_entries(path, policy, new)
    fresh = read_page(path, root)
    report.added = [fresh.get(e.id) or e for e in new]
    return report


def _entry(entry_id: str, cluster: Cluster, draft: Draft, catalog: Catalog) -> FaqEntry:
    sources = [c.text + "\n" + (c.title or "") for c in (catalog.get(k) for k in draft.clauses) if c]
    return FaqEntry(id=entry_id, question=draft.question, clauses=draft.clauses, status="draft",
                    asked=cluster.size, askers=cluster.askers, clusters=[cluster.id], drafter=draft.drafter,
                    unsupported=unsupported_figures(draft.answer, sources), answer=draft.answer,
                    questions=list(cluster.question_ids))   # ids only: reviewers fix membership, counts follow
