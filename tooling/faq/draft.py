"""``policy faq draft``: add drafts for the most-asked question groups no entry answers yet.

Existing entries — and every human edit in them — are never changed or reordered: new entries
are appended until the page holds ``top`` live (draft or approved) entries. A cluster counts as
answered when an entry (any status: a retired id or topic stays retired) lists its cluster id,
cites its clause first, or asks nearly the same question; so a re-run with no new questions
adds nothing. Every drafted answer, whatever drafted it, goes through the grounding check.

One exception, so that "re-run to redraft" works: with ``--drafter openai``, an offline draft
written because the LLM failed is redrafted in place (same id) — but only while it is exactly as
the tool wrote it: still a draft, and with the fingerprint recorded when it was written
(``.policy-cache/faq/<page>.written.json``). An edited, approved or retired entry, or one with
no record, is never touched. The page is locked for the whole run (:mod:`.pagelock`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from ..catalog import Catalog
from ..errors import Code, PolicyToolError, Problem, problem
from ..faqpage import FaqEntry, FaqPage, append_entries, page_path, read_all, read_page
from ..matching.answer import AnswerResult, Matcher
from ..matching.cluster import Cluster, cluster_questions
from ..matching.extract import looks_up
from ..matching.grounding import unsupported_figures
from ..models import Policy
from ..questions.models import QuestionRecord
from ..questions.store import StoreBase, open_store, store_location
from .claims import claim_numbers, clause_source, unsupported_claims
from .gaps import Gap, find_gaps, nearest_many, samples
from .intents import intent, refine
from .models import FALLBACK_DRAFTER, ClauseText, Draft, DraftRequest
from .offline import draft_offline
from .pagelock import page_lock, state_path
from .topic import TopicIndex, topic_index

SAME_QUESTION = 90  # rapidfuzz ratio above which a cluster asks what an entry already answers


class DraftReport(BaseModel):
    """What a draft run did: entries added (with their clusters), gaps, problems."""

    policy: str
    page: str
    live_before: int
    added: list[FaqEntry] = Field(default_factory=list)
    redrafted: list[FaqEntry] = Field(default_factory=list)  # LLM fallbacks replaced by an LLM draft, same id
    flagged: list[str] = Field(default_factory=list)  # ids written with :unsupported: figures or topic
    gaps: list[Gap] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)
    samples: dict[str, list[str]] = Field(default_factory=dict)  # entry id -> scrubbed sample questions
    inbox: list[str] = Field(default_factory=list)  # question ids off topic for their group's clause: left unanswered


def load_clusters(
    root: Path, catalog: Catalog, store: StoreBase | None = None
) -> tuple[list[Cluster], dict[str, QuestionRecord], Matcher]:
    """All clusters of the root's question store, its records by id, and the matcher used."""
    own = store is None
    store = store or open_store(store_location(root, catalog.settings.questions_db))
    try:
        records = {r.id: r for r in store.iter_records()}
    finally:
        if own:
            store.close()
    if not records:
        raise PolicyToolError(
            problem(Code.FAQ_NO_QUESTIONS, "the question store holds no questions", store.location, 1)
        )
    matcher = Matcher.open(Path(root), catalog)
    return cluster_questions(records.values(), catalog, matcher=matcher), records, matcher


def _next_number(policy: Policy, pages: list[FaqPage]) -> int:
    prefix = f"{policy.id.lower()}-faq-"
    used = [
        int(e.id[len(prefix) :])
        for p in pages
        for e in p.entries
        if e.id.startswith(prefix) and e.id[len(prefix) :].isdigit()
    ]
    return max(used, default=0) + 1


def answered(cluster: Cluster, entries: list[FaqEntry]) -> bool:
    """Does an existing entry (any status) already answer this cluster?"""
    for e in entries:
        if cluster.id in e.clusters:
            return True
        if (
            cluster.clauses
            and e.clauses
            and e.clauses[0] == cluster.clauses[0]
            and intent(cluster.representative) == intent(e.question)
        ):  # a clause has an entry per intent
            return True
        if fuzz.ratio(re.sub(r"\W", "", cluster.representative), re.sub(r"\W", "", e.question)) >= SAME_QUESTION:
            return True
    return False


