"""A question posted to the service, scrubbed and stored exactly as ``policy questions ingest``
stores one: the same record ids (so the same duplicate rule), the same keyed-hash askers, the
same chatter rules. Each question is one transaction; it is acknowledged only after COMMIT.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..config import Settings
from ..questions.ingest import Recorder
from ..questions.models import RawQuestion, Rejection, SearchOutcome
from ..questions.scrub import scrub
from ..questions.store import StoreBase, open_store

BATCH = "serve"  # every question the service took, for `policy questions forget --batch serve`
SOURCE = Path("api/questions")  # the "file" its records name


Channel = Literal["form", "search", "chat", "slack", "webhook"]


class Posted(BaseModel):
    """The body of ``POST /api/questions`` (and what the chat hooks pass on)."""

    model_config = ConfigDict(extra="ignore")

    text: str = Field(min_length=1)
    asker: str | None = Field(default=None, max_length=200)
    channel: Channel = "form"
    policy: str | None = Field(default=None, max_length=40)
    # The client's own id for this question: a retry with the same id is a duplicate, not a second asking.
    id: str | None = Field(default=None, max_length=200)


class Opened(BaseModel):
    """The body of ``POST /api/searches``: the site's search page sends it (a beacon) when a
    reader opens a result, so the report can count searches that ended on a FAQ entry."""

    model_config = ConfigDict(extra="ignore")

    query: str = Field(default="", max_length=2000)
    target: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f<>]+$")
    kind: Literal["faq", "clause"]
    policy: str | None = Field(default=None, max_length=40)


class Taken(BaseModel):
    """What became of a posted question."""

    id: str | None = None
    stored: bool = False
    duplicate: bool = False
    rejected: str | None = None  # why it was not stored (chatter, too long, …)
    code: str | None = None


class Intake:
    """Stores posted questions; one connection per worker thread. SQLite runs in WAL with
    synchronous=FULL and PostgreSQL commits synchronously, so an acknowledged question survives a
    crash of the process or the machine."""

    def __init__(self, root: Path, settings: Settings, db: Path | str) -> None:
        self.db = db
        self.recorder = Recorder(settings, BATCH, None, None, False, root)
        self._local = threading.local()
        with open_store(db) as store:  # create and migrate once, before the first request
            self.location = store.location

    @contextmanager
    def _store(self, durable: bool = True) -> Iterator[StoreBase]:
        """This thread's connection (durable, or fast for the rate limit's counts); a broken one is
        closed, and the next request reconnects."""
        name = "store" if durable else "fast"
        store = getattr(self._local, name, None)
        if store is None:
            store = open_store(self.db, durable=durable)
            setattr(self._local, name, store)
        try:
            yield store
        except store.errors:
            setattr(self._local, name, None)
            store.close()
            raise

    def retry_after(self, client: str, per_minute: int, now: float | None = None) -> int:
        """The shared rate limit (see ``StoreBase.retry_after``): 0, or the seconds to wait. Every
        1000th call of a thread also sweeps out the requests of clients quiet for a minute."""
        calls = self._local.calls = getattr(self._local, "calls", 0) + 1
        with self._store(durable=False) as store:
            return store.retry_after(client, per_minute, time.time() if now is None else now, sweep=calls % 1000 == 1)

    def take(self, posted: Posted, now: dt.datetime | None = None) -> Taken:
        when = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        raw = RawQuestion(
            text=posted.text,
            line=1,
            source_id=posted.id,
            scope="serve",
            asked_at=when,
            channel=posted.channel,
            asker=posted.asker,
            policy=posted.policy,
        )
        record = self.recorder.record(SOURCE, "jsonl", raw)
        if isinstance(record, Rejection):
            return Taken(rejected=record.reason, code=record.code.value if record.code else None)
        with self._store() as store, store.transaction():
            new = store.insert([record])
        return Taken(id=record.id, stored=bool(new), duplicate=not new)

    def opened(self, opened: Opened, now: dt.datetime | None = None) -> None:
        """Store a search outcome (its query scrubbed like a question)."""
        when = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        outcome = SearchOutcome(
            at=when,
            query=scrub(opened.query, self.recorder.extra).strip()[:500],
            target=opened.target,
            kind=opened.kind,
            policy=opened.policy,
        )
        with self._store() as store:
            store.add_search(outcome)


def parse_model(data: bytes, model: type[Opened]) -> Opened | str:
    """A JSON body as ``model``, or what is wrong with it."""
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        return f"bad field {where!r}: {first['msg']}" if where else f"the body is not a JSON object: {first['msg']}"


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
