"""Records of the question inbox that cross module boundaries (readers -> ingest -> store -> CLI)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..errors import Code


class RawQuestion(BaseModel):
    """One record as a reader found it, before scrubbing: never stored as such."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    text: str
    line: int
    source_id: str | None = None
    # Namespace of ``source_id`` (a Slack channel, say): ids are unique only within it.
    scope: str = ""
    asked_at: dt.datetime | None = None
    channel: str | None = None
    asker: str | None = None
    policy: str | None = None
    # Chat messages only: keep it only if it asks something (unless --all).
    needs_question: bool = False
    metadata: dict[str, Any] = Field(default_factory=dict)


class Rejection(BaseModel):
    """A record that was read but not stored, with where it is and why."""

    file: str
    line: int
    reason: str
    code: Code = Code.INPUT_RECORD


class SearchOutcome(BaseModel):
    """A site search that ended on a result: the reader opened a FAQ entry or a clause from the
    results. The report counts those that ended on an entry against the questions still sent
    on its topic. The query is scrubbed like a question before it is stored."""

    at: dt.datetime
    query: str = ""
    target: str  # the FAQ entry id or the clause key that was opened
    kind: Literal["faq", "clause"]
    policy: str | None = None


class QuestionRecord(BaseModel):
    """A stored question. ``text`` is scrubbed; only scrubbed text ever leaves the store."""

    id: str
    source_id: str | None = None
    source: str
    channel: str
    asker: str | None = None
    asked_at: dt.datetime
    text: str
    normalized: str
    policy_hint: str | None = None
    batch: str
    metadata: dict[str, Any] = Field(default_factory=dict)

    def export(self) -> dict[str, Any]:
        """The public shape written by ``policy questions export``."""
        return {
            "id": self.id,
            "source_id": self.source_id,
            "channel": self.channel,
            "asker": self.asker,
            "asked_at": self.asked_at.isoformat(),
            "text": self.text,
            "policy_hint": self.policy_hint,
        }


class FileSummary(BaseModel):
    """Counts for one input file (or Slack export folder)."""

    file: str
    format: str
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    undated: int = 0  # stored or duplicate records stamped with the file's modification time


class IngestSummary(BaseModel):
    """What an ingest did. Invariant: ``read == stored + duplicates + rejected``."""

    batch: str
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejections: list[Rejection] = Field(default_factory=list)
    files: list[FileSummary] = Field(default_factory=list)
    # Files that could not be read at all (no records counted from them); the CLI exits 1.
    errors: list[Rejection] = Field(default_factory=list)
    # What was kept but deserves a look (times taken from the file's modification time).
    warnings: list[Rejection] = Field(default_factory=list)

    def add(self, part: FileSummary) -> None:
        self.files.append(part)
        self.read += part.read
        self.stored += part.stored
        self.duplicates += part.duplicates
        self.rejected += part.rejected


class QuestionStats(BaseModel):
    """Counts for ``policy questions stats``."""

    total: int
    by_channel: dict[str, int]
    by_policy: dict[str, int]
    by_week: dict[str, int]
    askers: int
    repeat_askers: int
    top_repeat_askers: dict[str, int]
    repeated_questions: int
    batches: int


class BatchSummary(BaseModel):
    """One ingest run (``policy questions batches``): its files and counts, and how many of the
    records it stored are still in the store (``forget`` removes them)."""

    batch: str
    finished_at: str
    files: list[str] = Field(default_factory=list)
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    present: int = 0