def request_for(
    cluster: Cluster,
    policy: Policy,
    catalog: Catalog,
    records: Mapping[str, QuestionRecord],
    near: AnswerResult | None,
    also: tuple[str, ...] = (),
) -> DraftRequest:
    """The clauses a drafter may cite: the cluster's clause (and ``also``, the clause the answer
    needs beside it), then the next best of the same policy."""
    keys = list(dict.fromkeys([*cluster.clauses, *also]))
    for key in near.keys if near is not None else []:
        if key.split()[0] == policy.id and key not in keys and len(keys) < 3:
            keys.append(key)
    clauses = [catalog.get(k) for k in keys]
    return DraftRequest(
        cluster_id=cluster.id,
        policy=policy.id,
        language=policy.language,
        representative=cluster.representative,
        samples=samples(cluster, records, 20),
        clauses=[ClauseText(key=c.key, title=c.title, text=c.text) for c in clauses if c],
    )


def fingerprint(entry: FaqEntry) -> str:
    """What a person could edit in an entry (question, every option, answer), hashed: equal to the
    recorded one means nobody changed the entry since the tool wrote it."""
    blob = json.dumps([entry.question, entry.options, entry.answer], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _written_path(root: Path, path: Path) -> Path:
    return state_path(root, path, ".written.json")


def written(root: Path, path: Path) -> dict[str, str]:
    """Entry id -> fingerprint of the entries ``draft`` wrote to the page (empty when unknown)."""
    try:
        data = json.loads(_written_path(root, path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _remember(root: Path, path: Path, entries: list[FaqEntry]) -> None:
    record = {**written(root, path), **{e.id: fingerprint(e) for e in entries}}
    target = _written_path(root, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".written.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(record, fh, ensure_ascii=False, indent=0, sort_keys=True)
    os.replace(tmp, target)


def redraftable(entry: FaqEntry, record: dict[str, str]) -> bool:
    """An LLM fallback exactly as ``draft`` wrote it: a later LLM run may replace it."""
    return (
        entry.status == "draft"
        and entry.drafter == FALLBACK_DRAFTER
        and bool(entry.id)
        and record.get(entry.id) == fingerprint(entry)
    )


def draft_faq(
    root: Path,
    policy_id: str,
    top: int = 50,
    drafter: str = "offline",
    min_askers: int = 2,
    catalog: Catalog | None = None,
    store: StoreBase | None = None,
) -> DraftReport:
    """Append drafts for the top unanswered clusters of ``policy_id`` asked by at least
    ``min_askers`` people (one person's question is not yet a FAQ); with ``drafter="openai"``,
    also redraft untouched LLM fallbacks. Returns what was done. Holds the page's lock
    throughout (PL810 when another run holds it)."""
    root = Path(root)
    catalog = catalog or Catalog.load(root)
    policy = catalog.require(policy_id)
    path = page_path(root, catalog, policy)
    with page_lock(root, path):
        return _draft(root, catalog, policy, path, top, drafter, min_askers, store)


def _draft(
    root: Path,
    catalog: Catalog,
    policy: Policy,
    path: Path,
    top: int,
    drafter: str,
    min_askers: int,
    store: StoreBase | None,
) -> DraftReport:
    pages = read_all(root, catalog)
    page = read_page(path, root) if path.exists() else FaqPage(path=path.relative_to(root).as_posix())
    record = written(root, path)
    redo = {e.id: e for e in page.entries if redraftable(e, record)} if drafter == "openai" else {}
    others = [e for p in pages for e in p.entries if not (p.path == page.path and e.id in redo)]
    report = DraftReport(policy=policy.id, page=page.path, live_before=len(page.live))
    clusters, records, matcher = load_clusters(root, catalog, store)
    report.gaps = find_gaps(clusters, records, policy.id, matcher)
    topics = topic_index(catalog, policy.id)
    refined = refine(clusters, records, {policy.id: topics}, topic_index(catalog))
    clusters, report.inbox = refined.clusters, refined.inbox
    need = max(top - len(page.live), 0)
    todo: list[tuple[Cluster, FaqEntry | None]] = []  # (cluster, the fallback it redrafts)
    for c in clusters:
        if not (c.covered and c.policy == policy.id and c.askers >= min_askers) or answered(c, others):
            continue
        target = next((e for e in redo.values() if answered(c, [e])), None)
        if target is not None:
            del redo[target.id]
        elif need <= 0:
            continue
        else:
            need -= 1
        todo.append((c, target))
    if not todo:
        return report
    near = nearest_many(matcher, [c for c, _ in todo])
    also = [_also(c, topics, catalog) for c, _ in todo]
    requests = [request_for(c, policy, catalog, records, near.get(c.id), extra) for (c, _), extra in zip(todo, also)]
    if drafter == "openai":
        from .llm import LlmDrafter  # the openai client loads only for --drafter openai

        drafts = LlmDrafter(catalog.settings.llm, root).draft_many(requests)
    else:
        drafts = [draft_offline(r, also=extra) for r, extra in zip(requests, also)]
    number = _next_number(policy, pages)
    new: list[FaqEntry] = []
    replaced: list[FaqEntry] = []
    for (cluster, target), request, draft in zip(todo, requests, drafts):
        if target is not None and draft.note:
            report.problems.append(
                problem(
                    Code.FAQ_LLM_FALLBACK,
                    f"{target.id}: {draft.note}; the entry was left as it was",
                    page.path,
                    target.line,
                )
            )
            continue
        # two intents, one quote: one entry, counts of both (offline only: a model's two answers
        # that happen to be equal are the reviewer's to merge)
        same = next(
            (e for e in new if e.clauses == draft.clauses and e.answer == draft.answer and draft.drafter == "offline"),
            None,
        )
        if target is None and same is not None:
            _absorb(same, cluster, records)
            continue
        if target is not None:
            entry = _entry(target.id, cluster, draft, catalog, topics)
            replaced.append(entry)
        else:
            entry = _entry(f"{policy.id.lower()}-faq-{number}", cluster, draft, catalog, topics)
            number += 1
            new.append(entry)
            if draft.note:
                report.problems.append(problem(Code.FAQ_LLM_FALLBACK, f"{entry.id}: {draft.note}", page.path, 1))
        report.samples[entry.id] = request.samples[:3]
    if path.exists() and replaced:  # re-check at write time: editors and approve do not take the lock
        current, record = read_page(path, root), written(root, path)
        replaced = [e for e in replaced if (was := current.get(e.id)) is not None and redraftable(was, record)]
    report.flagged = [e.id for e in [*new, *replaced] if e.unsupported or e.unsupported_topic or e.unsupported_claims]
    if not new and not replaced:
        return report
    append_entries(path, policy, new, replace=replaced)
    fresh = read_page(path, root)
    report.added = [fresh.get(e.id) or e for e in new]
    report.redrafted = [fresh.get(e.id) or e for e in replaced]
    _remember(root, path, report.added + report.redrafted)
    return report


def _also(cluster: Cluster, topics: TopicIndex, catalog: Catalog) -> tuple[str, ...]:
    """The clauses an entry cites besides its group's: the group's second clause, or the clause
    that answers the question together with it (:meth:`.TopicIndex.partner`) when the question
    is off topic for its clause alone, or when that clause says which row of the group clause's
    table is meant (a city's tier beside the rate table: :func:`.extract.looks_up`). Asked of
    every group, "a word another clause has" pairs most of them: on the dev set 14 of 66
    entries, nearly all wrongly, so it is not enough."""
    if len(cluster.clauses) > 1:
        return tuple(cluster.clauses[1:])
    if not cluster.clauses:
        return ()
    key, question = cluster.clauses[0], cluster.representative
    if topics.missing(question, [key]):
        partner = topics.partner(question, key)
    else:
        partner = topics.partner(
            question, key, lambda other: looks_up(question, _text(catalog, key), _text(catalog, other))
        )
    return (partner,) if partner else ()


def _absorb(entry: FaqEntry, cluster: Cluster, records: Mapping[str, QuestionRecord]) -> None:
    """Add a group's questions to an entry drafted in the same run with the very same answer."""
    entry.clusters.append(cluster.id)
    entry.questions += [q for q in cluster.question_ids if q not in entry.questions]
    entry.asked = len(entry.questions)
    entry.askers = len({getattr(records.get(q), "asker", None) or q for q in entry.questions})


def _entry(entry_id: str, cluster: Cluster, draft: Draft, catalog: Catalog, topics: TopicIndex) -> FaqEntry:
    sources = [clause_source(c) for c in (catalog.get(k) for k in draft.clauses) if c]
    return FaqEntry(
        id=entry_id,
        question=draft.question,
        clauses=draft.clauses,
        status="draft",
        asked=cluster.size,
        askers=cluster.askers,
        clusters=[cluster.id],
        drafter=draft.drafter,
        unsupported=unsupported_figures(draft.answer, sources),
        unsupported_topic=topics.missing(draft.question, draft.clauses),
        unsupported_claims=claim_numbers(unsupported_claims(draft.answer, sources)),
        answer=draft.answer,
        questions=list(cluster.question_ids),
    )  # ids only: reviewers fix membership, counts follow


def _text(catalog: Catalog, key: str) -> str:
    clause = catalog.get(key)
    return clause.text if clause is not None else ""
