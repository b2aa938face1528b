"""The question store: one SQLite file (``questions.db`` at the root by default) with a schema
version (``PRAGMA user_version``) and forward migrations, so old stores open with new tooling.
``questions_db`` (or ``--db``) may instead be a ``postgresql://`` URL: the same schema in a
PostgreSQL database (:mod:`.pgstore`), for several collectors or service instances at once.

Records are keyed by a hash of the source's own message id (or of asker + time + text), so an
insert that ignores a known id makes every re-ingest idempotent. Each input file is written in one
transaction: an interrupted ingest leaves the store as it was before that file.

:class:`StoreBase` holds every query both databases share (written with ``?`` placeholders);
the subclasses hold what differs: connecting, migrating, the two upserts and the driver's errors.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from ..config import load_settings
from ..errors import Code, PolicyToolError, problem
from .models import BatchSummary, FileSummary, QuestionRecord, QuestionStats, SearchOutcome

# Each step brings the schema from version i to i+1. Append only; never edit a released step.
MIGRATIONS: list[str] = [
    # 1: the records
    """
    CREATE TABLE questions (
        id TEXT PRIMARY KEY, source_id TEXT, source TEXT NOT NULL, channel TEXT NOT NULL, asker TEXT,
        asked_at TEXT NOT NULL, text TEXT NOT NULL, normalized TEXT NOT NULL, policy_hint TEXT,
        batch TEXT NOT NULL, metadata TEXT NOT NULL DEFAULT '{}', raw TEXT);
    """,
    # 2: a sortable UTC timestamp and indexes for per-policy and time-ordered reads
    """
    ALTER TABLE questions ADD COLUMN asked_ts REAL;
    UPDATE questions SET asked_ts = (julianday(asked_at) - 2440587.5) * 86400.0;
    CREATE INDEX questions_policy ON questions (policy_hint, asked_ts);
    CREATE INDEX questions_time ON questions (asked_ts);
    """,
    # 3: one row per ingested file and batch, with its counts
    """
    CREATE TABLE batches (
        batch TEXT NOT NULL, file TEXT NOT NULL, format TEXT NOT NULL, finished_at TEXT NOT NULL,
        read INTEGER NOT NULL, stored INTEGER NOT NULL, duplicates INTEGER NOT NULL, rejected INTEGER NOT NULL,
        PRIMARY KEY (batch, file));
    """,
    # 4: site searches that ended on a FAQ entry or a clause (POST /api/searches)
    """
    CREATE TABLE searches (
        id INTEGER PRIMARY KEY, at TEXT NOT NULL, at_ts REAL NOT NULL, query TEXT NOT NULL,
        target TEXT NOT NULL, kind TEXT NOT NULL, policy TEXT);
    CREATE INDEX searches_target ON searches (target, at_ts);
    """,
    # 5: the service's recent requests per client, so every instance counts one rate limit
    """
    CREATE TABLE requests (client TEXT NOT NULL, at_ts REAL NOT NULL);
    CREATE INDEX requests_client ON requests (client, at_ts);
    CREATE INDEX requests_time ON requests (at_ts);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)

_COLUMNS = "id, source_id, source, channel, asker, asked_at, text, normalized, policy_hint, batch, metadata"


def _statements(script: str) -> Iterator[str]:
    """The statements of a migration script, one by one (``executescript`` would commit first)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""
    if buffer.strip():
        yield buffer.strip()


def store_error(exc: sqlite3.Error, path: Path) -> PolicyToolError:
    """A locked store says so (PL511); anything else cannot be read as a store (PL508)."""
    if "locked" in str(exc) or "busy" in str(exc):
        return PolicyToolError(problem(Code.QUESTION_STORE_LOCKED, f"the question store is locked: {exc}", path, 1))
    return PolicyToolError(problem(Code.QUESTION_STORE, f"cannot open the question store: {exc}", path, 1))


def is_url(location: str | Path) -> bool:
    """Whether ``questions_db`` / ``--db`` names a PostgreSQL database rather than a file."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def store_location(root: Path, setting: str) -> Path | str:
    """Where a repository's store is: a URL as it is, a file relative to the root."""
    return setting if is_url(setting) else Path(root) / setting


