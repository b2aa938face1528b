"""FAQ staleness: an approved answer remembers what each cited clause said when it was reviewed.

At approval the FAQ tool writes one option into the entry::

    ```{faq}
    :id: 17
    :clauses: SALES 4.2, TRAVEL 6.1
    :status: approved
    :clause-hashes: SALES@3.0 4.2=9f2c1e0b7a41, TRAVEL@2.1 6.1=03be77c2d918
    ```

Each stamp is ``POLICY@VERSION NUMBER=HASH`` (a versioned citation key, then
:func:`clause_hash` of the clause's text); :func:`format_stamps` writes it. Later, an entry
is stale when a cited clause's hash differs from today's clause (changed), the clause is gone
(removed), or its number now holds another clause's text (renumbered). The clause diff
between the stamped version and today tells which.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ..catalog import Catalog
from ..citations import KeySyntaxError, parse_key
from ..errors import Code, PolicyToolError, Problem, problem
from ..faqpage import FaqPage, read_pages, split_list
from ..models import Clause, Policy
from .diff import ClauseDiff, comparable_text, diff_policies
from .redline import RedlineOp, redline
from .releases import policy_at

HASH_OPTION = "clause-hashes"
HASH_LENGTH = 12


def clause_hash(clause: Clause) -> str:
    """Short sha256 of the clause's title and text, NFKC-normalised with whitespace collapsed,
    so re-wrapping a paragraph or full-width/half-width variants do not make answers stale."""
    text = comparable_text(f"{clause.title or ''}\n{clause.text}")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_LENGTH]


class ClauseStamp(BaseModel):
    """What a cited clause was at approval: ``SALES@3.0 4.2=9f2c1e0b7a41``."""

    policy: str
    number: str
    version: str
    hash: str

    @property
    def key(self) -> str:
        return f"{self.policy} {self.number}"

    def __str__(self) -> str:
        return f"{self.policy}@{self.version} {self.number}={self.hash}"


def stamp(clause: Clause) -> ClauseStamp:
    return ClauseStamp(policy=clause.policy, number=clause.number, version=clause.version, hash=clause_hash(clause))


def format_stamps(clauses: list[Clause]) -> str:
    """The ``:clause-hashes:`` option value for the clauses an entry cites, in citation order."""
    return ", ".join(str(stamp(c)) for c in clauses)


def parse_stamps(value: str, file: str | Path | None = None, line: int | None = None) -> list[ClauseStamp]:
    """Read a ``:clause-hashes:`` value; a malformed stamp raises a PL905 problem at file:line."""
    stamps = []
    for part in split_list(value):
        key, eq, digest = part.rpartition("=")
        try:
            parsed = parse_key(key) if eq else None
        except KeySyntaxError:
            parsed = None
        if parsed is None or not parsed.version or not re.fullmatch(r"[0-9a-f]{6,64}", digest):
            raise PolicyToolError(problem(Code.CLAUSE_HASHES_FORMAT, f"bad clause stamp {part!r}", file, line))
        stamps.append(ClauseStamp(policy=parsed.policy, number=parsed.number, version=parsed.version, hash=digest))
    return stamps


class StaleClause(BaseModel):
    """A cited clause that is no longer what the reviewer approved."""

    key: str  # as stamped, e.g. "SALES 4.2"
    version: str  # the version stamped at approval
    reason: Literal["changed", "removed", "renumbered"]
    current: str | None = None  # today's key of the same clause (None if removed)
    redline: list[RedlineOp] = Field(default_factory=list)


class StaleEntry(BaseModel):
    id: str
    file: str
    line: int
    clauses: list[StaleClause]


def find_stale(
    root: Path, catalog: Catalog | None = None, pages: list[FaqPage] | None = None
) -> tuple[list[StaleEntry], list[Problem]]:
    """Approved FAQ entries whose cited clauses changed, vanished or were renumbered since approval
    (``pages``: already read FAQ pages; their read problems are then the caller's to report). A
    malformed ``:clause-hashes:`` value is a problem on any entry."""
    catalog = catalog or Catalog.load(root)
    pages, problems = (pages, []) if pages is not None else read_pages(root, catalog)
    diffs: dict[tuple[str, str], tuple[Policy, ClauseDiff] | None] = {}
    entries = []
    for page in pages:
        for entry in page.entries:
            stamps_line = entry.option_lines.get(HASH_OPTION)
            try:
                stamps = parse_stamps(entry.clause_hashes or "", page.path, stamps_line)
            except PolicyToolError as exc:
                problems += exc.problems
                continue
            if entry.status != "approved":
                continue
            stale = [s for s in (_check(root, catalog, st, diffs) for st in stamps) if s is not None]
            if stale:
                entries.append(
                    StaleEntry(id=entry.id or "?", file=page.path, line=stamps_line or entry.line, clauses=stale)
                )
    return entries, problems


def _check(
    root: Path, catalog: Catalog, st: ClauseStamp, diffs: dict[tuple[str, str], tuple[Policy, ClauseDiff] | None]
) -> StaleClause | None:
    current_policy = catalog.policy(st.policy)
    now = current_policy.clause(st.number) if current_policy else None
    if now is not None and clause_hash(now) == st.hash:
        return None
    if current_policy is None:
        return StaleClause(key=st.key, version=st.version, reason="removed")
    if (st.policy, st.version) not in diffs:
        try:
            old_policy = policy_at(root, st.policy, st.version, catalog.settings)
            diffs[(st.policy, st.version)] = old_policy, diff_policies(old_policy, current_policy)
        except PolicyToolError:  # no git history for that version: judge by number only
            diffs[(st.policy, st.version)] = None
    found = diffs[(st.policy, st.version)]
    if found is None:
        return StaleClause(
            key=st.key, version=st.version, reason="changed" if now else "removed", current=now.key if now else None
        )
    old_policy, diff = found
    new_number = diff.matches.get(st.number)
    before, after = old_policy.clause(st.number), current_policy.clause(new_number or "")
    if before is None or after is None:
        return StaleClause(key=st.key, version=st.version, reason="removed")
    lines = redline(before.text, after.text) if clause_hash(before) != clause_hash(after) else []
    reason: Literal["changed", "removed", "renumbered"] = "renumbered" if after.number != st.number else "changed"
    return StaleClause(key=st.key, version=st.version, reason=reason, current=after.key, redline=lines)


def stale_problems(root: Path, catalog: Catalog | None = None, pages: list[FaqPage] | None = None) -> list[Problem]:
    """For ``policy check``: a PL405 warning per stale entry; PL906 (error) where a renumbering
    makes the entry's citation point to a different clause's text under the same number."""
    entries, problems = find_stale(root, catalog, pages)
    for entry in entries:
        for sc in entry.clauses:
            if sc.reason == "renumbered":
                problems.append(
                    problem(
                        Code.CITATION_RENUMBERED,
                        f"FAQ {entry.id} cites {sc.key} (as of {sc.version}); that clause is now {sc.current}",
                        entry.file,
                        entry.line,
                    )
                )
            else:
                problems.append(
                    problem(
                        Code.FAQ_STALE,
                        f"FAQ {entry.id}: {sc.key} {sc.reason} since version {sc.version} was reviewed",
                        entry.file,
                        entry.line,
                    )
                )
    return problems
