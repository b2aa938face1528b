"""Clause detection in the three styles, clause text extent, front-matter and numbering errors."""

from pathlib import Path

from tooling.catalog import Catalog
from tooling.clauses import parse_policy_text
from tooling.errors import Code

FM = '---\npolicy: {pid}\ntitle: {title}\nversion: "1.0"\neffective: 2026-01-01\nowner: 市场部\n{extra}---\n'

REGULATION = (
    FM.format(pid="REBATE", title="渠道返利管理办法", extra="")
    + """
# 渠道返利管理办法

## 第一章 总则

**第一条** 为规范返利，制定本办法。

**第二条【适用范围】** 本办法适用于一级经销商。

## 第二章 返利计算

第十二条 有下列情形之一的，不予返利：

（一）窜货的；

（二）低价销售的。

前款规定以外，有下列情形之一的，减半返利：
（一）逾期付款的；
（二）未按时对账的。

(rebate-old-anchor)=
**第十二条之一** 新增条款。

**第一百零三条** 附则。
"""
)


def parse(text, doc="policies/x"):
    return parse_policy_text(text, "policies/x.md", doc)


def test_regulation_style_articles_items_and_paragraphs():
    policy, problems = parse(REGULATION)
    assert problems == []
    keys = [c.key for c in policy.clauses]
    assert keys == [
        "REBATE 1",
        "REBATE 2",
        "REBATE 12",
        "REBATE 12(1)",
        "REBATE 12(2)",
        "REBATE 12.2(1)",
        "REBATE 12.2(2)",
        "REBATE 12-1",
        "REBATE 103",
    ]
    by_key = {c.key: c for c in policy.clauses}
    assert by_key["REBATE 2"].title == "适用范围"
    assert by_key["REBATE 12-1"].anchor == "rebate-12_1"
    assert by_key["REBATE 12(1)"].anchor == "rebate-12-1"
    assert by_key["REBATE 12-1"].aliases == ["rebate-old-anchor"]
    assert by_key["REBATE 12.2(1)"].label == "第十二条第二款第（一）项"
    assert by_key["REBATE 12.2(1)"].parent == "REBATE 12"
    assert by_key["REBATE 12.2(1)"].source.line == 26
    assert by_key["REBATE 12"].chapter == "第二章 返利计算"
    # An article's text runs to the next article and holds its items; an item's text is its own.
    assert "逾期付款" in by_key["REBATE 12"].text and "新增条款" not in by_key["REBATE 12"].text
    assert by_key["REBATE 12(2)"].text == "低价销售的。"


def test_numbered_headings_chinese_and_english():
    zh, _ = parse(
        FM.format(pid="SALES", title="销售政策", extra="")
        + "# 销售政策\n\n## 4 返利\n\n引言。\n\n### 4.2 返利结算时间\n\n季度结束后次月25日前。\n\n"
        "### 4.3 返利使用\n\n抵扣货款。\n\n## 5 付款\n\n款到发货。\n"
    )
    assert [(c.key, c.title, c.parent) for c in zh.clauses] == [
        ("SALES 4", "返利", None),
        ("SALES 4.2", "返利结算时间", "SALES 4"),
        ("SALES 4.3", "返利使用", "SALES 4"),
        ("SALES 5", "付款", None),
    ]
    sales4 = zh.clauses[0]
    assert "季度结束后次月25日前" in sales4.text and "款到发货" not in sales4.text
    en, _ = parse(
        FM.format(pid="TRAVEL", title="Travel", extra="language: en\n")
        + "# Travel\n\n## 3. Per diem\n\n### 3.1 City tiers\n\nTier 1: Beijing.\n"
    )
    assert [(c.key, c.title, c.language) for c in en.clauses] == [
        ("TRAVEL 3", "Per diem", "en"),
        ("TRAVEL 3.1", "City tiers", "en"),
    ]


def test_article_paragraphs_in_english():
    policy, problems = parse(
        FM.format(pid="CODE", title="Code", extra="language: en\n")
        + "# Code\n\n**Article 1 — Purpose.** Rules.\n\nArticle 2. Comply.\n\n"
        "(1) staff;\n(2) contractors.\n\n§ 3 Gifts must be declared.\n"
    )
    assert problems == []
    assert [(c.key, c.title) for c in policy.clauses] == [
        ("CODE 1", "Purpose"),
        ("CODE 2", None),
        ("CODE 2(1)", None),
        ("CODE 2(2)", None),
        ("CODE 3", None),
    ]


def test_duplicate_clause_number_names_both_lines():
    _, problems = parse(
        FM.format(pid="SALES", title="T", extra="") + "# T\n\n## 4 返利\n\ntext\n\n## 4 又是四\n\ntext\n"
    )
    assert [p.code for p in problems] == [Code.CLAUSE_DUPLICATE]
    assert problems[0].line == 14 and "line 10 and line 14" in problems[0].message


