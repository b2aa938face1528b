"""Approved FAQ entries as matching documents — the one place that reads ``faq/*.md`` for matching.

Pages are parsed by the FAQ tooling (``tooling/faq/entries.py``); matching keeps only the id,
question, answer, cited clauses and status of each entry.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from ..errors import PolicyToolError
from ..faq.entries import read_page


class FaqDoc(BaseModel):
    """One FAQ entry as the matcher sees it."""

    id: str
    question: str
    answer: str
    clauses: list[str] = Field(default_factory=list)
    status: str = "draft"
    file: str
    line: int
    url: str


def read_faq_entries(root: Path, faq_dir: str = "faq") -> list[FaqDoc]:
    """Every ``{faq}`` entry of ``ROOT/faq/*.md`` (all statuses; callers filter), read with the
    FAQ module's page parser."""
    entries: list[FaqDoc] = []
    for path in faq_files(root, faq_dir):
        try:
            page = read_page(path, Path(root))
        except PolicyToolError:
            continue  # `policy check` reports unreadable pages; matching just skips them
        doc = Path(page.path).with_suffix("").as_posix()
        entries += [FaqDoc(id=e.id, question=e.question, answer=e.answer, clauses=e.clauses, status=e.status,
                           file=page.path, line=e.line, url=f"{doc}.html#{e.id}")
                    for e in page.entries if e.id]
    return entries


def approved_faq_entries(root: Path, faq_dir: str = "faq") -> list[FaqDoc]:
    """Only ``:status: approved`` entries answer questions; drafts and retired ones never do."""
    return [e for e in read_faq_entries(root, faq_dir) if e.status == "approved"]


def faq_files(root: Path, faq_dir: str = "faq") -> list[Path]:
    folder = Path(root) / faq_dir
    return sorted(folder.rglob("*.md")) if folder.is_dir() else []