def open_store(location: Path | str, durable: bool | None = None) -> StoreBase:
    """The store at a file path or a ``postgresql://`` URL (created and migrated on open).
    ``durable``: True, every commit reaches the disk before it returns (the service acknowledges
    on it); False, commits may be lost to a crash of the machine (rate-limit counts); None, each
    database's usual (SQLite in WAL with synchronous=NORMAL, PostgreSQL's synchronous commit)."""
    if is_url(location):
        from .pgstore import PostgresQuestionStore  # psycopg is only needed by those who use it

        return PostgresQuestionStore(str(location), durable=durable is not False)
    return QuestionStore(Path(location), durable=bool(durable))


def store_for_root(root: Path) -> StoreBase:
    """The store configured for the repository at ``root`` (``questions_db``)."""
    return open_store(store_location(Path(root), load_settings(Path(root)).questions_db))


class StoreBase:
    """The queries both stores share. ``location`` is what messages name (a path, or the URL
    without its password); ``path`` is the file, None for a database server."""

    location: str
    path: Path | None = None
    errors: tuple[type[Exception], ...] = ()  # the driver's own errors (ingest turns them into PL511/PL508)
    _insert_sql = ""
    _record_file_sql = ""

    def _run(self, sql: str, args: tuple | list = ()) -> Any:
        """Execute one statement and return its cursor (rows iterate as tuples)."""
        raise NotImplementedError

    def _many(self, sql: str, rows: list[tuple]) -> int:
        """Execute a statement for each row; return how many rows changed."""
        raise NotImplementedError

    def error(self, exc: Exception) -> PolicyToolError:
        """A driver error as the store problem users see (PL511 when locked, PL508 otherwise)."""
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[None]:
        """One file's writes: all of them or none (also on Ctrl-C)."""
        raise NotImplementedError

    @property
    def version(self) -> int:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> StoreBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def insert(self, records: Iterable[QuestionRecord], raw: dict[str, str] | None = None) -> int:
        """Insert records; those whose id is already stored are ignored. Returns how many were new."""
        rows = [
            (
                r.id,
                r.source_id,
                r.source,
                r.channel,
                r.asker,
                r.asked_at.isoformat(),
                r.text,
                r.normalized,
                r.policy_hint,
                r.batch,
                json.dumps(r.metadata, ensure_ascii=False, default=str),
                (raw or {}).get(r.id),
                r.asked_at.timestamp(),
            )
            for r in records
        ]
        return self._many(self._insert_sql, rows) if rows else 0

    def record_file(self, batch: str, part: FileSummary) -> None:
        self._run(
            self._record_file_sql,
            (
                batch,
                part.file,
                part.format,
                dt.datetime.now(dt.UTC).isoformat(),
                part.read,
                part.stored,
                part.duplicates,
                part.rejected,
            ),
        )

    def add_search(self, outcome: SearchOutcome) -> None:
        self._run(
            "INSERT INTO searches (at, at_ts, query, target, kind, policy) VALUES (?,?,?,?,?,?)",
            (
                outcome.at.isoformat(),
                outcome.at.timestamp(),
                outcome.query,
                outcome.target,
                outcome.kind,
                outcome.policy,
            ),
        )

    def retry_after(self, client: str, per_minute: int, now: float, sweep: bool = False) -> int:
        """Count one request of ``client`` unless it already made ``per_minute`` in the last 60 s
        (a sliding window, shared by every service instance on this store): 0 when it may go on,
        else the seconds to wait. ``sweep`` also drops every client's requests older than that."""
        with self.transaction():
            self._lock_client(client)
            if sweep:
                self._run("DELETE FROM requests WHERE at_ts <= ?", (now - 60,))
            count, oldest = self._run(
                "SELECT count(*), min(at_ts) FROM requests WHERE client = ? AND at_ts > ?", (client, now - 60)
            ).fetchone()
            if count >= per_minute:
                return max(1, math.ceil(60 - (now - oldest)))
            self._run("INSERT INTO requests VALUES (?, ?)", (client, now))
        return 0

    def _lock_client(self, client: str) -> None:
        """Make one client's count-then-insert atomic (SQLite's write lock already does)."""

    def searches(self, kind: str | None = None) -> Iterator[SearchOutcome]:
        """Searches that ended on a result, in time order (``kind``: only ``faq`` or ``clause``)."""
        where, args = ("WHERE kind = ?", (kind,)) if kind else ("", ())
        for at, query, target, found, policy in self._run(
            f"SELECT at, query, target, kind, policy FROM searches {where} ORDER BY at_ts, id", args
        ):
            yield SearchOutcome(at=dt.datetime.fromisoformat(at), query=query, target=target, kind=found, policy=policy)

    def batches(self) -> list[BatchSummary]:
        """Every ingest run, oldest first, with its files and counts."""
        present = dict(self._run("SELECT batch, count(*) FROM questions GROUP BY batch"))
        out: dict[str, BatchSummary] = {}
        for batch, file, finished, read, stored, dups, rejected in self._run(
            "SELECT batch, file, finished_at, read, stored, duplicates, rejected FROM batches "
            "ORDER BY finished_at, batch, file"
        ):
            summary = out.setdefault(
                batch, BatchSummary(batch=batch, finished_at=finished, present=present.get(batch, 0))
            )
            summary.files.append(file)
            summary.finished_at = max(summary.finished_at, finished)
            summary.read += read
            summary.stored += stored
            summary.duplicates += dups
            summary.rejected += rejected
        # batches with records but no file rows: the service's ``serve`` batch, written a question at a time
        for batch, (n, last) in sorted(self._open_batches(set(out)).items(), key=lambda kv: (kv[1][1], kv[0])):
            out[batch] = BatchSummary(batch=batch, finished_at=last, stored=n, present=n)
        return list(out.values())

    def _open_batches(self, known: set[str]) -> dict[str, tuple[int, str]]:
        rows = self._run("SELECT batch, count(*), max(asked_at) FROM questions GROUP BY batch")
        return {batch: (n, last) for batch, n, last in rows if batch not in known}

    def forget(self, batch: str) -> int:
        """Remove the records an ingest stored, and its file rows; returns how many records went.
        (A record a later ingest also read was counted there as a duplicate: ingest that file
        again to have it back.)"""
        with self.transaction():
            known = (
                self._run("SELECT count(*) FROM batches WHERE batch = ?", (batch,)).fetchone()[0]
                or self._run("SELECT count(*) FROM questions WHERE batch = ?", (batch,)).fetchone()[0]
            )
            if not known:
                raise PolicyToolError(
                    problem(Code.BATCH_UNKNOWN, f"no ingest batch {batch!r} in the store", self.location, 1)
                )
            removed = self._run("DELETE FROM questions WHERE batch = ?", (batch,)).rowcount
            self._run("DELETE FROM batches WHERE batch = ?", (batch,))
        return removed

    def count(self, policy: str | None = None) -> int:
        if policy is None:
            return self._run("SELECT count(*) FROM questions").fetchone()[0]
        return self._run("SELECT count(*) FROM questions WHERE policy_hint = ?", (policy.upper(),)).fetchone()[0]

    def iter_records(self, policy: str | None = None) -> Iterator[QuestionRecord]:
        """Records in time order (streamed), optionally only those hinted for one policy."""
        where, args = ("WHERE policy_hint = ?", (policy.upper(),)) if policy else ("", ())
        yield from self._select(f"{where} ORDER BY asked_ts, id", args)

    def get(self, record_id: str) -> QuestionRecord | None:
        for record in self._select("WHERE id = ?", (record_id,)):
            return record
        return None

    def _select(self, where: str, args: tuple) -> Iterator[QuestionRecord]:
        for row in self._run(f"SELECT {_COLUMNS} FROM questions {where}", args):
            yield QuestionRecord(
                id=row[0],
                source_id=row[1],
                source=row[2],
                channel=row[3],
                asker=row[4],
                asked_at=dt.datetime.fromisoformat(row[5]),
                text=row[6],
                normalized=row[7],
                policy_hint=row[8],
                batch=row[9],
                metadata=json.loads(row[10]),
            )

    def raw_text(self, record_id: str) -> str | None:
        """The unscrubbed text, only present when ingested with ``--keep-raw``. Never exported."""
        row = self._run("SELECT raw FROM questions WHERE id = ?", (record_id,)).fetchone()
        return row[0] if row else None

    def stats(self, top: int = 10) -> QuestionStats:
        """Counts by channel, policy hint and ISO week; askers who asked more than once."""
        q = self._run
        by_channel = dict(q("SELECT channel, count(*) FROM questions GROUP BY channel ORDER BY 2 DESC, 1"))
        by_policy = {
            k or "(none)": v
            for k, v in q("SELECT policy_hint, count(*) FROM questions GROUP BY policy_hint ORDER BY 2 DESC, 1")
        }
        weeks: Counter[str] = Counter()
        for (asked_at,) in q("SELECT asked_at FROM questions"):
            year, week, _ = dt.datetime.fromisoformat(asked_at).isocalendar()
            weeks[f"{year}-W{week:02d}"] += 1
        per_asker = q(
            "SELECT asker, count(*) FROM questions WHERE asker IS NOT NULL GROUP BY asker ORDER BY 2 DESC, 1"
        ).fetchall()
        repeated = int(
            q(
                "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM questions "
                "WHERE asker IS NOT NULL GROUP BY asker, normalized HAVING count(*) > 1) AS r"
            ).fetchone()[0]
        )
        return QuestionStats(
            total=self.count(),
            by_channel=by_channel,
            by_policy=by_policy,
            by_week=dict(sorted(weeks.items())),
            askers=len(per_asker),
            repeat_askers=sum(1 for _, n in per_asker if n > 1),
            top_repeat_askers={a: n for a, n in per_asker[:top] if n > 1},
            repeated_questions=repeated,
            batches=q("SELECT count(DISTINCT batch) FROM batches").fetchone()[0],
        )


