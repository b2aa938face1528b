"""``policy faq approve`` / ``retire``: status changes edited in place, for reviewers who prefer
a command to editing Markdown. Only the entry's option lines change.

Approval re-runs grounding on the answer as it stands (the reviewer may have edited it), records
the reviewer and date, and stamps each cited clause's version and text hash (the
``:clause-hashes:`` format of :mod:`tooling.history.stale`) so a later clause change shows the
answer as stale. The questions the entry keeps (``:questions:``) become labels of the entry in
``faq/labels.jsonl`` (a question text that already has its own label keeps it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, Field

from ..catalog import Catalog
from ..errors import Code, PolicyToolError, Problem, problem
from ..faqpage import FaqEntry, find_entry, read_page, read_text, set_options, write_text
from ..history.stale import HASH_OPTION, format_stamps
from ..matching.grounding import unsupported_figures
from ..questions.labels import LabelChange
from .checks import too_long
from .claims import clause_source, unsupported_claims
from .review import label_members
from .topic import topic_index


class Approval(BaseModel):
    """An approved entry and the labels its questions became."""

    entry: FaqEntry
    labels: LabelChange
    problems: list[Problem] = Field(default_factory=list)  # warnings: questions this copy cannot label


def approve(
    root: Path, entry_id: str, by: str, on: dt.date | None = None, force: bool = False, catalog: Catalog | None = None
) -> FaqEntry:
    """Mark an entry approved by ``by``; refuses retired entries and ungrounded answers (unless forced)."""
    return approve_entry(root, entry_id, by, on, force, catalog).entry


def approve_entry(
    root: Path, entry_id: str, by: str, on: dt.date | None = None, force: bool = False, catalog: Catalog | None = None
) -> Approval:
    """:func:`approve`, reporting the labels written for the entry's questions."""
    root = Path(root)
    catalog = catalog or Catalog.load(root)
    path, page, entry = find_entry(root, catalog, entry_id)
    if not by.strip():
        raise PolicyToolError(
            problem(Code.FAQ_NO_REVIEWER, f"approving {entry_id} needs a reviewer name (--by)", page.path, entry.line)
        )
    if entry.status == "retired":
        raise PolicyToolError(
            problem(
                Code.FAQ_TRANSITION,
                f"{entry_id} is retired; retired ids are never reused — draft a new entry instead",
                page.path,
                entry.option_line("status"),
            )
        )
    overlong = too_long(entry)  # a 5 MB answer is never approved, --force or not
    if overlong:
        raise PolicyToolError(overlong)
    clauses = []
    for key in entry.clauses:
        clause = catalog.resolve(key, page.path, entry.option_line("clauses"))
        if isinstance(clause, Problem):
            raise PolicyToolError(
                problem(
                    Code.FAQ_UNKNOWN_CLAUSE, f"{entry_id}: {clause.message}", page.path, entry.option_line("clauses")
                )
            )
        clauses.append(clause)
    if not clauses:
        raise PolicyToolError(
            problem(Code.FAQ_UNKNOWN_CLAUSE, f"{entry_id} cites no clause", page.path, entry.option_line("clauses"))
        )
    sources = [clause_source(c) for c in clauses]
    missing = unsupported_figures(entry.answer, sources)
    if missing and not force:
        raise PolicyToolError(
            problem(
                Code.FAQ_UNGROUNDED,
                f"{entry_id}: {', '.join(missing)} not found in {', '.join(c.key for c in clauses)}",
                page.path,
                entry.line,
            )
        )
    off_topic = topic_index(catalog, clauses[0].policy).missing(entry.question, [c.key for c in clauses])
    if entry.unsupported_topic and off_topic and not force:  # removing the flag line is the reviewer's "yes"
        raise PolicyToolError(
            problem(
                Code.FAQ_OFF_TOPIC,
                f"{entry_id}: the question asks about {', '.join(off_topic)}, "
                f"which the cited clauses ({', '.join(c.key for c in clauses)}) do not mention",
                page.path,
                entry.option_line("unsupported-topic"),
            )
        )
    claims = unsupported_claims(entry.answer, sources)
    if entry.unsupported_claims and claims and not force:  # as for the topic: removing the line confirms
        first = claims[0]
        raise PolicyToolError(
            problem(
                Code.FAQ_UNSUPPORTED_CLAIM,
                f"{entry_id}: sentence {first.number} "
                f"({first.sentence[:60]}) is not what its nearest clause sentence says "
                f"({first.nearest[:60]}): {first.reason}",
                page.path,
                entry.option_line("unsupported-claims"),
            )
        )
    on = on or dt.date.today()
    updates: dict[str, str | None] = {
        "status": "approved",
        "reviewed-by": " ".join(by.split()),
        "reviewed-on": on.isoformat(),
        HASH_OPTION: format_stamps(clauses),
        "unsupported": None,
        "unsupported-topic": None,
        "unsupported-claims": None,
    }
    approved = _apply(path, root, entry, updates)
    labels, problems = label_members(root, approved, by, on, catalog)
    return Approval(entry=approved, labels=labels, problems=problems)


def retire(root: Path, entry_id: str, catalog: Catalog | None = None) -> FaqEntry:
    """Mark an entry retired: it leaves the site, its id stays taken."""
    root = Path(root)
    catalog = catalog or Catalog.load(root)
    path, _, entry = find_entry(root, catalog, entry_id)
    return _apply(path, root, entry, {"status": "retired"})


def _apply(path: Path, root: Path, entry: FaqEntry, updates: dict[str, str | None]) -> FaqEntry:
    source = read_text(path)
    write_text(path, set_options(source, entry, updates))
    changed = read_page(path, root).get(entry.id)
    assert changed is not None
    return changed
