"""Approved FAQ entries as matching documents — the one place that reads ``faq/*.md`` for matching.

A full FAQ parser lives with the FAQ tooling (``tooling/faq/entries.py``); matching only needs
the id, question, answer, cited clauses and status of each ``{faq}`` directive, so this small
reader can be swapped for that parser without touching the index.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from ..markdown import directive_body, directive_options, parse


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
    """Every ``{faq}`` directive of ``ROOT/faq/*.md`` (all statuses; callers filter)."""
    entries: list[FaqDoc] = []
    folder = Path(root) / faq_dir
    if not folder.is_dir():
        return entries
    for path in sorted(folder.rglob("*.md")):
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # `policy check` reports unreadable pages; matching just skips them
        rel = path.relative_to(root).with_suffix("")
        for tok in parse(source):
            if tok.type != "fence" or not tok.info.startswith("{faq}"):
                continue
            options = directive_options(tok.content)
            body, _ = directive_body(tok.content)
            entry_id = options.get("id", "").strip()
            if not entry_id:
                continue
            clauses = [c.strip() for c in options.get("clauses", "").split(",") if c.strip()]
            entries.append(FaqDoc(
                id=entry_id, question=tok.info[len("{faq}"):].strip(), answer=body.strip(),
                clauses=clauses, status=options.get("status", "draft").strip().lower(),
                file=str(path.relative_to(root)), line=(tok.map[0] + 1) if tok.map else 1,
                url=f"{rel.as_posix()}.html#{entry_id}"))
    return entries


def approved_faq_entries(root: Path, faq_dir: str = "faq") -> list[FaqDoc]:
    """Only ``:status: approved`` entries answer questions; drafts and retired ones never do."""
    return [e for e in read_faq_entries(root, faq_dir) if e.status == "approved"]


def faq_files(root: Path, faq_dir: str = "faq") -> list[Path]:
    folder = Path(root) / faq_dir
    return sorted(folder.rglob("*.md")) if folder.is_dir() else []
