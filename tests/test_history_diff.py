"""Clause-level diffs: insertion = one addition + renumberings, removal, text changes with
Chinese and English redlines, author ids surviving renumbering, ``policy diff``."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tooling.clauses import parse_policy_text
from tooling.cli import cli
from tooling.history import diff_policies, diff_refs, policy_at, redline, redline_html, redline_text
from tooling.history.diff import own_text

from .test_history_releases import PolicyRepo, build_sales_history


def test_insertion_is_one_addition_plus_renumberings(tmp_path: Path):
    root = build_sales_history(tmp_path / "repo").root
    d = diff_refs(root, "SALES", "1.0", "2.0")
    assert [a.new for a in d.added] == ["3"] and d.added[0].title == "价格保护"
    assert d.removed == []
    assert [(r.old, r.new, r.changed) for r in d.renumbered] == [
        ("3", "4", False),
        ("4", "5", True),
        ("5", "6", False),
        ("6", "7", True),
    ]
    # moved-and-changed clauses appear in both lists; nothing else is "changed"
    assert [(c.old, c.new) for c in d.changed] == [("4", "5"), ("6", "7")]
    settle = d.changed[0]
    assert redline_text(settle.redline) == "返利结算\n季度返利在季度结束后[-30-]{+45+}日内结算，计入经销商返利账户。"
    assert d.unchanged == 2 and d.matches["5"] == "6"


def test_removal_and_author_id_survives_rewrite_and_renumbering(tmp_path: Path):
    root = build_sales_history(tmp_path / "repo").root
    d = diff_refs(root, "SALES", "2.0", "3.0")
    assert [(r.old, r.key) for r in d.removed] == [("6", "SALES 6")] and d.removed[0].title == "窜货处罚"
    assert [a.new for a in d.added] == ["4"]
    # 季度返利 was rewritten (similarity alone would not pair it) and moved 4 -> 5: its id (rebate-rate) keeps it
    assert d.matches["4"] == "5"
    assert ("4", "5", True) in [(r.old, r.new, r.changed) for r in d.renumbered]
    rebate = next(c for c in d.changed if c.old == "4")
    assert rebate.title == "返利比例"
    assert [op.op for op in rebate.redline] == ["delete", "insert", "equal"]  # a rewrite, not confetti
    assert "3%" in rebate.redline[0].text and "5%" in rebate.redline[1].text
    assert d.matches["7"] == "7" and d.unchanged == 4
    # without the author id the rewrite is too different to pair: a removal plus an addition
    old, new = policy_at(root, "SALES", "2.0"), policy_at(root, "SALES", "3.0")
    for clause in [*old.clauses, *new.clauses]:
        clause.aliases = []
    plain = diff_policies(old, new)
    assert "4" not in plain.matches and sorted(a.new for a in plain.added) == ["4", "5"]


def test_same_version_diff_is_empty_and_worktree_is_the_default_new(tmp_path: Path):
    pr = build_sales_history(tmp_path / "repo")
    assert diff_refs(pr.root, "SALES", "4.0", "HEAD").is_empty
    (pr.root / "policies/sales.md").write_text(
        (pr.root / "policies/sales.md").read_text(encoding="utf-8").replace("5个工作日", "7个工作日"), encoding="utf-8"
    )
    d = diff_refs(pr.root, "SALES", "4.0", "WORKTREE")
    assert [(c.old, c.new) for c in d.changed] == [("4", "4")]
    assert "[-5-]{+7+}" in redline_text(d.changed[0].redline)


def test_chinese_redline_uses_words_not_whole_sentences():
    ops = redline("经销商应当在季度结束后三十日内提交申请。", "经销商应当在季度结束后十五个工作日内提交书面申请。")
    assert "".join(o.text for o in ops if o.op != "insert") == "经销商应当在季度结束后三十日内提交申请。"
    assert "".join(o.text for o in ops if o.op != "delete") == "经销商应当在季度结束后十五个工作日内提交书面申请。"
    kept = "".join(o.text for o in ops if o.op == "equal")
    assert kept.startswith("经销商应当在季度结束后") and "申请。" in kept
    assert redline_text(ops) == "经销商应当在季度结束后[-三十日内-]{+十五个工作日内+}提交{+书面+}申请。"


def test_english_redline_and_html_is_escaped():
    ops = redline("Claims are paid within 30 days <net>.", "Claims & refunds are paid within 45 days <net>.")
    assert redline_text(ops) == "Claims{+ & refunds+} are paid within [-30-]{+45+} days <net>."
    html = redline_html(ops)
    assert html == "Claims<ins> &amp; refunds</ins> are paid within <del>30</del><ins>45</ins> days &lt;net&gt;."


REGULATION = """---
policy: REBATE
title: 返利管理办法
version: "{v}"
effective: 2025-01-01
owner: 财务部
---

# 返利管理办法

## 第一章 总则

**第一条** 为规范返利管理，制定本办法。

{extra}**第二条** 返利按下列方式结算：
（一）季度返利按季结算；
（二）年度返利按年结算。

