"""A question posted to the service, scrubbed and stored exactly as ``policy questions ingest``
stores one: the same record ids (so the same duplicate rule), the same keyed-hash askers, the
same chatter rules. Each question is one transaction; it is acknowledged only after COMMIT.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..config import Settings
from ..questions.ingest import Recorder
from ..questions.models import RawQuestion, Rejection
from ..questions.store import QuestionStore

BATCH = "serve"                      # every question the service took, for `policy questions forget --batch serve`
SOURCE = Path("api/questions")       # the "file" its records name


class Posted(BaseModel):
    """The body of ``POST /api/questions`` (and what the chat hooks pass on)."""

    model_config = ConfigDict(extra="ignore")

    text: str = Field(min_length=1)
    asker: str | None = Field(default=None, max_length=200)
    channel: Literal["form", "search", "chat", "slack", "webhook"] = "form"
    policy: str | None = Field(default=None, max_length=40)
    # The client's own id for this question: a retry with the same id is a duplicate, not a second asking.
    id: str | None = Field(default=None, max_length=200)


class Taken(BaseModel):
    """What became of a posted question."""

    id: str | None = None
    stored: bool = False
    duplicate: bool = False
    rejected: str | None = None       # why it was not stored (chatter, too long, …)
    code: str | None = None


class Intake:
    """Stores posted questions; one SQLite connection per worker thread (WAL, synchronous=FULL,
    so an acknowledged question survives a crash of the process or the machine)."""

    def __init__(self, root: Path, settings: Settings, db: Path) -> None:
        self.db = db
        self.recorder = Recorder(settings, BATCH, None, None, False, root)
        self._local = threading.local()
        QuestionStore(db).close()          # create and migrate once, before the first request

    def _store(self) -> QuestionStore:
        store = getattr(self._local, "store", None)
        if store is None:
            store = QuestionStore(self.db)
            store.db.execute("PRAGMA synchronous=FULL")
            self._local.store = store
        return store

    def take(self, posted: Posted, now: dt.datetime | None = None) -> Taken:
        when = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        raw = RawQuestion(text=posted.text, line=1, source_id=posted.id, scope="serve", asked_at=when,
                          channel=posted.channel, asker=posted.asker, policy=posted.policy)
        record = self.recorder.record(SOURCE, "jsonl", raw)
        if isinstance(record, Rejection):
            return Taken(rejected=record.reason, code=record.code.value if record.code else None)
        store = self._store()
        try:
            with store.transaction():
                new = store.insert([record])
        except sqlite3.Error:
            self._local.store = None
            raise
        return Taken(id=record.id, stored=bool(new), duplicate=not new)


def parse_posted(data: bytes) -> Posted | str:
    """A request body as a :class:`Posted`, or what is wrong with it. DingTalk's robots send the
    text as ``{"text": {"content": "…"}}``; that is read too."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"the body is not JSON: {exc}"
    except RecursionError:
        return "the body is nested too deeply"
    if not isinstance(obj, dict):
        return "the body must be a JSON object"
    if isinstance(obj.get("text"), dict) and isinstance(obj["text"].get("content"), str):
        obj = {**obj, "text": obj["text"]["content"]}
    if not isinstance(obj.get("text"), str) or not obj["text"].strip():
        return 'missing or empty "text"'
    try:
        return Posted.model_validate(obj)
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"bad field {'.'.join(map(str, first['loc']))!r}: {first['msg']}"
