"""Policy releases read from git: a release is a commit in which a policy's front-matter
``version`` changes; the commits after it that touch the file without a new version are its
amendments. Git already holds the history, so nothing else has to be stored.

The policy id in the front matter (not the file name) identifies a policy, so renamed files
keep their history. One ``git log`` per repository state, blobs read through gitpython's
persistent ``cat-file``; the timeline is cached per HEAD commit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Literal

import git
from pydantic import BaseModel, Field

from ..catalog import Catalog
from ..clauses import parse_policy_text
from ..config import Settings, load_settings
from ..errors import Code, PolicyToolError, Problem, problem
from ..frontmatter import read_front_matter
from ..markdown import parse
from ..models import Clause, Policy, PolicyMeta

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?^---[ \t]*$", re.S | re.M)
_SEP_RECORD, _SEP_FIELD = "\x1e", "\x1f"


class CommitInfo(BaseModel):
    """One commit that touched a policy file."""

    commit: str
    short: str
    author: str
    email: str
    date: dt.datetime
    message: str  # first line of the commit message
    path: str  # the policy file at that commit, relative to the root


class Release(CommitInfo):
    """A version of a policy, as committed; ``changes`` are later commits with the same version."""

    policy: str
    version: str
    title: str
    effective: dt.date
    tags: list[str] = Field(default_factory=list)
    changes: list[CommitInfo] = Field(default_factory=list)
    status: Literal["current", "superseded", "upcoming"] = "current"
    in_force_to: dt.date | None = None  # the day before the next release takes effect
    superseded_by: str | None = None  # that next release's version


class _Event(BaseModel):
    info: CommitInfo
    meta: PolicyMeta


class Timeline(BaseModel):
    """Every committed state of every policy, oldest first; what releases are computed from."""

    head: str
    events: dict[str, list[_Event]] = Field(default_factory=dict)
    problems: list[Problem] = Field(default_factory=list)


@contextmanager
def open_repo(root: Path) -> Iterator[tuple[git.Repo, str]]:
    """The git repository holding ``root`` and root's path inside it ("" at the top)."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise PolicyToolError(problem(Code.HISTORY_NO_GIT, f"{root} is not inside a git repository", root)) from exc
    try:
        top = Path(repo.working_tree_dir or root).resolve()
        prefix = Path(root).resolve().relative_to(top).as_posix()
        yield repo, "" if prefix == "." else prefix
    finally:
        repo.close()


def _read_meta(text: str, where: str) -> tuple[PolicyMeta | None, list[Problem]]:
    """Validate only the front matter (cheap: the body is not parsed)."""
    match = _FRONT_MATTER.match(text)
    return read_front_matter(parse(match[0] if match else ""), where)


def _blob_text(repo: git.Repo, commit: str, path: str) -> str | None:
    try:
        return (repo.commit(commit).tree / path).data_stream.read().decode("utf-8")
    except (KeyError, UnicodeDecodeError, ValueError):
        return None


_CACHE: dict[tuple[str, str, str], Timeline] = {}


def load_timeline(root: Path, settings: Settings | None = None) -> Timeline:
    """Read the history of every policy file under ``policies_dir`` (cached per HEAD)."""
    settings = settings or load_settings(root)
    with open_repo(root) as (repo, prefix):
        try:
            head = repo.head.commit.hexsha
        except ValueError:  # no commit yet
            return Timeline(head="")
        folder = str(PurePosixPath(prefix, settings.policies_dir)) if prefix else settings.policies_dir
        key = (str(repo.git_dir), head, folder)
        if key in _CACHE:
            return _CACHE[key]
        timeline = Timeline(head=head)
        owner: dict[str, str] = {}  # path -> policy id, to follow the file through later commits
        fmt = f"{_SEP_RECORD}%H{_SEP_FIELD}%an{_SEP_FIELD}%ae{_SEP_FIELD}%aI{_SEP_FIELD}%s"
        log = repo.git.log("--topo-order", "--reverse", "-M", "--name-status", f"--format={fmt}", "--", folder)
        for record in filter(None, log.split(_SEP_RECORD)):
            header, _, body = record.partition("\n")
            sha, author, email, date, subject = header.split(_SEP_FIELD)
            for line in filter(None, body.splitlines()):
                status, *paths = line.split("\t")
                path = paths[-1]
                if not path.endswith(".md") or PurePosixPath(path).name == "index.md" or status.startswith("D"):
                    owner.pop(path, None)
                    continue
                rel = path[len(prefix) + 1 :] if prefix else path
                text = _blob_text(repo, sha, path)
                meta, problems = _read_meta(text or "", f"{rel}@{sha[:7]}")
                if meta is None:
                    timeline.problems += [
                        problem(Code.HISTORY_BAD_VERSION, f"{p.code.value} {p.message}", p.file, p.line)
                        for p in problems
                    ]
                    continue
                owner[path] = meta.policy
                info = CommitInfo(
                    commit=sha,
                    short=sha[:7],
                    author=author,
                    email=email,
                    date=dt.datetime.fromisoformat(date),
                    message=subject,
                    path=rel,
                )
                timeline.events.setdefault(meta.policy, []).append(_Event(info=info, meta=meta))
        _CACHE[key] = timeline
        return timeline


