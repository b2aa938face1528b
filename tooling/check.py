"""``policy check``: every problem in a repository, collected from one catalogue of codes."""

from __future__ import annotations

from pathlib import Path

from .catalog import Catalog
from .errors import Code, PolicyToolError, Problem
from .faq.checks import check_faq


def check_repository(root: Path, catalog: Catalog | None = None) -> list[Problem]:
    """Front matter, clause numbering, anchors and citations of every page of the site, FAQ
    entries, and (in a git repository) FAQ answers whose clauses changed since review."""
    catalog = catalog or Catalog.load(root)
    problems = list(catalog.problems) + catalog.check_citations() + check_faq(catalog)
    problems += _stale(root, catalog)
    return sorted(problems, key=lambda p: (p.file or "", p.line or 0))


def _stale(root: Path, catalog: Catalog) -> list[Problem]:
    from .history import stale_problems  # git is only needed when a repository has history

    try:
        return stale_problems(root, catalog)
    except PolicyToolError as exc:
        if all(p.code in (Code.HISTORY_NO_GIT, Code.HISTORY_NO_POLICY) for p in exc.problems):
            return []  # a plain folder has no history to be stale against
        return exc.problems
