"""``policy check``: every problem in a repository, collected from one catalogue of codes."""

from __future__ import annotations

from pathlib import Path

from .catalog import Catalog
from .errors import Problem
from .faq.checks import check_faq


def check_repository(root: Path, catalog: Catalog | None = None) -> list[Problem]:
    """Front matter, clause numbering, anchors and citations of every page of the site."""
    catalog = catalog or Catalog.load(root)
    problems = list(catalog.problems) + catalog.check_citations() + check_faq(catalog)
    return sorted(problems, key=lambda p: (p.file or "", p.line or 0))
