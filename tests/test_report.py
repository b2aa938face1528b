"""``policy report``: the deflection figure recovers an effect built into a generated log, and the
page renders offline in Chromium, with its charts, readable at 375 px."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tooling.cli import cli
from tooling.report.deflection import MIN_WEEKS, deflection

START = dt.datetime(2026, 1, 5, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a Monday


def _log(seed: int, effect: float, trend: float, weeks: int = 26, cut: int = 12, topics: int = 30, treated: int = 10):
    """Poisson weekly counts per topic; after week ``cut`` every topic rises by ``trend`` (a
    season) and the treated ones also fall by ``effect`` (their entry was approved that week)."""
    rng = np.random.default_rng(seed)
    events, approved = [], {}
    for t in range(topics):
        rate = rng.uniform(2, 8)
        for w in range(weeks):
            lam = rate * ((1 + trend) if w > cut else 1) * ((1 - effect) if t < treated and w > cut else 1)
            for _ in range(rng.poisson(lam)):
                events.append((f"t{t}", START + dt.timedelta(weeks=w, hours=int(rng.integers(0, 100)))))
        if t < treated:
            approved[f"t{t}"] = (START + dt.timedelta(weeks=cut, days=2)).date()
    return events, approved


@pytest.mark.parametrize(("effect", "trend"), [(0.7, 0.3), (0.7, -0.3), (0.0, 0.5), (0.4, 0.0)])
def test_the_figure_recovers_a_built_in_effect(effect: float, trend: float) -> None:
    """Tolerance: over 200 seeds the error's spread is at most 0.056 (SD, at no effect and a 50%
    season), so each log is held to ±0.17 (3 SD) and the mean of 20 logs to ±0.04 (3 SD/√20)."""
    errors = []
    for seed in range(20):
        events, approved = _log(seed, effect, trend)
        measured = deflection(events, approved)
        assert measured.topics_measured == 10 and measured.weeks == 26
        assert all(r.weeks_before == 12 and r.weeks_after == 13 for r in measured.topics)
        errors.append(measured.effect - effect)
    assert max(map(abs, errors)) <= 0.17, errors
    assert abs(sum(errors) / len(errors)) <= 0.04, errors


def test_thin_data_gives_no_figure() -> None:
    events, approved = _log(1, 0.7, 0.0, weeks=MIN_WEEKS + 3, cut=MIN_WEEKS + 1)
    measured = deflection(events, approved)
    assert measured.effect is None and all(r.effect is None and "weeks" in r.why_none for r in measured.topics)
    assert "not enough data" in measured.summary()
    few = deflection(
        [("a", START), ("b", START), ("b", START + dt.timedelta(weeks=12))],
        {"a": (START + dt.timedelta(weeks=6)).date()},
    )
    assert few.effect is None and few.topics[0].why_none.startswith("fewer than")


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

## 2 样机

### 2.1 样机申请

每家新开门店可申请一套样机，按一级经销价的50%结算，申请须经区域经理审批。
"""

FAQ = """# 渠道返利办法 常见问题

```{faq} 返利能不能提现？
:id: qd-faq-1
:clauses: QD 1.1
:status: approved
:reviewed-by: 张敏
:reviewed-on: 2026-03-30
不能。返利只能用于抵扣后续提货的货款，不得提现。见{clause}`QD 1.1`。
```
"""

TOPICS = {
    "cash": ["返利能不能提现？", "返利可以提现吗", "返利能提现吗？急", "请问返利能不能提现"],
    "expiry": ["返利有效期多久？", "返利多久过期", "返利的有效期是多久", "返利会过期吗？"],
    "demo": ["样机怎么申请？", "新店样机怎么申请", "样机申请找谁审批？", "样机按什么价格结算？"],
}


