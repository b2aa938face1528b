"""Generate a synthetic policy repository (N policies x M clauses) for benchmarks."""

from __future__ import annotations

import random
from pathlib import Path

from tooling.numerals import int_to_cn

_ZH = (
    "经销商应当按照本政策规定的时限提交申请，区域经理在{n}个工作日内审核，逾期未提交的视为放弃。"
    "返利按季度净回款的{p}%计算，计入返利账户后{n}个月内有效。"
)
_EN = (
    "Employees must submit the claim within {n} calendar days after the trip. The company reimburses up to "
    "RMB {a} per night, and the line manager approves exceptions in writing."
)


def make_corpus(root: Path, policies: int = 200, clauses: int = 50, seed: int = 7) -> Path:
    """Write ``policies`` policy files of ``clauses`` clauses each, in all three styles."""
    rng = random.Random(seed)
    folder = root / "policies"
    folder.mkdir(parents=True, exist_ok=True)
    (root / "faq").mkdir(exist_ok=True)
    for i in range(policies):
        style = i % 3
        pid = f"P{i:03d}"
        lang = "en" if style == 2 else "zh"
        lines = [
            "---",
            f"policy: {pid}",
            f"title: 政策{i}" if lang == "zh" else f"title: Policy {i}",
            'version: "1.0"',
            "effective: 2026-01-01",
            "owner: 市场部",
            f"language: {lang}",
            "---",
            "",
            f"# Policy {i}",
            "",
        ]
        if style == 1:  # regulation style: chapters of articles
            for a in range(1, clauses + 1):
                if a % 10 == 1:
                    lines += [f"## 第{int_to_cn(a // 10 + 1)}章 规定", ""]
                lines += [f"**第{int_to_cn(a)}条** " + _ZH.format(n=rng.randint(2, 30), p=rng.randint(1, 9)), ""]
        else:  # numbered headings: sections of sub-clauses
            sections = clauses // 5
            for s in range(1, sections + 1):
                lines += [f"## {s} {'第' + str(s) + '部分' if lang == 'zh' else 'Part ' + str(s)}", ""]
                for c in range(1, 5):
                    text = (_ZH if lang == "zh" else _EN).format(
                        n=rng.randint(2, 30), p=rng.randint(1, 9), a=rng.randint(200, 900)
                    )
                    lines += [f"### {s}.{c} {'条款' if lang == 'zh' else 'Clause'} {s}.{c}", "", text, ""]
        (folder / f"policy-{i:03d}.md").write_text("\n".join(lines), encoding="utf-8")
    return root
