"""Answers people can act on: the direct answer first, in the clause's words; the topic check that
keeps an entry to the questions its clause answers; ``policy answer`` quoting the sentence."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from tooling.catalog import Catalog
from tooling.cli import cli
from tooling.errors import PolicyToolError
from tooling.faq.approve import approve
from tooling.faq.entries import read_page
from tooling.faq.extract import question_kind, quote, short_answer
from tooling.faq.intents import refine
from tooling.faq.models import ClauseText, DraftRequest
from tooling.faq.offline import draft_offline
from tooling.faq.topic import topic_index
from tooling.matching.answer import Matcher
from tooling.matching.cluster import make_cluster

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

返利只能用于抵扣后续提货的货款，单笔订单抵扣不超过订单金额的30%。返利不兑换现金，也不单独开具发票。

### 1.2 返利的有效期

返利自入账之日起12个月内有效，逾期未使用的自动作废。

## 2 折扣

### 2.1 折扣审批

折扣在5%以内的由区域经理审批；超过5%的须经销售总监审批。折扣批复自审批通过之日起30天内有效。

### 2.2 样机

每家新开门店可申请一套样机，按一级经销价的50%结算。
"""

EN_POLICY = """---
policy: TRIP
title: Travel Rules
version: "1.0"
effective: 2026-01-01
owner: Finance
language: en
---

# Travel Rules

## 1. Claims

### 1.1 Claim deadline

Claims are filed in the expense system. Claims must be submitted within 30 days after the trip. Late claims are not reimbursed.

### 1.2 Taxis

Taxi fares are reimbursed with a receipt. Private cars may not be used without prior approval.
"""


@pytest.fixture
def repo(make_repo) -> Path:
    return make_repo({"policies/qd.md": POLICY, "policies/trip.md": EN_POLICY})


def _clause(repo: Path, key: str) -> ClauseText:
    c = Catalog.load(repo).get(key)
    return ClauseText(key=c.key, title=c.title, text=c.text)


def _request(repo: Path, question: str, key: str, language: str = "zh") -> DraftRequest:
    return DraftRequest(cluster_id="c1", policy=key.split()[0], language=language, representative=question,
                        samples=[], clauses=[_clause(repo, key)])


def test_question_kinds() -> None:
    assert question_kind("谁来审批折扣？") == "who"
    assert question_kind("返利多久内要用完？") == "when"
    assert question_kind("样机最多能申请几套？") == "amount"
    assert question_kind("返利能不能提现？") == "yesno"
    assert question_kind("Can I take a taxi?") == "yesno"
    assert question_kind("样机怎么申请？") == "how"


def test_the_quote_is_the_sentence_that_answers(repo: Path) -> None:
    c = _clause(repo, "QD 1.1")
    said = quote("返利能不能提现？", c.text, c.title)
    assert said == "返利不兑换现金，也不单独开具发票。"          # the sentence that forbids, not the first one
    approval = _clause(repo, "QD 2.1")
    assert "销售总监" in quote("折扣超过5%谁审批？", approval.text, approval.title)
    assert "30天" in quote("折扣批复多久有效？", approval.text, approval.title)


def test_the_short_answer_mirrors_the_question_and_only_when_it_is_safe() -> None:
    assert short_answer("返利能不能提现？", "返利不兑换现金，也不单独开具发票") == "不能。"
    assert short_answer("折扣要不要审批？", "超过5%的须经销售总监审批") == "需要。"
    assert short_answer("Can I take a taxi?", "Taxi fares are reimbursed with a receipt") == "Yes."
    assert short_answer("返利能提现还是只能抵货款？", "返利不兑换现金") == ""         # a choice, not yes/no
    assert short_answer("样机能卖吗？", "返利不兑换现金") == ""                       # a sentence about something else
    assert short_answer("返利什么时候到期？", "返利自入账之日起12个月内有效") == ""      # not a yes/no question


def test_offline_answers_open_with_the_answer_in_the_clauses_words(repo: Path) -> None:
    draft = draft_offline(_request(repo, "返利能不能提现？", "QD 1.1"))
    assert draft.answer.startswith("不能。返利不兑换现金")
    assert draft.answer.endswith("见{clause}`QD 1.1`。") and draft.clauses == ["QD 1.1"]
    body = draft.answer.removeprefix("不能。").removesuffix("。见{clause}`QD 1.1`。")
    assert body in _clause(repo, "QD 1.1").text                      # every word of substance is the clause's
    days = draft_offline(_request(repo, "返利有效期多久？", "QD 1.2"))
    assert days.answer.startswith("返利自入账之日起12个月内有效")        # the figure asked for, first
    en = draft_offline(_request(repo, "What is the deadline for claims?", "TRIP 1.1", "en"))
    assert en.answer.startswith("Claims must be submitted within 30 days") and en.answer.endswith("See {clause}`TRIP 1.1`.")
    late = draft_offline(_request(repo, "Are late claims reimbursed?", "TRIP 1.1", "en"))
    assert late.answer.startswith("No. Late claims are not reimbursed.")


def test_the_topic_check_sees_a_right_figure_in_the_wrong_clause(repo: Path) -> None:
    topics = topic_index(Catalog.load(repo), "QD")
    assert "返利" in topics.missing("返利有没有有效期？", ["QD 2.1"])   # 30天内有效 is there; 返利 is not
    assert topics.missing("返利有没有有效期？", ["QD 1.2"]) == []
    assert topics.missing("折扣批复多久有效？", ["QD 2.1"]) == []
    assert topics.missing("你好，请问一下？", ["QD 2.1"]) == []             # no key term: no evidence against


