"""Answers people can act on: the direct answer first, in the clause's words; the topic check that
keeps an entry to the questions its clause answers; ``policy answer`` quoting the sentence."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tooling.catalog import Catalog
from tooling.cli import cli
from tooling.errors import PolicyToolError
from tooling.faq.approve import approve
from tooling.faq.intents import refine
from tooling.faq.models import ClauseText, DraftRequest
from tooling.faq.offline import draft_offline
from tooling.faq.topic import key_words, topic_index
from tooling.faqpage import read_page
from tooling.matching.answer import Matcher
from tooling.matching.cluster import make_cluster
from tooling.matching.extract import question_kind, quote, short_answer

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
    return DraftRequest(
        cluster_id="c1",
        policy=key.split()[0],
        language=language,
        representative=question,
        samples=[],
        clauses=[_clause(repo, key)],
    )


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
    assert said == "返利不兑换现金，也不单独开具发票。"  # the sentence that forbids, not the first one
    approval = _clause(repo, "QD 2.1")
    assert "销售总监" in quote("折扣超过5%谁审批？", approval.text, approval.title)
    assert "30天" in quote("折扣批复多久有效？", approval.text, approval.title)


def test_the_short_answer_mirrors_the_question_and_only_when_it_is_safe() -> None:
    assert short_answer("返利能不能提现？", "返利不兑换现金，也不单独开具发票") == "不能。"
    assert short_answer("折扣要不要审批？", "超过5%的须经销售总监审批") == "需要。"
    assert short_answer("Can I take a taxi?", "Taxi fares are reimbursed with a receipt") == "Yes."
    assert short_answer("返利能提现还是只能抵货款？", "返利不兑换现金") == ""  # a choice, not yes/no
    assert short_answer("样机能卖吗？", "返利不兑换现金") == ""  # a sentence about something else
    assert short_answer("返利什么时候到期？", "返利自入账之日起12个月内有效") == ""  # not a yes/no question


def test_a_quote_takes_a_list_whole_a_table_row_alone_and_a_time_for_when() -> None:
    rules = (
        "非质量问题退货须同时满足：距签收日不超过60天；包装完好、未拆封；单季度退货金额不超过上季度提货额的5%。"
        "退货运费由经销商承担。"
    )
    assert quote("非质量问题能退货吗？", rules) == rules.split("。")[0] + "。"  # the conditions are the answer
    table = "城市 | 住宿标准\n一线城市 | 600元\n二线城市 | 450元"
    assert quote("一线城市住宿标准是多少？", table) == "一线城市：住宿标准600元"  # the row asked for, not the table
    assert quote("住宿标准是多少？", table) == "一线城市：住宿标准600元；二线城市：住宿标准450元"  # no row named: all
    # a figure no branch states (5天, 12年): all the sentence's branches, the reader picks theirs
    approval = "休假3天以内的由部门经理审批；3天以上的须经人力资源部负责人审批。员工须提前3个工作日申请。"
    assert quote("请5天假谁审批？", approval) == "休假3天以内的由部门经理审批；3天以上的须经人力资源部负责人审批。"
    assert quote("请3天以内的假谁审批？", approval) == "休假3天以内的由部门经理审批"  # the branch asked about
    invoice = "公司开具13%税率的增值税专用发票。发票在发货后10日内开出。"
    assert quote("专票最晚多久开出来？", invoice) == "发票在发货后10日内开出。"  # 13% is not a time
    # a word shared in full and by its parts (经销商, 经销) counts once: the sentence with the time wins
    receipt = "经销商须在签收时当场核对外包装。外包装破损的，于签收后48小时内反馈。"
    assert quote("经销商说外箱破了，几天内要反馈？", receipt).startswith("外包装破损的")


def test_a_yes_or_no_reads_the_rule_not_its_list_items() -> None:
    fines = "窜货按次数累计处罚：第1次：罚5,000元；第2次：取消当季度返利；第3次：终止合同，保证金不予退还"
    assert short_answer("窜货的处罚是按次数算吗？", fines) == ""  # 按…算 is "calculated", and 不予 is an item's
    assert short_answer("赠品算不算降价？", "赠品不计入降价金额") == "不算。"  # 算不算 is "does it count as"


def test_offline_answers_open_with_the_answer_in_the_clauses_words(repo: Path) -> None:
    draft = draft_offline(_request(repo, "返利能不能提现？", "QD 1.1"))
    assert draft.answer.startswith("不能。返利不兑换现金")
    assert draft.answer.endswith("见{clause}`QD 1.1`。") and draft.clauses == ["QD 1.1"]
    body = draft.answer.removeprefix("不能。").removesuffix("。见{clause}`QD 1.1`。")
    assert body in _clause(repo, "QD 1.1").text  # every word of substance is the clause's
    days = draft_offline(_request(repo, "返利有效期多久？", "QD 1.2"))
    assert days.answer.startswith("返利自入账之日起12个月内有效")  # the figure asked for, first
    en = draft_offline(_request(repo, "What is the deadline for claims?", "TRIP 1.1", "en"))
    assert en.answer.startswith("Claims must be submitted within 30 days") and en.answer.endswith(
        "See {clause}`TRIP 1.1`."
    )
    late = draft_offline(_request(repo, "Are late claims reimbursed?", "TRIP 1.1", "en"))
    assert late.answer.startswith("No. Late claims are not reimbursed.")


def test_the_topic_check_sees_a_right_figure_in_the_wrong_clause(repo: Path) -> None:
    topics = topic_index(Catalog.load(repo), "QD")
    assert "返利" in topics.missing("返利有没有有效期？", ["QD 2.1"])  # 30天内有效 is there; 返利 is not
    assert topics.missing("返利有没有有效期？", ["QD 1.2"]) == []
    assert topics.missing("折扣批复多久有效？", ["QD 2.1"]) == []
    assert topics.missing("你好，请问一下？", ["QD 2.1"]) == []  # no key term: no evidence against
    # what scrubbing left of a name is not a topic, even where a clause says 姓名
    assert key_words("我叫[姓名]，返利有没有有效期？") == key_words("返利有没有有效期？")


def _record(qid: str, text: str, asker: str):
    from tooling.questions.models import QuestionRecord

    return QuestionRecord(
        id=qid,
        source="t.csv",
        channel="chat",
        asker=asker,
        text=text,
        normalized=text,
        batch="b1",
        asked_at=datetime(2026, 3, 1, tzinfo=UTC),
    )


def test_questions_off_topic_for_their_group_go_back_and_counts_follow(repo: Path) -> None:
    records = {
        r.id: r
        for r in [
            _record("q1", "折扣批复多久有效？", "a"),
            _record("q2", "折扣审批后多久失效？", "b"),
            _record("q3", "返利有没有有效期？", "c"),
        ]
    }
    group = make_cluster(
        "clause:QD 2.1", list(records.values()), datetime(2026, 3, 2, tzinfo=UTC), {q: True for q in records}
    )
    assert group.size == 3
    refined = refine([group], records, {"QD": topic_index(Catalog.load(repo), "QD")})
    assert refined.inbox == ["q3"]
    (kept,) = refined.clusters
    assert kept.question_ids == ["q1", "q2"] and kept.size == 2 and kept.askers == 2 and kept.clauses == ["QD 2.1"]


def _page(entry_options: str, answer: str) -> str:
    return (
        "# 渠道返利办法 常见问题\n\n```{faq} 返利有没有有效期？\n:id: qd-faq-1\n:clauses: QD 2.1\n:status: draft\n"
        f"{entry_options}{answer}\n```\n"
    )


def test_an_off_topic_entry_is_not_approved_until_a_person_confirms(repo: Path) -> None:
    page = repo / "faq" / "qd.md"
    page.write_text(
        _page(":unsupported-topic: 返利\n", "折扣批复自审批通过之日起30天内有效。见{clause}`QD 2.1`。"),
        encoding="utf-8",
    )
    with pytest.raises(PolicyToolError) as err:
        approve(repo, "qd-faq-1", "张敏")
    assert err.value.problems[0].code == "PL812" and "返利" in err.value.problems[0].message
    assert err.value.problems[0].line == 7  # the flag's own line
    result = CliRunner().invoke(cli, ["check", "--root", str(repo)])
    assert "PL812" not in result.output  # a flagged draft is the reviewer's to decide
    approve(repo, "qd-faq-1", "张敏", force=True)  # --force is the reviewer's confirmation
    entry = read_page(page, repo).get("qd-faq-1")
    assert (
        entry.status == "approved" and entry.unsupported_topic == [] and ":unsupported-topic:" not in page.read_text()
    )


def test_removing_the_flag_line_confirms_and_a_fixed_citation_clears_it(repo: Path) -> None:
    page = repo / "faq" / "qd.md"
    page.write_text(_page("", "折扣批复自审批通过之日起30天内有效。见{clause}`QD 2.1`。"), encoding="utf-8")
    approve(repo, "qd-faq-1", "张敏")  # the reviewer took the line out
    page.write_text(
        _page(":unsupported-topic: 返利\n", "返利12个月内有效。见{clause}`QD 1.2`。").replace(
            ":clauses: QD 2.1", ":clauses: QD 1.2"
        ),
        encoding="utf-8",
    )
    assert approve(repo, "qd-faq-1", "张敏").status == "approved"  # cites the right clause now


def test_policy_answer_quotes_the_sentence_then_cites_it(repo: Path) -> None:
    m = Matcher.open(repo, semantic="off")
    result = m.answer("返利能不能提现？")
    assert result.covered and result.matches[0].key == "QD 1.1"
    assert result.quote == "返利不兑换现金，也不单独开具发票。"
    assert result.reply == (
        "返利不兑换现金，也不单独开具发票。（《渠道返利办法》第1.1条（返利的使用） policies/qd.html#qd-1-1）"
    )
    out = CliRunner().invoke(cli, ["answer", "--root", str(repo), "--json", "Are late claims reimbursed?"])
    data = json.loads(out.output)
    assert data["quote"] == "Late claims are not reimbursed." and data["reply"].startswith(
        "Late claims are not reimbursed."
    )
    assert "(Travel Rules §1.1 (Claim deadline), policies/trip.html#trip-1-1)" in data["reply"]
    gap = m.answer("公司食堂几点开门？")
    assert not gap.covered and gap.quote == ""


def test_an_answer_from_the_faq_gives_the_short_answer_and_the_clause_it_rests_on(repo: Path) -> None:
    (repo / "faq" / "qd.md").write_text(
        "# 渠道返利办法 常见问题\n\n```{faq} 返利可以换成现金吗？\n:id: qd-faq-1\n:clauses: QD 1.1\n:status: approved\n"
        ":reviewed-by: 张敏\n:reviewed-on: 2026-03-01\n不能。返利不兑换现金，只能抵扣货款，见{clause}`QD 1.1`。\n```\n",
        encoding="utf-8",
    )
    result = Matcher.open(repo, semantic="off").answer("返利可以换成现金吗？")
    assert result.matches[0].kind == "faq"
    # a bare 不能 says nothing alone: the rule sentence comes with it (the citation shown as the reader sees it)
    assert result.quote == "不能。返利不兑换现金，只能抵扣货款，见《渠道返利办法》第1.1条（返利的使用）。"
    assert re.search(
        r"常见问题「返利可以换成现金吗？」faq/qd\.html#qd-faq-1；依据《渠道返利办法》第1\.1条（返利的使用） "
        r"policies/qd\.html#qd-1-1）$",
        result.reply,
    ), result.reply


def test_a_clause_gets_an_entry_per_intent(repo: Path) -> None:
    from tooling.faq.draft import answered
    from tooling.faqpage import FaqEntry

    records = {
        r.id: r
        for r in [
            _record("q1", "折扣超过5%由谁审批？", "a"),
            _record("q2", "折扣找谁审批？", "b"),  # who
            _record("q3", "折扣批复多久有效？", "c"),
            _record("q4", "折扣审批后多久失效？", "d"),  # how long
            _record("q5", "折扣审批可以加急吗？", "e"),
        ]
    }  # the rest
    group = make_cluster(
        "clause:QD 2.1", list(records.values()), datetime(2026, 3, 2, tzinfo=UTC), {q: True for q in records}
    )
    refined = refine([group], records, {"QD": topic_index(Catalog.load(repo), "QD")})
    assert refined.inbox == []
    parts = sorted(sorted(c.question_ids) for c in refined.clusters)
    assert parts == [["q1", "q2"], ["q3", "q4"], ["q5"]]
    assert all(c.clauses == ["QD 2.1"] for c in refined.clusters)
    who = FaqEntry(id="qd-faq-1", question="折扣超过5%由谁审批？", clauses=["QD 2.1"])
    by_part = {tuple(sorted(c.question_ids)): c for c in refined.clusters}
    assert answered(by_part[("q1", "q2")], [who])  # the same clause and intent: answered
    assert not answered(by_part[("q3", "q4")], [who])  # the same clause, another intent: its own entry
    # what one person asks stays with the rest (no group of its own is split off for it)
    lone = {
        r.id: r
        for r in [
            _record("q1", "折扣超过5%由谁审批？", "a"),
            _record("q2", "折扣能叠加吗？", "b"),
            _record("q3", "折扣批复多久有效？", "c"),
        ]
    }
    one = make_cluster("clause:QD 2.1", list(lone.values()), datetime(2026, 3, 2, tzinfo=UTC), {q: True for q in lone})
    assert [c.size for c in refine([one], lone, {"QD": topic_index(Catalog.load(repo), "QD")}).clusters] == [3]


TIERS = [
    ("T 1", "City tiers\nTier 1: Beijing and Shanghai. Tier 2: Xiamen, Chengdu and Wuhan.", True),
    (
        "T 2",
        "Hotel caps\nHotel | Staff | Managers\nTier 1 city | RMB 700 | RMB 900\nTier 2 city | RMB 500 | RMB 650",
        True,
    ),
    ("T 3", "Taxis\nTaxi fares to the airport are reimbursed with a receipt.", True),
    ("T 4", "Meals\nMeals with customers are reimbursed up to RMB 200 per person.", True),
]


def test_a_question_two_clauses_answer_together_cites_both() -> None:
    from tooling.faq.topic import TopicIndex

    index = TopicIndex(TIERS)
    assert index.partner("What is the hotel cap in Xiamen for managers?", "T 2") == "T 1"
    assert index.partner("What is the hotel cap for managers?", "T 2") is None  # one clause answers it
    assert index.partner("What is the taxi limit in Xiamen?", "T 2") is None  # T 2 holds none of it
    request = DraftRequest(
        cluster_id="c",
        policy="T",
        language="en",
        representative="Hotel cap in Xiamen for managers?",
        samples=[],
        clauses=[ClauseText(key=k, title=t.split("\n")[0], text=t.split("\n", 1)[1]) for k, t, _ in TIERS[:2][::-1]],
    )
    from tooling.matching.extract import looks_up

    caps, tiers, meals = (t.split("\n", 1)[1] for _, t, _ in (TIERS[1], TIERS[0], TIERS[3]))
    assert looks_up("Hotel cap in Xiamen for managers?", caps, tiers)  # Xiamen is in the Tier 2 sentence
    assert not looks_up("Hotel cap in Xiamen for managers?", caps, meals)
    assert not looks_up("Hotel cap for managers?", caps, tiers)  # nothing the caps lack
    draft = draft_offline(request, also=("T 1",))
    assert draft.clauses == ["T 2", "T 1"]
    # the tier the other clause gives (Xiamen: Tier 2) picks the row of the caps
    assert draft.answer.startswith("Tier 2 city: Staff RMB 500, Managers RMB 650. Tier 2: Xiamen")
    assert draft.answer.endswith("See {clause}`T 2` and {clause}`T 1`.")


def test_two_intents_with_one_answer_make_one_entry_and_a_rerun_adds_nothing(repo: Path, monkeypatch) -> None:
    from tooling.faq.draft import draft_faq
    from tooling.questions.ingest import ingest_paths

    monkeypatch.setenv("POLICY_MATCHING_SEMANTIC", "off")
    asked = [
        ("样机怎么结算？", "a"),
        ("样机按什么价格结算？", "b"),
        ("样机结算打几折？", "c"),
        ("样机按几折结算？", "d"),
    ]
    log = repo / "asked.jsonl"
    log.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"x{i}",
                    "asked_at": f"2026-03-0{i + 1}T09:00:00+08:00",
                    "channel": "chat",
                    "asker": who,
                    "text": text,
                },
                ensure_ascii=False,
            )
            + "\n"
            for i, (text, who) in enumerate(asked)
        ),
        encoding="utf-8",
    )
    ingest_paths(repo, [log])
    report = draft_faq(repo, "QD", top=10)
    samples = [e for e in report.added if e.clauses == ["QD 2.2"]]
    assert len(samples) == 1, [e.question for e in report.added]  # the general and the how-much group share it
    (entry,) = samples
    assert entry.asked == 4 and entry.askers == 4 and len(entry.clusters) == 2
    assert "50%" in entry.answer
    assert draft_faq(repo, "QD", top=10).added == []


TRAVEL_ZH = """---
policy: CL
title: 差旅办法
version: "1.0"
effective: 2026-01-01
owner: 财务部
language: zh
---

