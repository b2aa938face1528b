"""The question store: one SQLite file (``questions.db`` at the root by default) with a schema
version (``PRAGMA user_version``) and forward migrations, so old stores open with new tooling.
``questions_db`` (or ``--db``) may instead be a ``postgresql://`` URL: the same schema in a
PostgreSQL database (:mod:`.pgstore`), for several collectors or service instances at once.

Records are keyed by a hash of the source's own message id (or of asker + time + text), so an
insert that ignores a known id makes every re-ingest idempotent. Each input file is written in one
transaction: an interrupted ingest leaves the store as it was before that file.

The queries both databases share are :class:`~.storebase.StoreBase`'s; this module holds the
SQLite store and :func:`open_store`, which picks the store a location names.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..config import load_settings
from ..errors import Code, PolicyToolError, problem
from .storebase import COLUMNS, StoreBase

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


def parse_location(text: str | None) -> Path | str | None:
    """A ``--db`` value as a store location: a URL as it is, a file path resolved; None if not given."""
    if not text:
        return None
    return text if is_url(text) else Path(text).resolve()


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


class QuestionStore(StoreBase):
    """The SQLite store at ``path`` (created and migrated on open)."""

    errors = (sqlite3.Error,)
    _insert_sql = f"INSERT OR IGNORE INTO questions ({COLUMNS}, raw, asked_ts) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
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