def _questions(path: Path, weeks: int = 20, cut: int = 12) -> None:
    """A question log with a known effect: 返利提现 asked ~6 times a week until its entry (week
    12), then ~2 (a 67% fall); the other topics steady."""
    rng = random.Random(7)
    lines = []
    for w in range(weeks):
        for topic, texts in TOPICS.items():
            rate = 6 if topic != "cash" or w <= cut else 2
            for k in range(rate):
                when = START + dt.timedelta(weeks=w, days=k % 5, hours=k)
                lines.append(
                    {
                        "id": f"{topic}-{w}-{k}",
                        "asked_at": when.isoformat(),
                        "asker": f"s{rng.randrange(40)}",
                        "text": texts[(w + k) % len(texts)],
                        "channel": "wecom",
                    }
                )
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")


@pytest.fixture
def report_repo(make_repo, tmp_path: Path) -> Path:
    root = make_repo({"policies/qd.md": POLICY, "faq/qd.md": FAQ})
    _questions(tmp_path / "log.jsonl")
    result = CliRunner().invoke(cli, ["questions", "ingest", "--root", str(root), str(tmp_path / "log.jsonl")])
    assert result.exit_code == 0, result.output
    return root


def test_policy_report_end_to_end(report_repo: Path, browser) -> None:
    result = CliRunner().invoke(cli, ["report", "--root", str(report_repo), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (qd,) = data["report"]["policies"]
    rows = {r["topic"]: r for r in qd["deflection"]["topics"]}
    assert len(rows) == 1
    (row,) = rows.values()
    assert row["weeks_before"] == 12 and row["weeks_after"] == 7
    assert abs(row["effect"] - 2 / 3) <= 0.1, row  # built in: 6 → 2 a week, others steady
    assert {r["status"] for r in qd["top"]} == {"answered", "covered"}
    page_file = Path(data["out"])
    text = page_file.read_text(encoding="utf-8")
    assert "<script" not in text and "发布后，已回答主题的重复提问减少了" in text
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(page_file.as_uri())
    assert page.locator("svg.chart rect").count() == 20
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(page_file.parent / "375.png"), full_page=True)
    page.close()


def test_searches_that_ended_on_the_entry_count_against_questions_still_sent(report_repo: Path) -> None:
    """The search page's beacon reaches ``POST /api/searches`` on a real server; the report
    counts those that ended on the answered topic's entry after its approval."""
    from tooling.questions.store import QuestionStore

    from .test_service import call, running

    with running(report_repo) as base:

        def opened(body: dict) -> tuple[int, dict]:
            status, _, reply = call(
                f"{base}/api/searches",
                "POST",
                json.dumps(body, ensure_ascii=False),
                {"Content-Type": "text/plain;charset=UTF-8"},
            )  # what sendBeacon sends
            return status, reply

        for n in range(5):
            assert opened(
                {"query": f"返利提现 我的电话1381234567{n}", "target": "qd-faq-1", "kind": "faq", "policy": "QD"}
            ) == (200, {"stored": True})
        assert opened({"query": "返利有效期", "target": "QD 1.2", "kind": "clause"})[0] == 200
        for bad in (
            {"target": "<script>", "kind": "faq"},
            {"target": "qd-faq-1", "kind": "page"},
            {"kind": "faq"},
            ["qd-faq-1"],
        ):
            status, reply = opened(bad)
            assert status == 400 and reply["error"]["code"] == "PL520", (bad, reply)
    with QuestionStore(report_repo / "questions.db") as store:
        kept = list(store.searches())
    assert len(kept) == 6 and all("13812345" not in s.query for s in kept) and kept[0].query.startswith("返利提现")
    result = CliRunner().invoke(cli, ["report", "--root", str(report_repo), "--json"])
    data = json.loads(result.stdout)["report"]
    (row,) = data["policies"][0]["answered"]
    assert (row["searches"], row["asked_after"]) == (5, 20)  # 6 in the approval week, then 2 a week for 7
    assert (data["searches"], data["searches_on_entries"], data["asked_after"]) == (6, 5, 20)
    text = Path(json.loads(result.stdout)["out"]).read_text(encoding="utf-8")
    assert "批准后有5次搜索落在已回答主题的 FAQ 条目上，同期这些主题仍收到20个提问（20%的人自己找到了答案）" in text
    assert "<td class='n'>5 / 20</td>" in text
