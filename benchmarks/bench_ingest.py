"""Ingest throughput and memory: 100,000 JSON Lines questions (issue 3: >= 20,000 records/s, flat memory).

Each run is a fresh process so its peak RSS is its own. Rates are given per wall-clock second and
per CPU second (the latter is steadier on a shared 2-core machine). Figures are printed against baselines
measured in the same run: a bare ``json.loads`` + SQLite insert loop (the least any ingest does)
and the peak RSS of a process that only imports the tooling.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev" / "questions.jsonl"
SIZES = (25_000, 50_000, 100_000)

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
mode, root, path = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
if mode == "import":
    from tooling.questions.ingest import ingest_paths
    n = 0; start = time.perf_counter(); cpu = time.process_time()
elif mode == "baseline":
    import sqlite3
    db = sqlite3.connect(root / "baseline.db", isolation_level=None)
    db.execute("CREATE TABLE q (id TEXT PRIMARY KEY, asked_at TEXT, channel TEXT, asker TEXT, text TEXT)")
    start = time.perf_counter(); cpu = time.process_time(); n = 0
    db.execute("BEGIN")
    with open(path, encoding="utf-8") as handle:
        rows = []
        for line in handle:
            o = json.loads(line); n += 1
            rows.append((o["id"], o["asked_at"], o["channel"], o["asker"], o["text"]))
            if len(rows) == 2000:
                db.executemany("INSERT OR IGNORE INTO q VALUES (?,?,?,?,?)", rows); rows = []
        db.executemany("INSERT OR IGNORE INTO q VALUES (?,?,?,?,?)", rows)
    db.execute("COMMIT")
else:
    from tooling.questions.ingest import ingest_paths
    start = time.perf_counter(); cpu = time.process_time()
    summary = ingest_paths(root, [path])
    n = summary.stored
    assert summary.read == summary.stored + summary.duplicates + summary.rejected
seconds = time.perf_counter() - start
print(json.dumps({"n": n, "seconds": seconds, "cpu": time.process_time() - cpu, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _texts() -> list[str]:
    if DEV.is_file():
        return [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines()]
    return ["季度返利什么时候到账？", "What is the hotel cap in Shanghai?", "窜货第一次罚多少？联系13906172283"]


def write_questions(path: Path, count: int, seed: int = 7) -> Path:
    """``count`` questions in the dev-set shape: dev texts with a varying suffix, unique ids."""
    rng = random.Random(seed)
    texts = _texts()
    with open(path, "w", encoding="utf-8") as handle:
        for n in range(count):
            handle.write(
                json.dumps(
                    {
                        "id": f"b{n:07d}",
                        "asked_at": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00+08:00",
                        "channel": rng.choice(["wecom", "email", "form", "phone", "search"]),
                        "asker": f"staff-{rng.randrange(3000):04d}",
                        "text": f"{rng.choice(texts)} #{n}",
                        "intent": "bench",
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    return path


def _run(mode: str, root: Path, path: Path) -> dict:
    root.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(root), str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = {n: write_questions(work / f"q{n}.jsonl", n) for n in SIZES}
        idle = _run("import", work / "idle", files[SIZES[0]])
        base = _run("baseline", work / "base", files[SIZES[-1]])
        base_rate = base["n"] / base["seconds"]
        print(
            f"baseline json.loads + sqlite insert: {base_rate:,.0f} records/s ({base['n'] / base['cpu']:,.0f}/s of CPU); "
            f"process that only imports the tooling: peak RSS {idle['rss_mb']:.0f} MB"
        )
        print(
            f"{'records':>8} {'seconds':>8} {'records/s':>10} {'cpu rec/s':>10} {'vs baseline':>11} "
            f"{'peak RSS MB':>12} {'vs import':>9}"
        )
        for n in SIZES:
            run = _run("ingest", work / f"store{n}", files[n])
            assert run["n"] == n, run
            rate, cpu_rate = n / run["seconds"], n / run["cpu"]
            print(
                f"{n:>8} {run['seconds']:>8.2f} {rate:>10,.0f} {cpu_rate:>10,.0f} {rate / base_rate:>10.2f}x "
                f"{run['rss_mb']:>12.0f} {run['rss_mb'] / idle['rss_mb']:>8.2f}x"
            )
        again = _run("ingest", work / f"store{SIZES[-1]}", files[SIZES[-1]])
        print(
            f"re-ingest of {SIZES[-1]:,} (all duplicates): {SIZES[-1] / again['seconds']:,.0f} records/s, "
            f"stored {again['n']}"
        )
        print("target (issue 3): >= 20,000 records/s at 100,000, flat peak RSS from 25k to 100k")


if __name__ == "__main__":
    main()