**第三条** 本办法由财务部负责解释。
"""


def test_regulation_style_insertion_renumbers_articles_and_items():
    old, _ = parse_policy_text(REGULATION.format(v="1.0", extra=""), "r.md", "policies/r")
    new_text = (
        REGULATION.format(v="2.0", extra="**第二条** 返利只能抵扣货款，不得兑现。\n\n")
        .replace("**第二条** 返利按", "**第三条** 返利按")
        .replace("**第三条** 本办法", "**第四条** 本办法")
    )
    new, problems = parse_policy_text(new_text, "r.md", "policies/r")
    assert not problems
    d = diff_policies(old, new)
    assert [a.new for a in d.added] == ["2"]
    assert [(r.old, r.new) for r in d.renumbered] == [("2", "3"), ("2(1)", "3(1)"), ("2(2)", "3(2)"), ("3", "4")]
    assert d.changed == [] and d.removed == []


def test_own_text_leaves_out_sub_clauses():
    policy, _ = parse_policy_text(REGULATION.format(v="1.0", extra=""), "r.md", "policies/r")
    article = policy.clause("2")
    assert own_text(article, [policy.clause("2(1)"), policy.clause("2(2)")]) == "返利按下列方式结算："


def test_cli_diff_json_and_text(tmp_path: Path):
    pr = build_sales_history(tmp_path / "repo")
    runner = CliRunner()
    result = runner.invoke(cli, ["diff", "SALES", "1.0", "2.0", "--json", "--root", str(pr.root)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["added"][0]["new"] == "3"
    assert {"old": "3", "new": "4", "changed": False, "title": "季度返利"} in data["renumbered"]
    assert data["changed"][0]["redline"][1] == {"op": "delete", "text": "30"}
    text = runner.invoke(cli, ["diff", "SALES", "2.0", "3.0", "--root", str(pr.root)]).output
    assert text.splitlines()[0] == "SALES 2.0 -> 3.0: 1 added, 1 removed, 1 changed, 2 renumbered, 4 unchanged"
    assert "removed     6          窜货处罚" in text


def test_tags_and_commits_as_refs(tmp_path: Path):
    pr = PolicyRepo(tmp_path / "r")
    from .test_history_releases import V1, policy_md

    first = pr.commit({"policies/s.md": policy_md("1.0", "2024-01-01", V1)}, "1.0")
    pr.repo.create_tag("release-2024")
    pr.commit({"policies/s.md": policy_md("1.0", "2024-01-01", V1[:5])}, "drop 6", day="2024-02-01")
    d = diff_refs(pr.root, "SALES", "release-2024", "HEAD")
    assert [r.old for r in d.removed] == ["6"]
    assert diff_refs(pr.root, "SALES", first[:8], "release-2024").is_empty


def test_places_citing_renumbered_clauses_and_versioned_keys(tmp_path: Path):
    from tooling.history.impact import renumbered_citations, resolve_versioned

    pr = build_sales_history(tmp_path / "repo", upto=1)
    faq = (
        "# FAQ\n\n```{faq}\n:id: 1\n:clauses: SALES 4, SALES 1\n:status: draft\n\n"
        "见{clause}`SALES 3`与{clause}`SALES@1.0 4`。\n```\n"
    )
    pr.commit({"faq/sales.md": faq}, "faq", day="2024-01-02")
    from .test_history_releases import V2, policy_md

    pr.commit({"policies/sales.md": policy_md("2.0", "2025-01-01", V2)}, "2.0", day="2024-12-01")
    d = diff_refs(pr.root, "SALES", "1.0", "2.0")
    places = [(p.file, p.line, p.cited, p.now) for p in renumbered_citations(pr.root, d)]
    # the versioned role keeps its meaning; SALES 1 was not renumbered
    assert sorted(places) == [("faq/sales.md", 5, "SALES 4", "SALES 5"), ("faq/sales.md", 8, "SALES 3", "SALES 4")]
    first = renumbered_citations(pr.root, d)[0].as_problem()
    assert (first.code.value, first.file) == ("PL906", "faq/sales.md") and first.hint
    assert resolve_versioned(pr.root, "sales@1.0 §4").title == "返利结算"
    assert resolve_versioned(pr.root, "SALES@2.0 4").title == "季度返利"
    out = CliRunner().invoke(cli, ["diff", "SALES", "1.0", "2.0", "--root", str(pr.root)]).output
    assert "faq/sales.md:8: SALES 3 -> SALES 4" in out


def test_own_text_of_a_section_excludes_its_first_subsection_heading():
    text = "---\npolicy: S\ntitle: t\nversion: '1'\neffective: 2025-01-01\nowner: o\n---\n\n# t\n\n## 9 合同\n\n引言。\n\n### 9.1 准入\n\n须满足条件。\n"
    policy, _ = parse_policy_text(text, "s.md", "policies/s")
    assert own_text(policy.clause("9"), [policy.clause("9.1")]) == "引言。"
    bare, _ = parse_policy_text(text.replace("引言。\n\n", ""), "s.md", "policies/s")
    assert own_text(bare.clause("9"), [bare.clause("9.1")]) == ""


def test_clause_rewritten_in_place_under_same_number_and_title_is_changed():
    head = "---\npolicy: S\ntitle: t\nversion: '{v}'\neffective: 2025-01-01\nowner: o\n---\n\n# t\n\n"
    old, _ = parse_policy_text(head.format(v=1) + "## 1 付款\n\n货到付款。\n\n## 2 退货\n\n七日内可退。\n", "s.md", "s")
    new, _ = parse_policy_text(
        head.format(v=2) + "## 1 付款\n\n经销商须于发货前通过对公账户全额预付货款，不接受现金。\n\n"
        "## 2 退货\n\n七日内可退。\n",
        "s.md",
        "s",
    )
    d = diff_policies(old, new)
    assert [(c.old, c.new) for c in d.changed] == [("1", "1")] and not d.added and not d.removed
