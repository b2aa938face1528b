"""The question store in PostgreSQL (psycopg 3): the same tables and columns as the SQLite
store, with the same numbered migrations, so every command reads either one. It is for several
collectors or ``policy serve`` instances writing at once: each insert is one transaction, ids
are the primary key, and ``ON CONFLICT DO NOTHING`` makes the duplicate rule hold across them.

Connect with a libpq URL, ``postgresql://user@host:5432/dbname``; keep the password out of
pyproject.toml (``PGPASSWORD`` or ``~/.pgpass``, which libpq reads).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from ..errors import Code, PolicyToolError, problem
from .storebase import COLUMNS, StoreBase

# The SQLite migrations, step for step, in PostgreSQL's words (version i+1 is the same schema in both).
MIGRATIONS: list[str] = [
    """
    CREATE TABLE questions (
        id TEXT PRIMARY KEY, source_id TEXT, source TEXT NOT NULL, channel TEXT NOT NULL, asker TEXT,
        asked_at TEXT NOT NULL, text TEXT NOT NULL, normalized TEXT NOT NULL, policy_hint TEXT,
        batch TEXT NOT NULL, metadata TEXT NOT NULL DEFAULT '{}', raw TEXT)
    """,
    """
    ALTER TABLE questions ADD COLUMN asked_ts DOUBLE PRECISION;
    UPDATE questions SET asked_ts = extract(epoch FROM asked_at::timestamptz);
    CREATE INDEX questions_policy ON questions (policy_hint, asked_ts);
    CREATE INDEX questions_time ON questions (asked_ts)
    """,
    """
    CREATE TABLE batches (
        batch TEXT NOT NULL, file TEXT NOT NULL, format TEXT NOT NULL, finished_at TEXT NOT NULL,
        read INTEGER NOT NULL, stored INTEGER NOT NULL, duplicates INTEGER NOT NULL, rejected INTEGER NOT NULL,
        PRIMARY KEY (batch, file))
    """,
    """
    CREATE TABLE searches (
        id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, at_ts DOUBLE PRECISION NOT NULL, query TEXT NOT NULL,
        target TEXT NOT NULL, kind TEXT NOT NULL, policy TEXT);
    CREATE INDEX searches_target ON searches (target, at_ts)
    """,
    """
    CREATE TABLE requests (client TEXT NOT NULL, at_ts DOUBLE PRECISION NOT NULL);
    CREATE INDEX requests_client ON requests (client, at_ts);
    CREATE INDEX requests_time ON requests (at_ts)
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
_LOCK = 5_170_511  # the advisory lock that serialises migrations of one database


def shown_url(url: str) -> str:
    """The URL for messages: never the password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresQuestionStore(StoreBase):
    """The store in the PostgreSQL database at ``url`` (tables created and migrated on open)."""

    errors = (psycopg.Error,)
    _insert_sql = (
        f"INSERT INTO questions ({COLUMNS}, raw, asked_ts) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
        " ON CONFLICT (id) DO NOTHING"
    )
    _record_file_sql = (
        "INSERT INTO batches VALUES (%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (batch, file) DO UPDATE SET "
        "format = excluded.format, finished_at = excluded.finished_at, read = excluded.read, "
        "stored = excluded.stored, duplicates = excluded.duplicates, rejected = excluded.rejected"
    )

    def __init__(self, url: str, timeout: float = 60.0, durable: bool = True):
        self.url = url
        self.location = shown_url(url)
        try:
            # autocommit: a statement outside transaction() commits at once, as in the SQLite store.
            self.db = psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(timeout)))
            self.db.execute(f"SET lock_timeout = '{int(timeout * 1000)}ms'")
            if not durable:  # commits return before the WAL reaches the disk (rate-limit counts only)
                self.db.execute("SET synchronous_commit = off")
            self._migrate()
        except psycopg.Error as exc:
            raise self.error(exc) from exc

    def error(self, exc: Exception) -> PolicyToolError:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, psycopg.errors.LockNotAvailable):
            return PolicyToolError(
                problem(Code.QUESTION_STORE_LOCKED, f"the question store is locked: {message}", self.location, 1)
            )
        return PolicyToolError(
            problem(Code.QUESTION_STORE, f"cannot use the question store: {message}", self.location, 1)
        )

    def _run(self, sql: str, args: tuple | list = ()) -> Any:
        return self.db.execute(sql.replace("?", "%s"), args)

    def _many(self, sql: str, rows: list[tuple]) -> int:
        with self.db.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)
            return max(cursor.rowcount, 0)

    def _lock_client(self, client: str) -> None:
        self.db.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCK, client))

    def _migrate(self) -> None:
        """Bring the schema up to date, under an advisory lock: instances starting together wait
        for the first, then find nothing to do. PostgreSQL's DDL is transactional, so a failed
        step leaves the old version."""
        with self.db.transaction():
            self.db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
            self.db.execute("CREATE TABLE IF NOT EXISTS policy_schema (version INTEGER NOT NULL)")
            current = self._current()
            if current is None:
                self.db.execute("INSERT INTO policy_schema VALUES (0)")
                current = 0
            if current > SCHEMA_VERSION:
                raise PolicyToolError(
                    problem(
                        Code.QUESTION_STORE,
                        f"the store has schema version {current}; this tooling knows up to {SCHEMA_VERSION}",
                        self.location,
                        1,
                    )
                )
            for number in range(current, SCHEMA_VERSION):
                for statement in filter(str.strip, MIGRATIONS[number].split(";")):
                    self.db.execute(statement)
                self.db.execute("UPDATE policy_schema SET version = %s", (number + 1,))

    def _current(self) -> int | None:
        row = self.db.execute("SELECT version FROM policy_schema").fetchone()
        return None if row is None else int(row[0])

    @property
    def version(self) -> int:
        return self._current() or 0

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One file's writes: all of them or none (also on Ctrl-C)."""
        with self.db.transaction():
            yield
