"""``policy faq propose``: put the FAQ change up for review as a git branch and a PR description.

gitpython on the policy repository: refuses when other files have uncommitted changes (the
commit must hold the FAQ page only) or when the branch exists; creates ``faq/<policy>-<date>``
from HEAD, commits the page there (with ``faq/labels.jsonl`` when it changed: labels are reviewed in
the same pull request) and writes a Markdown description — new entries, their status and clauses,
how many asked, their member questions (id, source id, scrubbed text, from the question store),
and the gap report. ``push``
pushes the branch to the configured remote. The working tree stays on the new branch.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, Field

from ..cache import CACHE_DIR
from ..catalog import Catalog
from ..errors import Code, PolicyToolError, problem
from ..faqpage import FaqEntry, page_path, page_title, parse_page, read_page
from ..history.releases import open_repo
from ..markdown import escape_text
from ..questions.labels import labels_path
from .claims import Claim, entry_claims
from .draft import load_clusters
from .gaps import Gap, find_gaps, gaps_markdown, samples
from .review import EntryView, Questions, entry_view

MEMBERS_SHOWN = 20  # member questions listed per entry in a description ('policy faq show' lists all)


class Proposal(BaseModel):
    policy: str
    branch: str
    commit: str
    page: str
    new: list[FaqEntry] = Field(default_factory=list)
    gaps: list[Gap] = Field(default_factory=list)
    description: str = ""
    pushed: bool = False


def _ignorable(rel: str, catalog: Catalog, prefix: str) -> bool:
    """Local state that is never part of a proposal: the question store and the LLM cache."""
    db = (prefix + catalog.settings.questions_db).lstrip("/")
    return rel.startswith((db, prefix + CACHE_DIR + "/", prefix + "_build/"))


def propose(
    root: Path,
    policy_id: str,
    push: bool = False,
    remote: str = "origin",
    branch: str | None = None,
    today: dt.date | None = None,
    catalog: Catalog | None = None,
) -> Proposal:
    """Commit the policy's FAQ page on a new branch and describe the change for review."""
    root = Path(root).resolve()
    catalog = catalog or Catalog.load(root)
    policy = catalog.require(policy_id)
    with open_repo(root) as (repo, prefix):
        work = Path(repo.working_tree_dir or root).resolve()  # open_repo refuses bare repositories
        prefix = f"{prefix}/" if prefix else ""
        path = page_path(root, catalog, policy)
        rel = path.relative_to(work).as_posix()
        head_ok = repo.head.is_valid()
        changed = {d.a_path for d in repo.index.diff(None) if d.a_path}
        if head_ok:
            changed |= {d.a_path for d in repo.index.diff("HEAD") if d.a_path}
        untracked = set(repo.untracked_files)
        labels_rel = labels_path(root, catalog.settings).resolve().relative_to(work).as_posix()
        others = sorted(p for p in (changed | untracked) - {rel, labels_rel} if not _ignorable(p, catalog, prefix))
        if others:
            shown = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
            raise PolicyToolError(problem(Code.FAQ_DIRTY_TREE, f"uncommitted changes besides {rel}: {shown}", path, 1))
        if rel not in changed | untracked:
            raise PolicyToolError(problem(Code.FAQ_NOTHING_TO_PROPOSE, f"{rel} has no uncommitted changes", path, 1))
        name = branch or f"faq/{policy.id.lower()}-{(today or dt.date.today()).isoformat()}"
        if name in [h.name for h in repo.heads]:
            raise PolicyToolError(problem(Code.FAQ_BRANCH_EXISTS, f"branch {name!r} already exists", path, 1))
        before = _committed_ids(repo, rel) if head_ok else set()
        page = read_page(path, root)
        new = [e for e in page.entries if e.id not in before]
        gaps, sample_map = _questions(root, catalog, policy.id, new)
        with Questions(root, catalog) as questions:
            members = {e.id: entry_view(e, questions) for e in new if e.questions}
        new_branch = repo.create_head(name)
        new_branch.checkout()
        repo.index.add([rel] + ([labels_rel] if labels_rel in changed | untracked else []))
        message = _message(policy.id, new, page_title(policy))
        commit = repo.index.commit(message)
        proposal = Proposal(policy=policy.id, branch=name, commit=commit.hexsha, page=rel, new=new, gaps=gaps)
        claims = {e.id: entry_claims(e.answer, e.clauses, catalog) for e in new if e.unsupported_claims}
        proposal.description = describe(proposal, policy.language, sample_map, members, claims)
        if push:
            try:
                repo.remote(remote).push(f"{name}:{name}")
            except Exception as exc:  # gitpython raises ValueError (no remote) or GitCommandError
                raise PolicyToolError(
                    problem(Code.FAQ_PUSH, f"push of {name} to {remote!r} failed: {exc}", path, 1)
                ) from exc
            proposal.pushed = True
        return proposal


def _committed_ids(repo, rel: str) -> set[str]:
    try:
        blob = repo.head.commit.tree / rel
    except KeyError:
        return set()
    return {e.id for e in parse_page(blob.data_stream.read().decode("utf-8")).entries}


