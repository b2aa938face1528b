"""The question store in a real PostgreSQL server (a temporary cluster from Debian's package):
the same records, counts and batches as SQLite for the same input; migrations that several
instances may run at once; two service instances writing at once, with the duplicate rule held
across them; and the database killed mid-load, with every acknowledged question still there."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from tooling.cli import cli
from tooling.errors import Code, PolicyToolError
from tooling.questions.pgstore import SCHEMA_VERSION, PostgresQuestionStore, shown_url
from tooling.questions.store import QuestionStore, open_store

from .test_service import POLICY, _unlimited, call, running

LOG = (
    "\n".join(
        json.dumps(r, ensure_ascii=False)
        for r in [
            {"id": "m1", "text": "返利能不能提现？", "user": "zhang.wei", "time": "2026-03-02T09:00:00+08:00"},
            {"id": "m2", "text": "返利多久过期？手机13812345678", "user": "li.na", "time": "2026-03-03T10:00:00+08:00"},
            {"id": "m3", "text": "返利能不能提现？", "user": "zhang.wei", "time": "2026-03-10T11:00:00+08:00"},
            {"id": "m4", "text": "好的", "user": "li.na", "time": "2026-03-10T11:01:00+08:00"},
            {"id": "m5", "text": "返利可以开发票吗？", "user": "wang.fang", "time": "2026-03-17T15:00:00+08:00"},
        ]
    )
    + "\n"
)


@pytest.fixture
def repo(make_repo) -> Path:
    return make_repo({"policies/qd.md": POLICY, "log/questions.jsonl": LOG})


def _ingest(root: Path, db: str | Path) -> dict:
    result = CliRunner().invoke(
        cli,
        ["questions", "ingest", str(root / "log"), "--root", str(root), "--json"],
        env={"POLICY_QUESTIONS_DB": str(db)},
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_same_input_gives_the_same_store_in_postgresql_and_sqlite(repo: Path, pg_url: str) -> None:
    in_pg, in_lite = _ingest(repo, pg_url), _ingest(repo, repo / "questions.db")
    assert (
        (in_pg["read"], in_pg["stored"], in_pg["rejected"])
        == (in_lite["read"], in_lite["stored"], in_lite["rejected"])
        == (5, 4, 1)
    )
    again = _ingest(repo, pg_url)  # idempotent: all duplicates
    assert (again["stored"], again["duplicates"]) == (0, 4)
    with open_store(pg_url) as pg, QuestionStore(repo / "questions.db") as lite:
        assert isinstance(pg, PostgresQuestionStore) and pg.version == SCHEMA_VERSION
        assert [r.model_dump(exclude={"batch"}) for r in pg.iter_records()] == [
            r.model_dump(exclude={"batch"}) for r in lite.iter_records()
        ]
        assert pg.stats().model_dump(exclude={"batches"}) == lite.stats().model_dump(exclude={"batches"})
        assert pg.stats().repeated_questions == 1 and pg.stats().batches == 2
        assert [(b.read, b.stored, b.duplicates) for b in pg.batches()] == [(5, 4, 0), (5, 0, 4)]
        assert pg.count("QD") == 0 and pg.get("nope") is None
    env = {"POLICY_QUESTIONS_DB": pg_url}
    stats = CliRunner().invoke(cli, ["questions", "stats", "--root", str(repo), "--json"], env=env)
    assert json.loads(stats.stdout)["total"] == 4
    first = json.loads(CliRunner().invoke(cli, ["questions", "batches", "--root", str(repo), "--json"], env=env).stdout)
    gone = CliRunner().invoke(
        cli, ["questions", "forget", "--batch", first[0]["batch"], "--yes", "--root", str(repo), "--json"], env=env
    )
    assert json.loads(gone.stdout)["removed"] == 4
    with open_store(pg_url) as pg:
        assert pg.count() == 0


def test_migrations_run_once_when_instances_start_together(pg_url: str) -> None:
    def open_close(_: int) -> int:
        with PostgresQuestionStore(pg_url) as store:
            return store.version

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(open_close, range(8))) == {SCHEMA_VERSION}
    with psycopg.connect(pg_url) as db:
        assert db.execute("SELECT count(*), max(version) FROM policy_schema").fetchone() == (1, SCHEMA_VERSION)
        db.execute("UPDATE policy_schema SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(PolicyToolError) as err:  # a newer tooling's store is refused
        PostgresQuestionStore(pg_url)
    assert err.value.problems[0].code is Code.QUESTION_STORE and "knows up to" in err.value.problems[0].message


def test_an_unreachable_database_is_a_clear_error_without_the_password(repo: Path) -> None:
    url = "postgresql://policy:s3cret@127.0.0.1:1/questions"
    assert shown_url(url) == "postgresql://policy:***@127.0.0.1:1/questions"
    result = CliRunner().invoke(cli, ["questions", "stats", "--root", str(repo)], env={"POLICY_QUESTIONS_DB": url})
    assert result.exit_code != 0 and "PL508" in result.output and "s3cret" not in result.output
    assert "127.0.0.1:1" in result.output


def test_two_service_instances_share_one_store_and_its_duplicate_rule(repo: Path, pg_url: str) -> None:
    _unlimited(repo)
    with running(repo, db=pg_url) as one, running(repo, db=pg_url) as two:
        status, _, answer = call(f"{one}/api/answer?q=%E8%BF%94%E5%88%A9%E8%83%BD%E4%B8%8D%E8%83%BD%E6%8F%90%E7%8E%B0")
        assert status == 200 and answer["matches"][0]["key"] == "QD 1.1"

        def post(n: int) -> dict:
            base = (one, two)[n % 2]
            status, _, reply = call(
                f"{base}/api/questions",
                "POST",
                {"text": f"第{n // 2}号门店的返利什么时候到账？", "asker": f"s{n % 5}", "id": f"client-{n // 2}"},
            )  # each id is posted to both instances
            assert status == 200, reply
            return reply

        with ThreadPoolExecutor(16) as pool:
            replies = list(pool.map(post, range(400)))
    stored = [r for r in replies if r["stored"]]
    assert len(stored) == 200 and sum(r["duplicate"] for r in replies) == 200
    with open_store(pg_url) as store:
        assert {r.id for r in store.iter_records()} == {r["id"] for r in stored}
    report = CliRunner().invoke(
        cli, ["report", "--root", str(repo), "--db", pg_url, "--out", str(repo / "rep"), "--json"]
    )
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["report"]["questions"] == 200


def _wait(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_database_killed_mid_load_keeps_every_acknowledged_question(repo: Path, postgres, pg_url: str) -> None:
    """An immediate shutdown is a crash to PostgreSQL (no checkpoint; recovery replays the WAL).
    The service answers 503 while the database is down and stores again once it is back."""
    _unlimited(repo)
    acked: list[str] = []
    failures: list[int] = []
    stop = threading.Event()
    with running(repo, db=pg_url) as base:

        def load(worker: int) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    status, _, reply = call(
                        f"{base}/api/questions",
                        "POST",
                        {"text": f"员工{worker}第{n}次问：返利多久到账？", "asker": f"w{worker}"},
                    )
                except (urllib.error.URLError, ConnectionError, OSError):
                    continue
                if status == 200 and reply.get("stored"):
                    acked.append(reply["id"])
                elif status != 200:
                    assert status == 503 and reply["error"]["code"] == "PL524", reply
                    failures.append(status)

        workers = [threading.Thread(target=load, args=(w,)) for w in range(4)]
        for w in workers:
            w.start()
        try:
            _wait(lambda: len(acked) >= 60)
            postgres.kill()
            before = len(acked)
            _wait(lambda: len(failures) >= 4)  # the service says it could not store
            postgres.start()
            _wait(lambda: len(acked) >= before + 20)  # and stores again once the database is back
        finally:
            stop.set()
            for w in workers:
                w.join(30)
    with open_store(pg_url) as store:
        kept = {r.id for r in store.iter_records()}
    assert set(acked) <= kept, len(set(acked) - kept)
    assert len(acked) >= 80


def test_two_instances_on_postgresql_count_one_rate_limit(repo: Path, pg_url: str) -> None:
    (repo / "pyproject.toml").write_text("[tool.policy.serve]\nrate_limit_per_minute = 6\n", encoding="utf-8")
    with running(repo, db=pg_url) as one, running(repo, db=pg_url) as two:
        replies = [call(f"{(one, two)[n % 2]}/api/answer?q=%E8%BF%94%E5%88%A9") for n in range(8)]
    assert [r[0] for r in replies] == [200] * 6 + [429] * 2
    assert 1 <= int(replies[-1][1]["retry-after"]) <= 60
