"""``policy serve``: a real uvicorn server on 127.0.0.1, spoken to over HTTP; the store it writes
read back; a server killed mid-load and restarted, with every acknowledged question still there."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from click.testing import CliRunner

from tooling.cli import cli
from tooling.questions.store import QuestionStore
from tooling.service.app import make_app

POLICY = """---
policy: QD
title: 渠道返利办法
version: "1.0"
effective: 2026-01-01
owner: 市场部
language: zh
---

# 渠道返利办法

## 1 返利

### 1.1 返利的使用

返利只能用于抵扣后续提货的货款，不得提现，也不单独开具发票。

### 1.2 返利的有效期

返利自入账之日起12个月内有效，逾期未使用的自动作废。
"""


@pytest.fixture
def repo(make_repo) -> Path:
    return make_repo({"policies/qd.md": POLICY})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(root: Path, port: int | None = None, warm: bool = False, db: Path | str | None = None):
    """The service's app under a real uvicorn server in a thread; yields its base URL. ``warm``
    opens the matcher first, as ``policy serve`` does, so the first answer is not slow."""
    port = port or _free_port()
    app = make_app(root, db)
    if warm:
        app.state.service.warm()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def call(url: str, method: str = "GET", body: bytes | str | dict | None = None, headers: dict | None = None):
    """(status, headers, JSON) of one HTTP request."""
    data = (
        json.dumps(body, ensure_ascii=False).encode()
        if isinstance(body, dict)
        else (body.encode() if isinstance(body, str) else body)
    )
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, json.loads(e.read())


def q(text: str) -> str:
    return urllib.parse.quote(text)


def _stored(root: Path) -> dict[str, object]:
    with QuestionStore(root / "questions.db") as store:
        return {r.id: r for r in store.iter_records()}


def test_answers_like_the_cli_and_stores_like_ingest(repo: Path) -> None:
    with running(repo) as base:
        assert call(f"{base}/healthz")[::2] == (200, {"ok": True})
        status, headers, answer = call(f"{base}/api/answer?q={q('返利能不能提现？')}")
        assert status == 200 and headers["x-content-type-options"] == "nosniff"
        cli_json = json.loads(
            CliRunner().invoke(cli, ["answer", "返利能不能提现？", "--root", str(repo), "--json"]).output
        )
        assert answer == cli_json and answer["matches"][0]["key"] == "QD 1.1"
        status, _, posted = call(
            f"{base}/api/questions",
            "POST",
            {"text": "返利能不能提现？我电话13812345678", "asker": "zhang.wei", "channel": "search", "id": "form-1"},
        )
        assert status == 200 and posted["stored"] is True and posted["duplicate"] is False
        assert posted["answer"]["matches"][0]["key"] == "QD 1.1"
        assert "13812345678" not in json.dumps(posted, ensure_ascii=False)
        again = call(
            f"{base}/api/questions",
            "POST",
            {"text": "返利能不能提现？我电话13812345678", "asker": "zhang.wei", "channel": "search", "id": "form-1"},
        )[2]
        assert again["id"] == posted["id"] and again["stored"] is False and again["duplicate"] is True
        assert call(f"{base}/report")[0] == 404  # no token configured: no report
        chatter = call(f"{base}/api/questions", "POST", {"text": "收到"})[2]
        assert chatter["stored"] is False and chatter["id"] is None and chatter["rejected"].startswith("not a question")
    records = _stored(repo)
    assert list(records) == [posted["id"]]
    record = records[posted["id"]]
    assert record.text == "返利能不能提现？我电话[电话]" and record.channel == "search" and record.batch == "serve"
    assert record.asker and record.asker != "zhang.wei"


def test_bad_and_hostile_bodies_get_json_errors(repo: Path) -> None:
    with running(repo) as base:
        url = f"{base}/api/questions"
        cases = {
            b"{not json": (400, "PL520"),
            b"[1, 2]": (400, "PL520"),
            b'{"text": ""}': (400, "PL520"),
            b'{"text": 12}': (400, "PL520"),
            b'{"asker": "x"}': (400, "PL520"),
            b'{"text": "ok?", "channel": "fax"}': (400, "PL520"),
            b"\xff\xfe": (400, "PL520"),
            b"[" * 5000 + b"]" * 5000: (413, "PL521"),
            json.dumps({"text": "返" * 9000}).encode(): (413, "PL521"),
        }
        for body, (status, code) in cases.items():
            got, headers, reply = call(url, "POST", body, {"Content-Type": "application/json"})
            assert (got, reply["error"]["code"]) == (status, code), body[:40]
            assert reply["error"]["hint"] and headers["content-type"] == "application/json"
        deep = b'{"text": "x", "a": ' + b"[" * 3000 + b"]" * 3000 + b"}"
        assert call(url, "POST", deep)[0] == 400
        status, headers, reply = call(url, "POST", {"text": "<script>alert(1)</script>返利能提现吗？"})
        assert status == 200 and headers["content-type"] == "application/json" and "nosniff" in headers.values()
        assert call(f"{base}/api/answer")[2]["error"]["code"] == "PL520"
        assert call(f"{base}/api/questions")[0] == 405 and call(f"{base}/etc/passwd")[0] == 404


def test_rate_limit_token_cors_and_env_overrides(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "pyproject.toml").write_text(
        '[tool.policy.serve]\nrate_limit_per_minute = 6\nallowed_origins = ["https://policies.example.com"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("POLICY_SERVE_TOKEN_ENV", "QD_SERVICE_TOKEN")
    monkeypatch.setenv("QD_SERVICE_TOKEN", "s3cret")
    auth = {"Authorization": "Bearer s3cret"}
    with running(repo) as base:
        status, headers, reply = call(f"{base}/api/answer?q={q('返利有效期')}")
        assert status == 401 and reply["error"]["code"] == "PL523" and headers["www-authenticate"] == "Bearer"
        assert call(f"{base}/api/answer?q={q('返利有效期')}", headers={"Authorization": "Bearer wrong"})[0] == 401
        assert call(f"{base}/api/answer?q={q('返利有效期')}", headers={"Authorization": "Bearer é"})[0] == 401
        ok = call(f"{base}/api/answer?q={q('返利有效期')}", headers={**auth, "Origin": "https://policies.example.com"})
        assert ok[0] == 200 and ok[1]["access-control-allow-origin"] == "https://policies.example.com"
        other = call(f"{base}/api/answer?q={q('返利有效期')}", headers={**auth, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other[1]
        assert call(f"{base}/api/answer?q={q('返利有效期')}", headers=auth)[0] == 200  # the 6th in a minute
        status, headers, reply = call(f"{base}/api/answer?q={q('返利有效期')}", headers=auth)
        assert status == 429 and reply["error"]["code"] == "PL522" and 1 <= int(headers["retry-after"]) <= 60
        assert call(f"{base}/healthz")[0] == 200  # health is never limited
    monkeypatch.setenv("POLICY_SERVE_RATE_LIMIT_PER_MINUTE", "1000")
    with running(repo) as base:
        assert call(f"{base}/report")[0] == 401
        request = urllib.request.Request(f"{base}/report", headers=auth)
        with urllib.request.urlopen(request, timeout=60) as r:
            page = r.read().decode()
            assert r.headers["content-security-policy"].startswith("default-src 'none'")
        assert "<script" not in page and "提问与回答报告" in page
    monkeypatch.setenv("POLICY_SERVE_RATE_LIMIT_PER_MINUTE", "1000")
    with running(repo) as base:
        assert all(call(f"{base}/api/answer?q={q('返利')}", headers=auth)[0] == 200 for _ in range(5))


def test_the_sliding_window_is_counted_in_the_store(tmp_path: Path) -> None:
    with QuestionStore(tmp_path / "q.db") as store:
        assert [store.retry_after("a", 2, t) for t in (1000, 1001, 1002)] == [0, 0, 58]
        assert store.retry_after("b", 2, 1002) == 0 and store.retry_after("a", 2, 1060.5) == 0
        assert store.retry_after("c", 2, 1200, sweep=True) == 0  # the sweep forgets quiet clients
        assert store._run("SELECT count(*) FROM requests").fetchone()[0] == 1


def test_two_instances_count_one_rate_limit(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("[tool.policy.serve]\nrate_limit_per_minute = 6\n", encoding="utf-8")
    with running(repo) as one, running(repo) as two:
        statuses = [call(f"{(one, two)[n % 2]}/api/answer?q={q('返利能提现吗')}")[0] for n in range(8)]
    assert statuses == [200] * 6 + [429] * 2


def _unlimited(root: Path) -> None:
    (root / "pyproject.toml").write_text("[tool.policy.serve]\nrate_limit_per_minute = 100000\n", encoding="utf-8")


def test_concurrent_writers_lose_nothing_and_logs_hold_no_question_text(repo: Path, caplog) -> None:
    _unlimited(repo)
    caplog.set_level(logging.INFO, logger="policy.serve")
    with running(repo) as base:

        def post(n: int) -> dict:
            status, _, reply = call(
                f"{base}/api/questions",
                "POST",
                {"text": f"第{n}号门店的返利什么时候到账？电话1381234{n:04d}", "asker": f"s{n % 7}"},
            )
            assert status == 200
            return reply

        with ThreadPoolExecutor(16) as pool:
            replies = list(pool.map(post, range(200)))
    assert all(r["stored"] for r in replies)
    assert set(_stored(repo)) == {r["id"] for r in replies}
    lines = [r.getMessage() for r in caplog.records if r.name == "policy.serve"]
    assert len(lines) >= 200 and all("1381234" not in line and "返利" not in line for line in lines)


def test_a_server_killed_mid_load_keeps_every_acknowledged_question(repo: Path) -> None:
    _unlimited(repo)
    port = _free_port()
    command = [sys.executable, "-m", "tooling", "serve", "--root", str(repo), "--port", str(port)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                if call(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                    return proc
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
            time.sleep(0.1)

    proc = start()
    acked: list[str] = []
    stop = threading.Event()

    def load(worker: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                status, _, reply = call(
                    f"http://127.0.0.1:{port}/api/questions",
                    "POST",
                    {"text": f"员工{worker}第{n}次问：返利多久到账？", "asker": f"w{worker}"},
                )
            except (urllib.error.URLError, ConnectionError, OSError):
                return
            if status == 200 and reply.get("stored"):
                acked.append(reply["id"])

    workers = [threading.Thread(target=load, args=(w,)) for w in range(4)]
    for w in workers:
        w.start()
    deadline = time.monotonic() + 60
    while len(acked) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    stop.set()
    for w in workers:
        w.join(30)
    assert len(acked) >= 40
    proc = start()  # the store opens cleanly after the crash
    try:
        assert call(f"http://127.0.0.1:{port}/api/questions", "POST", {"text": "重启后返利还能用吗？"})[2]["stored"]
    finally:
        proc.terminate()
        proc.wait(10)
    stored = _stored(repo)
    assert set(acked) <= set(stored), len(set(acked) - set(stored))


def _slack_headers(secret: str, body: bytes, when: int | None = None) -> dict[str, str]:
    ts = str(when if when is not None else int(time.time()))
    mac = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={mac}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def test_chat_hooks_answer_with_the_clause_and_store_the_question(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "slack-secret")
    body = urllib.parse.urlencode(
        {
            "command": "/policy",
            "text": "返利能不能提现？",
            "user_id": "U024BE7LH",
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        }
    ).encode()
    with running(repo) as base:
        status, _, reply = call(f"{base}/hooks/slack", "POST", body, _slack_headers("slack-secret", body))
        assert status == 200 and reply["response_type"] == "ephemeral" and "1.1" in reply["text"]
        assert "不得提现" in reply["text"] and "<" not in reply["text"].split("http")[0]
        again = call(f"{base}/hooks/slack", "POST", body, _slack_headers("slack-secret", body))  # Slack's retry
        assert again[0] == 200
        assert call(f"{base}/hooks/slack", "POST", body, _slack_headers("wrong", body))[0] == 401
        stale = _slack_headers("slack-secret", body, int(time.time()) - 600)  # a replay
        assert call(f"{base}/hooks/slack", "POST", body, stale)[0] == 401
        status, _, hook = call(
            f"{base}/hooks/webhook", "POST", {"text": {"content": "返利有效期多久？"}, "msgtype": "text"}
        )
        assert status == 200 and "12个月" in hook["reply"]
        assert call(f"{base}/hooks/webhook", "POST", b"{}")[0] == 400
    stored = list(_stored(repo).values())
    assert sorted(r.channel for r in stored) == ["slack", "webhook"]  # the retry is the same question
    assert all(r.asker != "U024BE7LH" for r in stored)
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    with running(repo) as base:
        assert call(f"{base}/hooks/slack", "POST", body, _slack_headers("slack-secret", body))[0] == 404


def test_the_serve_batch_is_listed_and_can_be_forgotten(repo: Path) -> None:
    with running(repo) as base:
        for text in ("返利能提现吗？", "返利多久过期？"):
            assert call(f"{base}/api/questions", "POST", {"text": text})[2]["stored"]
    listed = json.loads(CliRunner().invoke(cli, ["questions", "batches", "--root", str(repo), "--json"]).stdout)
    assert [(b["batch"], b["stored"], b["present"]) for b in listed] == [("serve", 2, 2)]
    gone = CliRunner().invoke(cli, ["questions", "forget", "--batch", "serve", "--yes", "--root", str(repo), "--json"])
    assert json.loads(gone.stdout)["removed"] == 2 and _stored(repo) == {}
