"""``policy check``: every problem in a repository, collected from one catalogue of codes."""

from __future__ import annotations

from pathlib import Path

from .catalog import Catalog
from .errors import Problem
from .faq.checks import check_faq
from .faqpage import read_pages
from .history import stale_problems  # also plugs in the reader of versioned citations
from .questions.labels import check_labels
from .references import reference_problems
from .safety import safety_problems


def check_repository(root: Path, catalog: Catalog | None = None) -> list[Problem]:
    """Front matter, clause numbering, anchors and citations of every page of the site, FAQ
    entries, review labels (faq/labels.jsonl), raw HTML and script URLs (tooling/safety.py), and (in a git repository) FAQ answers whose clauses
    changed since review."""
    catalog = catalog or Catalog.load(root)
    pages, read_problems = read_pages(Path(root), catalog)  # FAQ pages are read and parsed once
    problems = (
        list(catalog.problems)
        + catalog.check_citations(pages)
        + check_faq(catalog, (pages, read_problems))
        + check_labels(catalog, pages)[1]
        + stale_problems(root, catalog, pages)
        + reference_problems(Path(root), catalog.settings)
        + safety_problems(Path(root), catalog.settings)
    )
    return sorted(problems, key=lambda p: (p.file or "", p.line or 0))
