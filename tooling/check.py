"""``policy check``: every problem in a repository, collected from one catalogue of codes."""

from __future__ import annotations

from pathlib import Path

from .catalog import Catalog
from .errors import Code, PolicyToolError, Problem
from .faq.checks import check_faq
from .faq.entries import FaqPage, read_pages


def check_repository(root: Path, catalog: Catalog | None = None) -> list[Problem]:
    """Front matter, clause numbering, anchors and citations of every page of the site, FAQ
    entries, and (in a git repository) FAQ answers whose clauses changed since review."""
    catalog = catalog or Catalog.load(root)
    read = read_pages(Path(root), catalog)   # FAQ pages are parsed once for both checks
    problems = list(catalog.problems) + catalog.check_citations() + check_faq(catalog, read)
    problems += _stale(root, catalog, read[0])
    return sorted(_once(Path(root), problems), key=lambda p: (p.file or "", p.line or 0))


def _once(root: Path, problems: list[Problem]) -> list[Problem]:
    """Each problem once: an unreadable FAQ page is found by the citation check and by the FAQ
    check (once with the root in its path, once without), and is one problem."""
    seen: set[tuple[str, Path | None, int | None, str]] = set()
    out = []
    for p in problems:
        what = "" if p.code == Code.INPUT_UNREADABLE else p.message
        key = (str(p.code), (root / p.file).resolve() if p.file else None, p.line, what)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _stale(root: Path, catalog: Catalog, pages: list[FaqPage]) -> list[Problem]:
    from .history import stale_problems  # git is only needed when a repository has history

    try:
        return stale_problems(root, catalog, pages)
    except PolicyToolError as exc:
        if all(p.code in (Code.HISTORY_NO_GIT, Code.HISTORY_NO_POLICY) for p in exc.problems):
            return []  # a plain folder has no history to be stale against
        return exc.problems
