"""What every question store does, whatever the database: the queries both share, written with
``?`` placeholders. :mod:`.store` (SQLite) and :mod:`.pgstore` (PostgreSQL) subclass it with what
differs: connecting, migrating, the two upserts and the driver's errors.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from ..errors import Code, PolicyToolError, problem
from .models import BatchSummary, FileSummary, QuestionRecord, QuestionStats, SearchOutcome

COLUMNS = "id, source_id, source, channel, asker, asked_at, text, normalized, policy_hint, batch, metadata"


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
        for row in self._run(f"SELECT {COLUMNS} FROM questions {where}", args):
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
