"""Issue 16: ``policy serve`` under load, with the SQLite store and with a PostgreSQL store.

200 concurrent keep-alive clients (asyncio, raw HTTP/1.1) against a ``policy serve`` process on
a copy of the example repository. For each endpoint, the same number of requests: throughput and
p50/p99 latency, as ratios to ``/healthz`` measured under the same load in the same run. Every
tenth question is a retry (same client id: a duplicate) and every twentieth is chatter (rejected);
afterwards ``read = stored + duplicates + rejected`` is checked against the store.

The PostgreSQL run uses a temporary cluster from Debian's ``postgresql`` (tests/pg_support.py),
on the same machine, so its figures include the database's own CPU.

``BENCH_SERVE_N`` sets the requests per endpoint (default 20000; each question is also answered,
and answering is CPU-bound), ``BENCH_SERVE_WORKERS`` the server processes (default 2),
``BENCH_SERVE_STORES`` which stores to run (default ``sqlite,postgresql``).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from tooling.questions.store import open_store

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 200


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _client(port: int, jobs: asyncio.Queue, latencies: list[float], replies: list[dict]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            try:
                method, path, body = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            data = body.encode() if body else b""
            head = (
                f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(data)}\r\n"
                "Content-Type: application/json\r\n\r\n"
            ).encode()
            start = time.perf_counter()
            writer.write(head + data)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            payload = await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if method == "POST":
                replies.append({"status": int(status_line.split()[1]), **json.loads(payload)})
    finally:
        writer.close()


async def _load(port: int, requests: list[tuple[str, str, str | None]]) -> tuple[float, list[float], list[dict]]:
    jobs: asyncio.Queue = asyncio.Queue()
    for r in requests:
        jobs.put_nowait(r)
    latencies: list[float] = []
    replies: list[dict] = []
    start = time.perf_counter()
    await asyncio.gather(*(_client(port, jobs, latencies, replies) for _ in range(CLIENTS)))
    return time.perf_counter() - start, latencies, replies


def _figures(name: str, elapsed: float, latencies: list[float], base: tuple[float, float, float] | None = None):
    q = statistics.quantiles(latencies, n=100)
    rate, p50, p99 = len(latencies) / elapsed, q[49] * 1000, q[98] * 1000
    ratio = (
        f" = {base[0] / rate:.1f}x slower, p50 {p50 / base[1]:.1f}x, p99 {p99 / base[2]:.1f}x /healthz" if base else ""
    )
    print(f"  {name:16} {rate:8.0f} req/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms{ratio}", flush=True)
    return rate, p50, p99


def run(label: str, db: str | None, n: int, workers: str) -> None:
    """One store: start ``policy serve``, load /healthz, /api/answer and /api/questions, check the counts."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        for part in ("policies", "faq"):
            shutil.copytree(ROOT / part, root / part)
        (root / "pyproject.toml").write_text(
            "[tool.policy.serve]\nrate_limit_per_minute = 100000000\n", encoding="utf-8"
        )
        port = _port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tooling",
                "serve",
                "--root",
                str(root),
                "--port",
                str(port),
                "--workers",
                workers,
                *(["--db", db] if db else []),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("policy serve did not start") from None
                    time.sleep(0.2)
            time.sleep(3)  # workers warm their matchers
            print(f"{CLIENTS} concurrent clients, {n} requests per endpoint, {workers} server process(es), {label}")
            base = _figures("/healthz", *asyncio.run(_load(port, [("GET", "/healthz", None)] * n))[:2])
            texts = [f"第{i}号门店的返利什么时候到账？" for i in range(n)]
            answers = [("GET", "/api/answer?q=" + urllib.parse.quote(t), None) for t in texts]
            _figures("/api/answer", *asyncio.run(_load(port, answers))[:2], base)
            posts = []
            for i in range(n):
                if i % 20 == 19:
                    body = {"text": "收到", "asker": f"s{i % 300}"}  # chatter: rejected
                elif i % 10 == 9:
                    body = {"text": texts[i - 1], "asker": f"s{(i - 1) % 300}", "id": f"b{i - 1}"}  # a retry
                else:
                    body = {"text": texts[i], "asker": f"s{i % 300}", "id": f"b{i}"}
                posts.append(("POST", "/api/questions", json.dumps(body, ensure_ascii=False)))
            elapsed, latencies, replies = asyncio.run(_load(port, posts))
            _figures("/api/questions", elapsed, latencies, base)
        finally:
            server.terminate()
            server.wait(30)
        ok = [r for r in replies if r["status"] == 200]
        stored = sum(r["stored"] for r in ok)
        duplicates = sum(r["duplicate"] for r in ok)
        rejected = sum(1 for r in ok if r.get("rejected"))
        with open_store(db or root / "questions.db") as store:
            in_store = store.count()
        print(
            f"  read {len(posts)} = stored {stored} + duplicates {duplicates} + rejected {rejected} "
            f"({'holds' if len(posts) == stored + duplicates + rejected else 'DOES NOT HOLD'}); "
            f"errors {len(replies) - len(ok)}; in the store {in_store} "
            f"({'= stored' if in_store == stored else 'DIFFERS from stored'})"
        )


def main() -> None:
    n = int(os.environ.get("BENCH_SERVE_N", "20000"))
    workers = os.environ.get("BENCH_SERVE_WORKERS", "2")
    stores = os.environ.get("BENCH_SERVE_STORES", "sqlite,postgresql").split(",")
    if "sqlite" in stores:
        run("SQLite", None, n, workers)
    if "postgresql" in stores:
        from tests.pg_support import start_postgres

        server = start_postgres()
        try:
            run("PostgreSQL", server.create_database("bench"), n, workers)
        finally:
            server.stop()
            shutil.rmtree(server.data, ignore_errors=True)


if __name__ == "__main__":
    main()