def list_releases(
    root: Path, policy_id: str, today: dt.date | None = None, settings: Settings | None = None
) -> list[Release]:
    """The releases of one policy, oldest first, each with its later same-version commits and
    its status on ``today``: current, superseded (by which version, in force until when) or upcoming."""
    timeline = load_timeline(root, settings)
    policy_id = policy_id.upper()
    events = timeline.events.get(policy_id)
    if not events:
        raise PolicyToolError(
            problem(
                Code.HISTORY_NO_POLICY,
                f"no committed history for policy {policy_id}",
                (settings or load_settings(root)).policies_dir,
            )
        )
    with open_repo(root) as (repo, _):
        tags: dict[str, list[str]] = {}
        for tag in repo.tags:
            try:
                tags.setdefault(tag.commit.hexsha, []).append(tag.name)
            except ValueError:
                continue
    releases: list[Release] = []
    for event in events:
        meta = event.meta
        if releases and releases[-1].version == meta.version:
            releases[-1].changes.append(event.info)
            continue
        releases.append(
            Release(
                **event.info.model_dump(),
                policy=policy_id,
                version=meta.version,
                title=meta.title,
                effective=meta.effective,
                tags=sorted(tags.get(event.info.commit, [])),
            )
        )
    _set_status(releases, today or dt.date.today())
    return releases


def _set_status(releases: list[Release], today: dt.date) -> None:
    """Order by effective date (then commit order): each release is superseded by the next."""
    order = sorted(range(len(releases)), key=lambda i: (releases[i].effective, i))
    for pos, i in enumerate(order):
        release = releases[i]
        nxt = releases[order[pos + 1]] if pos + 1 < len(order) else None
        if nxt is not None:
            release.superseded_by = nxt.version
            release.in_force_to = nxt.effective - dt.timedelta(days=1)
        if release.effective > today:
            release.status = "upcoming"
        elif nxt is not None and nxt.effective <= today:
            release.status = "superseded"
        else:
            release.status = "current"


def find_release(releases: list[Release], ref: str) -> Release | None:
    """A release named by its version (``2.0`` or ``v2.0``); tags and commits are not versions."""
    for release in reversed(releases):
        if ref in (release.version, f"v{release.version}"):
            return release
    return None


def last_commit(release: Release) -> CommitInfo:
    """The commit holding the final text of a version: its last same-version amendment, if any."""
    return release.changes[-1] if release.changes else release


def release_in_force(releases: list[Release], day: dt.date) -> Release | None:
    """The release in force on ``day``: the latest effective date on or before it (later commit wins)."""
    candidates = [(r.effective, i) for i, r in enumerate(releases) if r.effective <= day]
    return releases[max(candidates)[1]] if candidates else None


def policy_at(root: Path, policy_id: str, ref: str, settings: Settings | None = None) -> Policy:
    """The policy at a release version (its final text, same-version amendments included), a tag
    or a commit (its exact text), or ``WORKTREE`` (the file on disk), parsed with :func:`tooling.clauses.parse_policy_text` exactly like the current one."""
    settings = settings or load_settings(root)
    policy_id = policy_id.upper()
    if ref.upper() == "WORKTREE":
        return _worktree_policy(root, policy_id, settings)
    releases = list_releases(root, policy_id, settings=settings)
    release = find_release(releases, ref)
    timeline = load_timeline(root, settings)
    with open_repo(root) as (repo, prefix):
        if release is not None:  # a version means its final text, amendments included
            final = last_commit(release)
            commit, paths = final.commit, [final.path]
        else:
            try:
                commit = repo.rev_parse(ref).hexsha
                repo.commit(commit)
            except (git.BadName, ValueError, git.BadObject) as exc:
                known = ", ".join(r.version for r in releases)
                raise PolicyToolError(
                    problem(
                        Code.HISTORY_UNKNOWN_REF,
                        f"{ref!r} is not a release of {policy_id} (releases: {known}), a tag or a commit",
                        releases[-1].path,
                    )
                ) from exc
            paths = list(dict.fromkeys(e.info.path for e in reversed(timeline.events[policy_id])))
        for rel in paths:
            full = f"{prefix}/{rel}" if prefix else rel
            text = _blob_text(repo, commit, full)
            if text is None:
                continue
            policy, problems = parse_policy_text(
                text, f"{rel}@{commit[:7]}", str(PurePosixPath(rel).with_suffix("")), settings.language
            )
            if policy is not None and policy.id == policy_id:
                return policy
    raise PolicyToolError(problem(Code.HISTORY_NO_POLICY, f"policy {policy_id} does not exist at {ref}", root))


def _worktree_policy(root: Path, policy_id: str, settings: Settings) -> Policy:
    policy = Catalog.load(root, settings).policy(policy_id)
    if policy is None:
        raise PolicyToolError(problem(Code.HISTORY_NO_POLICY, f"no policy {policy_id} under {root}", root))
    return policy


def policies_at(root: Path, day: dt.date, settings: Settings | None = None) -> list[Policy]:
    """Every policy as in force on ``day`` (policies with no release effective by then are left out)."""
    settings = settings or load_settings(root)
    timeline = load_timeline(root, settings)
    result = []
    for policy_id in sorted(timeline.events):
        release = release_in_force(list_releases(root, policy_id, today=day, settings=settings), day)
        if release is not None:
            result.append(policy_at(root, policy_id, last_commit(release).commit, settings))
    return result


def clauses_at(root: Path, day: dt.date, settings: Settings | None = None) -> list[Clause]:
    """The clauses in force on ``day`` (for ``policy clauses --at DATE``); each carries its version."""
    return [clause for policy in policies_at(root, day, settings) for clause in policy.clauses]