class QuestionStore(StoreBase):
    """The SQLite store at ``path`` (created and migrated on open)."""

    errors = (sqlite3.Error,)
    _insert_sql = f"INSERT OR IGNORE INTO questions ({_COLUMNS}, raw, asked_ts) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
    _record_file_sql = "INSERT OR REPLACE INTO batches VALUES (?,?,?,?,?,?,?,?)"

    def __init__(self, path: Path, timeout: float = 60.0, durable: bool = False):
        self.path = Path(path)
        self.location = str(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Waits up to ``timeout`` seconds for another command's transaction to finish.
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=timeout, check_same_thread=False)
            self._wal(timeout)
            # FULL: a commit is on disk when it returns; NORMAL (WAL) may lose the last ones on power loss.
            self.db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise store_error(exc, self.path) from exc

    def error(self, exc: Exception) -> PolicyToolError:
        return store_error(exc, self.path)  # type: ignore[arg-type]

    def _run(self, sql: str, args: tuple | list = ()) -> Any:
        return self.db.execute(sql, args)

    def _many(self, sql: str, rows: list[tuple]) -> int:
        before = self.db.total_changes
        self.db.executemany(sql, rows)
        return self.db.total_changes - before

    def _wal(self, timeout: float) -> None:
        """Switch a new store to WAL. SQLite does not wait (no busy handler) when another process is
        switching it at the same moment, so retry until ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _migrate(self) -> None:
        """Bring the schema up to date. Several commands may open a new store at once: the first to
        take the write lock migrates, the others wait for it and then find nothing to do."""
        if self._current() == SCHEMA_VERSION:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for number in range(self._current(), SCHEMA_VERSION):  # read again, under the lock
                for statement in _statements(MIGRATIONS[number]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number + 1}")
        except BaseException:
            self.db.execute("ROLLBACK")  # a failed step leaves the old version
            raise
        self.db.execute("COMMIT")

    def _current(self) -> int:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise PolicyToolError(
                problem(
                    Code.QUESTION_STORE,
                    f"the store has schema version {version}; this tooling knows up to {SCHEMA_VERSION}",
                    self.path,
                    1,
                )
            )
        return version

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One file's writes: all of them or none (also on Ctrl-C)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")