def _record(qid: str, text: str, asker: str):
    from tooling.questions.models import QuestionRecord

    return QuestionRecord(id=qid, source="t.csv", channel="chat", asker=asker, text=text, normalized=text, batch="b1",
                          asked_at=datetime(2026, 3, 1, tzinfo=timezone.utc))


def test_questions_off_topic_for_their_group_go_back_and_counts_follow(repo: Path) -> None:
    records = {r.id: r for r in [_record("q1", "折扣批复多久有效？", "a"), _record("q2", "折扣审批后多久失效？", "b"),
                                 _record("q3", "返利有没有有效期？", "c")]}
    group = make_cluster("clause:QD 2.1", list(records.values()), datetime(2026, 3, 2, tzinfo=timezone.utc),
                         {q: True for q in records})
    assert group.size == 3
    refined = refine([group], records, {"QD": topic_index(Catalog.load(repo), "QD")})
    assert refined.inbox == ["q3"]
    (kept,) = refined.clusters
    assert kept.question_ids == ["q1", "q2"] and kept.size == 2 and kept.askers == 2 and kept.clauses == ["QD 2.1"]


def _page(entry_options: str, answer: str) -> str:
    return ("# 渠道返利办法 常见问题\n\n```{faq} 返利有没有有效期？\n:id: qd-faq-1\n:clauses: QD 2.1\n:status: draft\n"
            f"{entry_options}{answer}\n```\n")


def test_an_off_topic_entry_is_not_approved_until_a_person_confirms(repo: Path) -> None:
    page = repo / "faq" / "qd.md"
    page.write_text(_page(":unsupported-topic: 返利\n", "折扣批复自审批通过之日起30天内有效。见{clause}`QD 2.1`。"),
                    encoding="utf-8")
    with pytest.raises(PolicyToolError) as err:
        approve(repo, "qd-faq-1", "张敏")
    assert err.value.problems[0].code == "PL812" and "返利" in err.value.problems[0].message
    assert err.value.problems[0].line == 7                           # the flag's own line
    result = CliRunner().invoke(cli, ["check", "--root", str(repo)])
    assert "PL812" not in result.output                              # a flagged draft is the reviewer's to decide
    approve(repo, "qd-faq-1", "张敏", force=True)                      # --force is the reviewer's confirmation
    entry = read_page(page, repo).get("qd-faq-1")
    assert entry.status == "approved" and entry.unsupported_topic == [] and ":unsupported-topic:" not in page.read_text()


def test_removing_the_flag_line_confirms_and_a_fixed_citation_clears_it(repo: Path) -> None:
    page = repo / "faq" / "qd.md"
    page.write_text(_page("", "折扣批复自审批通过之日起30天内有效。见{clause}`QD 2.1`。"), encoding="utf-8")
    approve(repo, "qd-faq-1", "张敏")                                  # the reviewer took the line out
    page.write_text(_page(":unsupported-topic: 返利\n", "返利12个月内有效。见{clause}`QD 1.2`。").replace(
        ":clauses: QD 2.1", ":clauses: QD 1.2"), encoding="utf-8")
    assert approve(repo, "qd-faq-1", "张敏").status == "approved"      # cites the right clause now


def test_policy_answer_quotes_the_sentence_then_cites_it(repo: Path) -> None:
    m = Matcher.open(repo, semantic="off")
    result = m.answer("返利能不能提现？")
    assert result.covered and result.matches[0].key == "QD 1.1"
    assert result.quote == "返利不兑换现金，也不单独开具发票。"
    assert result.reply == ("返利不兑换现金，也不单独开具发票。（《渠道返利办法》第1.1条（返利的使用） "
                            "policies/qd.html#qd-1-1）")
    out = CliRunner().invoke(cli, ["answer", "--root", str(repo), "--json", "Are late claims reimbursed?"])
    data = json.loads(out.output)
    assert data["quote"] == "Late claims are not reimbursed." and data["reply"].startswith("Late claims are not reimbursed.")
    assert "(Travel Rules §1.1 (Claim deadline), policies/trip.html#trip-1-1)" in data["reply"]
    gap = m.answer("公司食堂几点开门？")
    assert not gap.covered and gap.quote == ""


def test_an_answer_from_the_faq_gives_the_short_answer_and_the_clause_it_rests_on(repo: Path) -> None:
    (repo / "faq" / "qd.md").write_text(
        "# 渠道返利办法 常见问题\n\n```{faq} 返利可以换成现金吗？\n:id: qd-faq-1\n:clauses: QD 1.1\n:status: approved\n"
        ":reviewed-by: 张敏\n:reviewed-on: 2026-03-01\n不能。返利不兑换现金，只能抵扣货款，见{clause}`QD 1.1`。\n```\n",
        encoding="utf-8")
    result = Matcher.open(repo, semantic="off").answer("返利可以换成现金吗？")
    assert result.matches[0].kind == "faq"
    assert result.quote.startswith("不能。")
    assert re.search(r"常见问题「返利可以换成现金吗？」faq/qd\.html#qd-faq-1；依据《渠道返利办法》第1\.1条（返利的使用） "
                     r"policies/qd\.html#qd-1-1）$", result.reply), result.reply
