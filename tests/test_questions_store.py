"""The store and the ingest guarantees: idempotency, the counting invariant, one transaction per
file (interrupted ingests), schema migrations, and the CLI on top."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tooling.cli import cli
from tooling.errors import PolicyToolError
from tooling.questions.ingest import ingest_paths
from tooling.questions.store import MIGRATIONS, SCHEMA_VERSION, QuestionStore


def jsonl(path: Path, start: int, stop: int, extra: str = "") -> Path:
    """Questions q{start}..q{stop-1}; two askers share the load, every 7th is about TRAVEL."""
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(start, stop):
            handle.write(
                json.dumps(
                    {
                        "id": f"q{n:06d}",
                        "asked_at": f"2026-0{1 + n % 6}-{1 + n % 28:02d}T10:{n % 60:02d}:00+08:00",
                        "channel": ["wecom", "email", "form"][n % 3],
                        "asker": f"sales-{n % 5:03d}",
                        "text": f"第{n}个问题：季度返利什么时候到账？电话1390617{n % 10000:04d}",
                        "policy": "TRAVEL" if n % 7 == 0 else None,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
        handle.write(extra)
    return path


def test_rerun_and_overlapping_exports_store_nothing_twice(tmp_path):
    first = jsonl(tmp_path / "jan.jsonl", 0, 300)
    overlap = jsonl(tmp_path / "jan-feb.jsonl", 200, 500)
    a = ingest_paths(tmp_path, [first])
    b = ingest_paths(tmp_path, [first])
    c = ingest_paths(tmp_path, [overlap])
    assert (a.stored, a.duplicates) == (300, 0)
    assert (b.stored, b.duplicates) == (0, 300)
    assert (c.stored, c.duplicates) == (200, 100)
    with QuestionStore(tmp_path / "questions.db") as store:
        assert store.count() == 500
        assert len({r.id for r in store.iter_records()}) == 500
        assert store.count("travel") == len([n for n in range(500) if n % 7 == 0])


def test_every_record_is_counted_exactly_once(tmp_path):
    bad = '{"id": "x1", "text": "no time", "asked_at": "yesterday-ish"}\n{oops\n{"id": "x2"}\n'
    path = jsonl(tmp_path / "q.jsonl", 0, 50, extra=bad)
    dup = jsonl(tmp_path / "dup.jsonl", 40, 60)
    summary = ingest_paths(tmp_path, [path, dup])
    assert summary.read == 53 + 20
    assert (summary.stored, summary.duplicates, summary.rejected) == (60, 10, 3)
    assert summary.read == summary.stored + summary.duplicates + summary.rejected
    assert [(r.file, r.line) for r in summary.rejections] == [(str(path), 51), (str(path), 52), (str(path), 53)]
    assert [f.read for f in summary.files] == [53, 20]


def test_content_hash_keys_records_without_ids(tmp_path):
    rows = (
        "time,sender,question\n2026-03-01 10:00,王芳,返利怎么算？\n2026-03-01 10:00,王芳,返利怎么算？\n"
        "2026-03-08 10:00,王芳,返利怎么算？\n2026-03-01 10:00,李雷,返利怎么算？\n"
    )
    (tmp_path / "a.csv").write_text(rows, encoding="utf-8")
    summary = ingest_paths(tmp_path, [tmp_path / "a.csv"])
    # Same asker, time and text is one record; another week or another asker is a new one.
    assert (summary.stored, summary.duplicates) == (3, 1)
    stats = QuestionStore(tmp_path / "questions.db").stats()
    assert stats.repeat_askers == 1 and stats.repeated_questions == 1 and stats.askers == 2


def test_interrupted_file_is_rolled_back_and_a_rerun_completes(tmp_path):
    done = jsonl(tmp_path / "a.jsonl", 0, 100)
    big = jsonl(tmp_path / "b.jsonl", 100, 6000)

    def ctrl_c(count: int) -> None:
        if count == 4321:
            raise KeyboardInterrupt

    ingest_paths(tmp_path, [done])
    with pytest.raises(KeyboardInterrupt):
        ingest_paths(tmp_path, [big], on_record=ctrl_c)
    with QuestionStore(tmp_path / "questions.db") as store:
        assert store.count() == 100  # as before the interrupted file, though 2000-record chunks were written
    summary = ingest_paths(tmp_path, [done, big])
    assert (summary.stored, summary.duplicates) == (5900, 100)


def test_sigint_to_the_cli_leaves_whole_files_only(tmp_path):
    files = [jsonl(tmp_path / f"part{i}.jsonl", i * 40000, (i + 1) * 40000) for i in range(2)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tooling.cli", "questions", "ingest", "--root", str(tmp_path), *map(str, files)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    with QuestionStore(tmp_path / "questions.db") as store:
        assert store.count() in (0, 40000, 80000)  # never a part of a file
    summary = ingest_paths(tmp_path, files)
    assert summary.stored + summary.duplicates == 80000 and summary.rejected == 0
    assert QuestionStore(tmp_path / "questions.db").count() == 80000


def test_old_stores_are_migrated_and_newer_ones_refused(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    db.execute(
        "INSERT INTO questions (id, source, channel, asked_at, text, normalized, batch) VALUES "
        "('q1', 'f:1', 'email', '2026-01-05T10:00:00+08:00', '返利？', '返利?', 'b0')"
    )
    db.commit()
    db.close()
    with QuestionStore(path) as store:
        assert store.version == SCHEMA_VERSION
        [record] = store.iter_records()
        assert record.asked_at.isoformat() == "2026-01-05T10:00:00+08:00"
        ts = store.db.execute("SELECT asked_ts FROM questions").fetchone()[0]
        assert ts == pytest.approx(record.asked_at.timestamp())
        store.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(PolicyToolError, match="PL508"):
        QuestionStore(path)


def test_raw_text_is_kept_only_when_asked_and_never_exported(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text("请打我电话13906172283问下返利？\n", encoding="utf-8")
    ingest_paths(tmp_path, [path])
    with QuestionStore(tmp_path / "questions.db") as store:
        [record] = store.iter_records()
        assert store.raw_text(record.id) is None and "[电话]" in record.text
    ingest_paths(tmp_path / "other", [path], keep_raw=True)
    with QuestionStore(tmp_path / "other" / "questions.db") as store:
        [record] = store.iter_records()
        assert store.raw_text(record.id) == "请打我电话13906172283问下返利？"
    result = CliRunner().invoke(cli, ["questions", "export", "--root", str(tmp_path / "other")])
    assert result.exit_code == 0 and "13906172283" not in result.output and "[电话]" in result.output


def test_cli_ingest_stats_export(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.policy]\nquestions_db = "data/inbox.db"\nscrub_patterns = {order = "SO\\\\d{10}"}\n', encoding="utf-8"
    )
    path = jsonl(
        tmp_path / "q.jsonl",
        0,
        30,
        extra='{"id": "o1", "asked_at": "2026-02-02T10:00:00+08:00", '
        '"text": "订单SO2026020417的返利呢？", "asker": "Wang Fang <wf@corp.example>"}\nnot json\n',
    )
    runner = CliRunner()
    result = runner.invoke(cli, ["questions", "ingest", "--root", str(tmp_path), "--json", str(path)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {k: summary[k] for k in ("read", "stored", "duplicates", "rejected")} == {
        "read": 32,
        "stored": 31,
        "duplicates": 0,
        "rejected": 1,
    }
    assert summary["rejections"][0]["line"] == 32
    assert (tmp_path / "data" / "inbox.db").is_file()
    text = runner.invoke(cli, ["questions", "ingest", "--root", str(tmp_path), str(path)])
    assert "read 32 = stored 0 + duplicates 31 + rejected 1" in text.stdout
    assert f"{path}:32: error PL502" in text.stderr
    stats = json.loads(runner.invoke(cli, ["questions", "stats", "--root", str(tmp_path), "--json"]).stdout)
    assert stats["total"] == 31 and stats["by_channel"]["wecom"] == 10 and stats["by_policy"]["TRAVEL"] == 5
    assert sum(stats["by_week"].values()) == 31 and stats["repeat_askers"] == 5
    lines = runner.invoke(cli, ["questions", "export", "--root", str(tmp_path)]).stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 31
    assert set(records[0]) >= {"id", "source_id", "channel", "asker", "asked_at", "text"}
    order = next(r for r in records if r["source_id"] == "o1")
    assert (
        order["text"] == "订单[order]的返利呢？"
        and order["asker"].startswith("a-")
        and "wf@" not in json.dumps(records)
    )
    missing = runner.invoke(cli, ["questions", "ingest", "--root", str(tmp_path), str(tmp_path / "nope.csv")])
    assert missing.exit_code == 1 and "PL501" in missing.stderr