def _questions(
    root: Path, catalog: Catalog, policy: str, new: list[FaqEntry]
) -> tuple[list[Gap], dict[str, list[str]]]:
    """The gap report and sample questions per new entry (empty when no questions are stored)."""
    try:
        clusters, records, matcher = load_clusters(root, catalog)
    except PolicyToolError:
        return [], {}
    by_id = {c.id: c for c in clusters}
    sample_map = {
        e.id: [s for cid in e.clusters if cid in by_id for s in samples(by_id[cid], records)][:3] for e in new
    }
    return find_gaps(clusters, records, policy, matcher), sample_map


def _message(policy: str, new: list[FaqEntry], title: str) -> str:
    lines = [f"faq({policy}): {len(new)} new entr{'y' if len(new) == 1 else 'ies'} for review", "", f"{title}:"]
    lines += [f"- {e.id} [{', '.join(e.clauses)}] {e.question}" for e in new]
    return "\n".join(lines) + "\n"


def describe(
    p: Proposal,
    language: str,
    sample_map: dict[str, list[str]],
    members: dict[str, EntryView] | None = None,
    claims: dict[str, list[Claim]] | None = None,
) -> str:
    """The pull-request description (Markdown). Every text from questions is escaped: it is shown,
    never interpreted (no mentions, links, images, HTML or table breaks)."""
    zh = language == "zh"
    out = [
        f"# {'FAQ 更新' if zh else 'FAQ update'}: {p.policy} ({len(p.new)} {'条新条目' if zh else 'new entries'})",
        "",
        (
            f"分支 `{p.branch}`，文件 `{p.page}`。请审核每条回答及其引用条款，通过后运行 "
            f"`policy faq approve ID --by 姓名`。"
            if zh
            else f"Branch `{p.branch}`, file `{p.page}`. Review each answer against its clauses, then run "
            f"`policy faq approve ID --by NAME`."
        ),
        "",
        f"## {'新条目' if zh else 'New entries'}",
        "",
    ]
    for e in p.new:
        asked = (
            f"{e.asked or 0} 次提问，{e.askers or 0} 人"
            if zh
            else f"asked {e.asked or 0} times by {e.askers or 0} people"
        )
        out.append(f"### `{e.id}` {escape_text(e.question)}")
        out.append("")
        out.append(f"- {'状态' if zh else 'Status'}: {escape_text(e.status)}")  # options are page text too
        out.append(f"- {'依据条款' if zh else 'Clauses'}: {escape_text(', '.join(e.clauses))}")
        out.append(f"- {asked}")
        if e.drafter:
            out.append(f"- {'起草' if zh else 'Drafted by'}: {escape_text(e.drafter)}")
        if e.unsupported:
            out.append(
                f"- ⚠ {'条款中找不到的数字' if zh else 'figures not found in the cited clauses'}: "
                f"{escape_text(', '.join(e.unsupported))}"
            )
        if e.unsupported_topic:
            out.append(
                f"- ⚠ {'问题问到、条款里没有的词' if zh else 'asked about, not in the cited clauses'}: "
                f"{escape_text(', '.join(e.unsupported_topic))} "
                f"{'（请确认条款答的是这个问题）' if zh else '(check the clauses answer this question)'}"
            )
        for c in (claims or {}).get(e.id, []):
            out.append(
                f"- ⚠ {'第' + str(c.number) + '句与条款原文不符' if zh else f'sentence {c.number} is not what the clause says'}"
                f" ({escape_text(c.reason)}):"
            )
            out.append(f"  > {escape_text(c.sentence, 300)}")
            out.append(f"  {'最接近的条款原文' if zh else 'nearest clause sentence'}:")
            out.append(f"  > {escape_text(c.nearest, 300) or '—'}")
        view = (members or {}).get(e.id)
        if view is not None:
            out += _members(view, zh)
        else:
            for s in sample_map.get(e.id, []):
                out.append(f"  > {escape_text(s, 200)}")
        out.append("")
    if members:
        out += [
            (
                "修正草稿：`policy faq review ID --drop QID… | --move QID… --to KEY|ID | --not-covered QID… | "
                "--not-a-question QID… | --clauses KEY… --by 姓名`（决定记入 `faq/labels.jsonl`）。"
                if zh
                else "Fix a draft: `policy faq review ID --drop QID… | --move QID… --to KEY|ID | --not-covered QID… | "
                "--not-a-question QID… | --clauses KEY… --by NAME` (decisions are saved in `faq/labels.jsonl`)."
            ),
            "",
        ]
    out += [
        f"## {'未覆盖的问题（制度未作规定）' if zh else 'Gaps: asked, but the policy does not say'}",
        "",
        gaps_markdown(p.gaps, language),
    ]
    return "\n".join(out).rstrip() + "\n"


def _members(view: EntryView, zh: bool) -> list[str]:
    """An entry's member questions: id, source id and scrubbed text, each escaped."""
    out = [f"- {'成员问题' if zh else 'Questions'} ({len(view.questions)}):"]
    for q in view.questions[:MEMBERS_SHOWN]:
        source = f" ({'来源' if zh else 'source'} {escape_text(q.source_id, 60)})" if q.source_id else ""
        text = (
            escape_text(q.text, 200)
            if q.text is not None
            else ("（本地问题库中没有）" if zh else "(not in this copy's question store)")
        )
        out.append(f"  - `{q.id.replace('`', '')[:40]}`{source} {text}")  # a code span: only ` matters
    hidden = len(view.questions) - MEMBERS_SHOWN
    if hidden > 0:
        out.append(f"  - {'另有' if zh else 'and'} {hidden} {'条，见' if zh else 'more:'} `policy faq show {view.id}`")
    return out