# 差旅办法

## 1 招待

### 1.1 业务招待

出差期间招待客户的餐费凭发票报销，每人每餐不超过200元。
"""


def test_a_question_whose_terms_live_in_another_policy_goes_back(make_repo) -> None:
    """The policy's own index finds nothing better for 出差请客户吃饭, so only the whole catalogue
    shows that the question belongs to travel, not to the sales clause it was filed under."""
    root = make_repo(
        {"policies/qd.md": POLICY.replace("每家新开门店", "每家新开门店的客户"), "policies/cl.md": TRAVEL_ZH}
    )
    catalog = Catalog.load(root)
    records = {
        r.id: r
        for r in [
            _record("q1", "新开门店的样机怎么结算？", "a"),
            _record("q2", "样机按什么价格结算？", "b"),
            _record("q3", "出差请客户吃饭的餐费能报销吗？", "c"),
        ]
    }
    group = make_cluster(
        "clause:QD 2.2", list(records.values()), datetime(2026, 3, 2, tzinfo=UTC), {q: True for q in records}
    )
    own = {"QD": topic_index(catalog, "QD")}
    assert refine([group], records, own).inbox == []  # one policy alone: no evidence
    assert topic_index(catalog).elsewhere("出差请客户吃饭的餐费能报销吗？", ["QD 2.2"]) == "CL 1.1"
    assert topic_index(catalog).elsewhere("样机按什么价格结算？", ["QD 2.2"]) is None
    refined = refine([group], records, own, topic_index(catalog))
    assert refined.inbox == ["q3"]
    assert [c.question_ids for c in refined.clusters] == [["q1", "q2"]]