def test_front_matter_errors_carry_the_key_line():
    text = "---\npolicy: sales\ntitle: T\nversion: 1\neffective: 2026-02-30\nowner: X\ncolour: red\n---\n# T\n"
    _, problems = parse(text)
    found = {(p.code, p.line) for p in problems}
    assert (Code.FRONT_MATTER_VALUE, 2) in found  # policy id not A-Z
    assert (Code.FRONT_MATTER_VALUE, 5) in found  # no 30 February
    assert (Code.FRONT_MATTER_KEY_UNKNOWN, 7) in found
    _, problems = parse("---\npolicy: A\ntitle: T\nversion: 1\neffective: 2026-01-01\n---\n")
    assert [(p.code, p.line) for p in problems] == [(Code.FRONT_MATTER_KEY_MISSING, 1)]
    _, problems = parse("# no front matter\n")
    assert [p.code for p in problems] == [Code.FRONT_MATTER_MISSING]


def test_version_kept_as_written():
    policy, _ = parse(FM.format(pid="A", title="T", extra="").replace('"1.0"', "3.10") + "# T\n")
    assert policy.meta.version == "3.10"


def test_duplicate_policy_id_and_unknown_citation(make_repo):
    root = make_repo(
        {
            "policies/a.md": FM.format(pid="SALES", title="A", extra="")
            + "# A\n\n## 1 总则\n\n见 {clause}`SALES 9`。\n",
            "policies/b.md": '---\ntitle: B\npolicy: SALES\nversion: "1"\neffective: 2026-01-01\nowner: X\n---\n# B\n\n## 1 总则\n\n文字。\n',
        }
    )
    catalog = Catalog.load(root)
    assert [p.code for p in catalog.problems] == [Code.POLICY_ID_DUPLICATE]
    assert catalog.problems[0].file.endswith("b.md") and catalog.problems[0].line == 3  # the policy: line
    problems = catalog.check_citations()
    assert [(p.code, Path(p.file).name, p.line) for p in problems] == [(Code.CITATION_UNKNOWN, "a.md", 12)]


def test_catalog_resolves_every_spelling(make_repo):
    root = make_repo({"policies/rebate.md": REGULATION})
    catalog = Catalog.load(root)
    for text in ["REBATE 第十二条第一款第（一）项", "rebate 12(1)", "REBATE 第十二条第（一）项"]:
        assert catalog.get(text).key == "REBATE 12(1)"
    assert catalog.get("REBATE 99") is None


def test_dev_policies_parse_cleanly(dev_repo):
    catalog = Catalog.load(dev_repo)
    assert catalog.problems == []
    counts = {p.id: len(p.clauses) for p in catalog.policies}
    # 45 numbered clauses + 11 section headings; 34 clauses + 10 sections (see the dev README)
    assert counts == {"SALES": 56, "TRAVEL": 44}
    assert catalog.get("TRAVEL 6.1").title == "Per-diem rates"


def test_items_of_a_later_paragraph_carry_its_number():
    policy, problems = parse(
        FM.format(pid="R", title="T", extra="")
        + "# T\n\n**第一条** 总述。\n\n有下列情形之一的：\n\n（一）甲；\n\n（二）乙。\n"
    )
    assert problems == []
    assert [c.key for c in policy.clauses] == ["R 1", "R 1.2(1)", "R 1.2(2)"]


HEADING_ARTICLES = (
    FM.format(pid="LEAVE", title="员工休假管理办法", extra="")
    + """
# 员工休假管理办法

## 第一章 总则

### 第一条 目的

为规范休假管理，制定本办法。

## 第二章 年休假

### 第二条【审批】

休假3天以内的由部门经理审批：

（一）病假；

（二）事假。

### 第二条之一 补充

新增条款。
"""
)


def test_articles_written_as_headings_are_clauses():
    policy, problems = parse(HEADING_ARTICLES)
    assert problems == []
    by_key = {c.key: c for c in policy.clauses}
    assert list(by_key) == ["LEAVE 1", "LEAVE 2", "LEAVE 2(1)", "LEAVE 2(2)", "LEAVE 2-1"]
    assert by_key["LEAVE 1"].title == "目的" and by_key["LEAVE 2"].title == "审批"
    assert by_key["LEAVE 2"].label == "第二条" and by_key["LEAVE 2"].chapter == "第二章 年休假"
    assert "部门经理" in by_key["LEAVE 2"].text and "新增条款" not in by_key["LEAVE 2"].text
    assert by_key["LEAVE 2(2)"].parent == "LEAVE 2"


def test_a_policy_without_clauses_is_a_warning_naming_the_styles():
    policy, problems = parse(FM.format(pid="LEAVE", title="休假", extra="") + "\n# 休假\n\n### 一、目的\n\n文字。\n")
    assert policy.clauses == []
    (p,) = problems
    assert p.code == Code.CLAUSE_NONE and p.severity.value == "warning" and p.line == 1 and "第十二条" in p.hint
