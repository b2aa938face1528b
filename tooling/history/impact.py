"""Where renumbered clauses are cited, and what a versioned citation (``SALES@2.0 4.2``) means.

When a release renumbers clauses, every ``{clause}`` role in a site page and every FAQ
``:clauses:`` option that names an old number is a place a person must look at: the number
may now hold another clause's text. Versioned citations are resolved against the release.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from ..catalog import site_pages
from ..citations import KeySyntaxError, parse_key
from ..config import Settings, load_settings
from ..errors import Code, PolicyToolError, Problem, problem
from ..faqpage import parse_page
from ..markdown import clause_citations, roles
from ..models import Clause, Policy
from .diff import ClauseDiff
from .releases import policy_at


class CitationUpdate(BaseModel):
    """A citation of a renumbered clause: where it is and what the clause is numbered now."""

    file: str
    line: int
    cited: str  # the key as written, normalised ("SALES 4.2")
    now: str  # the same clause's key in the new version ("SALES 4.3")

    def as_problem(self) -> Problem:
        return problem(
            Code.CITATION_RENUMBERED, f"{self.cited} is cited here; that clause is now {self.now}", self.file, self.line
        )


def _citations(root: Path, settings: Settings) -> list[tuple[str, int, str]]:
    """(file, line, key) of every ``{clause}`` role and FAQ ``:clauses:`` key in the site's pages."""
    found: list[tuple[str, int, str]] = []
    for path in site_pages(root, settings):
        rel = path.relative_to(root).as_posix()
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # unreadable pages are reported by `policy check`
        keys = [(c.line, c.target) for c in clause_citations(roles(source))]
        for entry in parse_page(source, rel).entries:  # FAQ entries cite in :clauses: too
            keys += [(entry.option_lines.get("clauses", entry.line), key) for key in entry.clauses]
        for line, text in keys:
            try:
                parsed = parse_key(text)
            except KeySyntaxError:
                continue
            if parsed.version is None:  # a versioned citation keeps meaning what it meant
                found.append((rel, line, parsed.key))
    return found


def renumbered_citations(root: Path, diff: ClauseDiff, settings: Settings | None = None) -> list[CitationUpdate]:
    """Places in policies and FAQ pages that cite a clause the diff renumbered."""
    settings = settings or load_settings(root)
    moved = {f"{diff.policy} {r.old}": f"{diff.policy} {r.new}" for r in diff.renumbered}
    return [
        CitationUpdate(file=file, line=line, cited=key, now=moved[key])
        for file, line, key in _citations(root, settings)
        if key in moved
    ]


def resolve_versioned(
    root: Path, key: str, settings: Settings | None = None, releases: dict[tuple[str, str], Policy] | None = None
) -> Clause:
    """The clause a versioned key (``SALES@2.0 4.2``) names, as it read in that release.

    ``releases`` keeps each release read from git, so a page citing one release many times
    reads it once (``Catalog`` passes its own)."""
    parsed = parse_key(key)
    if parsed.version is None:
        raise PolicyToolError(problem(Code.CITATION_SYNTAX, f"{key!r} names no version (write SALES@2.0 4.2)"))
    releases = {} if releases is None else releases
    if (parsed.policy, parsed.version) not in releases:
        releases[(parsed.policy, parsed.version)] = policy_at(root, parsed.policy, parsed.version, settings)
    policy = releases[(parsed.policy, parsed.version)]
    clause = policy.clause(parsed.number)
    if clause is None:
        raise PolicyToolError(
            problem(
                Code.CITATION_UNKNOWN, f"{parsed.policy} {parsed.version} has no clause {parsed.number}", policy.path
            )
        )
    return clause
