"""Issue 16: ``policy report`` on 100,000 questions (target ≤ 10 s).

A copy of the example repository (its approved FAQ entries included) with 100,000 questions
written straight into its store: 400 distinct paraphrases of real policy questions over 52 weeks,
from 3,000 askers. Baseline in the same run: reading every record back from the store.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import tempfile
import time
from pathlib import Path

from tooling.questions.models import QuestionRecord
from tooling.questions.store import QuestionStore
from tooling.report.build import build_report, render

ROOT = Path(__file__).resolve().parents[1]
N = 100_000
STEMS = [
    "返利什么时候到账",
    "返利能不能提现",
    "返利有效期多久",
    "窜货罚多少",
    "样机怎么申请",
    "账期怎么申请",
    "信用额度怎么提",
    "退货要什么条件",
    "红字发票怎么开",
    "价保怎么申报",
    "出差住宿标准多少",
    "打车能报吗",
    "出差补助多少",
    "报销多久到账",
    "年假几天",
    "How long is the claim deadline",
    "Hotel cap in Shanghai",
    "Can I take a taxi",
    "Per diem for a manager",
    "Who approves a trip",
]
TAILS = ["？", "呀", "，急", "？谢谢", "", "?", " please", "，在线等", "。", "？？"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        for part in ("policies", "faq"):
            shutil.copytree(ROOT / part, root / part)
        rng = random.Random(5)
        texts = [f"{s}{t}" for s in STEMS for t in TAILS][:400]
        start = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
        records = [
            QuestionRecord(
                id=f"q{i:08d}",
                source="bench.jsonl",
                channel="chat",
                asker=f"u{rng.randrange(3000)}",
                asked_at=start + dt.timedelta(minutes=rng.randrange(52 * 7 * 24 * 60)),
                text=(text := rng.choice(texts)),
                normalized=text,
                batch="bench",
            )
            for i in range(N)
        ]
        with QuestionStore(root / "questions.db") as store, store.transaction():
            store.insert(records)
        t0 = time.perf_counter()
        with QuestionStore(root / "questions.db") as store:
            count = sum(1 for _ in store.iter_records())
        base = time.perf_counter() - t0
        times = []
        for _ in range(2):  # cold: the matcher's index is built first (once per repository); warm: cached
            t0 = time.perf_counter()
            report = build_report(root)
            page = render(report)
            times.append(time.perf_counter() - t0)
        cold, warm = times
        print(
            f"{count} questions, {sum(len(p.top) for p in report.policies)} top clusters, page {len(page) // 1024} KiB"
        )
        print(f"  baseline, reading every record: {base:.2f} s")
        print(
            f"  policy report, index cached (as after any build or answer): {warm:.2f} s = {warm / base:.1f}x "
            f"baseline (target ≤ 10 s)"
        )
        print(f"  policy report, cold (matching index built first): {cold:.2f} s = {cold / base:.1f}x baseline")
        print(f"  {report.overall.summary()}")


if __name__ == "__main__":
    main()
