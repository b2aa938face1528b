"""Clause-level diff between two versions of a policy.

Clauses are matched across versions first by an explicit author id (a MyST target
``(some-id)=`` before the clause, kept in ``Clause.aliases``), then by an optimal assignment
(scipy) over text similarity (rapidfuzz) with a small bonus for keeping the same number. So an
inserted clause is one addition plus renumberings, not "every later clause changed".

A clause is compared on its *own* text (its title and the text before its first sub-clause);
sub-clauses are compared on their own, so a change in 4.2 is not also reported on 4.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field
from rapidfuzz import fuzz, process

from ..config import Settings
from ..models import Clause, Policy
from .redline import RedlineOp, redline
from .releases import policy_at

#: Pairs below this similarity (0..1) are not the same clause, unless they keep their number ...
MIN_SIMILARITY = 0.55
#: ... in which case this lower bar applies, or none if the title is kept too (rewritten in place).
MIN_SIMILARITY_SAME_NUMBER = 0.4
#: Tie-breaker towards keeping numbers; small so that real moves still win.
SAME_NUMBER_BONUS = 0.1


class AddedClause(BaseModel):
    new: str
    key: str
    title: str | None = None
    text: str


class RemovedClause(BaseModel):
    old: str
    key: str
    title: str | None = None
    text: str


class ChangedClause(BaseModel):
    old: str
    new: str
    title: str | None = None
    redline: list[RedlineOp]
    old_text: str
    new_text: str


class RenumberedClause(BaseModel):
    old: str
    new: str
    changed: bool
    title: str | None = None


class ClauseDiff(BaseModel):
    """What changed between two versions of one policy, clause by clause."""

    policy: str
    old_version: str
    new_version: str
    added: list[AddedClause] = Field(default_factory=list)
    removed: list[RemovedClause] = Field(default_factory=list)
    changed: list[ChangedClause] = Field(default_factory=list)
    renumbered: list[RenumberedClause] = Field(default_factory=list)
    unchanged: int = 0
    matches: dict[str, str] = Field(default_factory=dict)  # old number -> new number

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.renumbered)


def own_text(clause: Clause, children: list[Clause]) -> str:
    """The clause's text before its first sub-clause (its own words, without its children)."""
    text = clause.text
    for child in children:
        if child.text and (pos := text.find(child.text)) >= 0:
            # drop the sub-clause's heading / label line that precedes its text
            head = text[:pos].removesuffix("\n")
            return head[: head.rfind("\n")] if "\n" in head else ""
    return text


def comparable_text(text: str) -> str:
    """NFKC, whitespace collapsed: re-wrapping or full/half-width variants are not changes."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def _own_texts(policy: Policy) -> dict[str, str]:
    children: dict[str, list[Clause]] = {}
    for clause in policy.clauses:
        if clause.parent:
            children.setdefault(clause.parent, []).append(clause)
    return {
        c.number: "\n".join(filter(None, [c.title or "", own_text(c, children.get(c.key, []))])) for c in policy.clauses
    }


def match_clauses(
    old: list[Clause], new: list[Clause], old_text: dict[str, str], new_text: dict[str, str]
) -> dict[str, str]:
    """Old number -> new number for clauses that are the same clause in both versions."""
    pairs: dict[str, str] = {}
    by_alias = {alias: c.number for c in new for alias in c.aliases}
    for clause in old:
        hits = [by_alias[a] for a in clause.aliases if a in by_alias]
        if hits and hits[0] not in pairs.values():
            pairs[clause.number] = hits[0]
    rest_old = [c for c in old if c.number not in pairs]
    taken = set(pairs.values())
    rest_new = [c for c in new if c.number not in taken]
    if not rest_old or not rest_new:
        return pairs
    sim = (
        process.cdist(
            [comparable_text(old_text[c.number]) for c in rest_old],
            [comparable_text(new_text[c.number]) for c in rest_new],
            scorer=fuzz.ratio,
            dtype=np.float32,
        )
        / 100.0
    )
    same_number = np.array([[a.number == b.number for b in rest_new] for a in rest_old])
    same_shape = np.array([[a.kind == b.kind and a.level == b.level for b in rest_new] for a in rest_old])
    same_title = np.array([[bool(a.title) and a.title == b.title for b in rest_new] for a in rest_old])
    keeps_place = same_number & ((sim >= MIN_SIMILARITY_SAME_NUMBER) | same_title)  # rewritten in place
    admissible = same_shape & ((sim >= MIN_SIMILARITY) | keeps_place)
    score = np.where(admissible, sim + SAME_NUMBER_BONUS * same_number, 0.0)
    from scipy.optimize import linear_sum_assignment  # imported when a diff needs it (0.4 s)

    rows, cols = linear_sum_assignment(score, maximize=True)
    for i, j in zip(rows, cols):
        if admissible[i, j]:
            pairs[rest_old[i].number] = rest_new[j].number
    return pairs


def diff_policies(old: Policy, new: Policy) -> ClauseDiff:
    """Added, removed, changed (with a redline) and renumbered clauses from ``old`` to ``new``."""
    old_text, new_text = _own_texts(old), _own_texts(new)
    pairs = match_clauses(old.clauses, new.clauses, old_text, new_text)
    result = ClauseDiff(policy=new.id, old_version=old.meta.version, new_version=new.meta.version, matches=pairs)
    new_by_number = {c.number: c for c in new.clauses}
    for clause in old.clauses:
        if clause.number not in pairs:
            result.removed.append(
                RemovedClause(old=clause.number, key=clause.key, title=clause.title, text=clause.text)
            )
            continue
        after = new_by_number[pairs[clause.number]]
        before_text, after_text = old_text[clause.number], new_text[after.number]
        changed = comparable_text(before_text) != comparable_text(after_text)
        if changed:
            result.changed.append(
                ChangedClause(
                    old=clause.number,
                    new=after.number,
                    title=after.title,
                    redline=redline(before_text, after_text),
                    old_text=before_text,
                    new_text=after_text,
                )
            )
        if clause.number != after.number:
            result.renumbered.append(
                RenumberedClause(old=clause.number, new=after.number, changed=changed, title=after.title)
            )
        if not changed and clause.number == after.number:
            result.unchanged += 1
    matched_new = set(pairs.values())
    result.added = [
        AddedClause(new=c.number, key=c.key, title=c.title, text=c.text)
        for c in new.clauses
        if c.number not in matched_new
    ]
    return result


def diff_refs(root: Path, policy_id: str, old_ref: str, new_ref: str, settings: Settings | None = None) -> ClauseDiff:
    """Diff two committed versions (release versions, tags, commits or ``WORKTREE``)."""
    return diff_policies(policy_at(root, policy_id, old_ref, settings), policy_at(root, policy_id, new_ref, settings))
