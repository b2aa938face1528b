"""Releases from real git repositories built in tmp folders (gitpython), point-in-time clauses,
``policy history``. The SALES history here is shared with test_history_diff/test_history_stale."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import git
import pytest
from click.testing import CliRunner

from tooling.cli import cli
from tooling.errors import Code, PolicyToolError
from tooling.history import clauses_at, list_releases, policy_at

TZ = dt.timezone(dt.timedelta(hours=8))

# (number, title, text, author id) — four releases of a small Chinese policy.
V1 = [
    ("1", "目的", "为规范产品销售行为，制定本政策。", None),
    ("2", "适用范围", "本政策适用于全体一级经销商和二级分销商。", None),
    ("3", "季度返利", "经销商季度回款达到目标的，按净回款的3%计提季度返利。", "rebate-rate"),
    ("4", "返利结算", "季度返利在季度结束后30日内结算，计入经销商返利账户。", None),
    ("5", "窜货处罚", "经销商跨区域销售的，每台罚款500元，并取消当季返利。", None),
    ("6", "附则", "本政策由市场部负责解释，自生效之日起施行。", None),
]
V2 = [
    V1[0],
    V1[1],
    ("3", "价格保护", "公司下调经销价时，对经销商30天内提货的库存按差价补偿。", None),
    ("4", *V1[2][1:]),
    ("5", "返利结算", "季度返利在季度结束后45日内结算，计入经销商返利账户。", None),
    ("6", *V1[4][1:]),
    ("7", *V1[5][1:]),
]
V3 = [
    V2[0],
    V2[1],
    V2[2],
    ("4", "返利申报", "经销商应在每季度结束后5个工作日内提交返利申报表及回款凭证。", None),
    ("5", "返利比例", "季度达成率≥100%：计提5%；达成率<100%：不予计提。", "rebate-rate"),
    ("6", *V2[4][1:]),
    ("7", *V2[6][1:]),
]
V4 = [*V3[:6], ("7", "附则", "本政策由销售运营部负责解释，自生效之日起施行。", None)]


def policy_md(version: str, effective: str, clauses: list, policy: str = "SALES", title: str = "产品销售政策") -> str:
    lines = [
        "---",
        f"policy: {policy}",
        f"title: {title}",
        f'version: "{version}"',
        f"effective: {effective}",
        "owner: 市场部",
        "language: zh",
        "---",
        "",
        f"# {title}",
        "",
    ]
    for number, head, text, author_id in clauses:
        if author_id:
            lines += [f"({author_id})=", ""]
        lines += [f"## {number} {head}", "", text, ""]
    return "\n".join(lines)


class PolicyRepo:
    """A policy repository under git, committed to with chosen authors and dates."""

    def __init__(self, root: Path):
        self.root = root
        (root / "policies").mkdir(parents=True)
        (root / "faq").mkdir()
        self.repo = git.Repo.init(root)

    def commit(
        self,
        files: dict[str, str],
        message: str,
        author: str = "张三",
        day: str = "2024-12-01",
        remove: tuple[str, ...] = (),
    ) -> str:
        for rel, text in files.items():
            (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
            (self.root / rel).write_text(text, encoding="utf-8")
        if files:
            self.repo.index.add([str(self.root / rel) for rel in files])
        if remove:
            self.repo.index.remove([str(self.root / rel) for rel in remove], working_tree=True)
        who = git.Actor(author, "people@example.com")
        when = dt.datetime.fromisoformat(day).replace(hour=10, tzinfo=TZ)
        return self.repo.index.commit(message, author=who, committer=who, author_date=when, commit_date=when).hexsha


def build_sales_history(root: Path, upto: int = 4) -> PolicyRepo:
    """v1.0 (+ an amendment), v2.0 (insertion, change), v3.0 (removal, id-kept rewrite), v4.0 (upcoming)."""
    pr = PolicyRepo(root)
    path = "policies/sales.md"
    pr.commit({path: policy_md("1.0", "2024-01-01", V1)}, "发布1.0版", day="2023-12-01")
    pr.repo.create_tag("sales-2024")
    amended = [*V1[:5], ("6", "附则", "本政策由市场部负责解释，自发布之日起施行。", None)]
    pr.commit({path: policy_md("1.0", "2024-01-01", amended)}, "附则措辞", author="李四", day="2023-12-15")
    pr.commit({"README.md": "not a policy"}, "unrelated", day="2023-12-20")
    if upto >= 2:
        pr.commit({path: policy_md("2.0", "2025-01-01", V2)}, "发布2.0版：新增价格保护", day="2024-12-01")
    if upto >= 3:
        pr.commit({path: policy_md("3.0", "2026-01-01", V3)}, "发布3.0版", author="王五", day="2025-12-01")
    if upto >= 4:
        pr.commit({path: policy_md("4.0", "2099-01-01", V4)}, "4.0 草案", day="2026-02-01")
    return pr


@pytest.fixture
def sales_repo(tmp_path: Path) -> PolicyRepo:
    return build_sales_history(tmp_path / "repo")


def test_releases_are_version_changes_with_commits_between(sales_repo: PolicyRepo):
    releases = list_releases(sales_repo.root, "sales", today=dt.date(2026, 6, 1))
    assert [r.version for r in releases] == ["1.0", "2.0", "3.0", "4.0"]
    first = releases[0]
    assert (first.author, first.message, first.effective) == ("张三", "发布1.0版", dt.date(2024, 1, 1))
    assert first.tags == ["sales-2024"]
    assert first.date == dt.datetime(2023, 12, 1, 10, tzinfo=TZ)
    assert [(c.author, c.message) for c in first.changes] == [("李四", "附则措辞")]  # README commit not listed
    assert all(not r.changes for r in releases[1:])
    assert releases[2].author == "王五" and releases[2].path == "policies/sales.md"


def test_status_superseded_current_upcoming(sales_repo: PolicyRepo):
    releases = {r.version: r for r in list_releases(sales_repo.root, "SALES", today=dt.date(2026, 6, 1))}
    assert releases["1.0"].status == "superseded" and releases["1.0"].superseded_by == "2.0"
    assert releases["2.0"].in_force_to == dt.date(2025, 12, 31)
    assert releases["3.0"].status == "current"
    assert releases["4.0"].status == "upcoming" and releases["4.0"].in_force_to is None
    earlier = {r.version: r.status for r in list_releases(sales_repo.root, "SALES", today=dt.date(2025, 3, 1))}
    assert earlier == {"1.0": "superseded", "2.0": "current", "3.0": "upcoming", "4.0": "upcoming"}


def test_policy_at_version_tag_and_commit(sales_repo: PolicyRepo):
    root = sales_repo.root
    # a version means its final text: the amendment is included
    assert "自发布之日起施行" in policy_at(root, "SALES", "1.0").clause("6").text
    assert "自生效之日起施行" in policy_at(root, "SALES", "sales-2024").clause("6").text  # the tag's exact text
    v2 = policy_at(root, "SALES", "v2.0")
    assert v2.meta.version == "2.0" and v2.clause("3").title == "价格保护"
    head = policy_at(root, "SALES", "HEAD")
    assert head.meta.version == "4.0" and head.clause("5").aliases == ["rebate-rate"]
    assert policy_at(root, "SALES", "HEAD~1").meta.version == "3.0"


def test_clauses_in_force_on_a_date(sales_repo: PolicyRepo):
    root = sales_repo.root
    assert clauses_at(root, dt.date(2023, 6, 1)) == []  # nothing in force yet
    mid_2025 = clauses_at(root, dt.date(2025, 6, 1))
    assert {c.version for c in mid_2025} == {"2.0"} and len(mid_2025) == 7
    assert next(c for c in mid_2025 if c.number == "3").title == "价格保护"
    now = clauses_at(root, dt.date(2026, 6, 1))
    assert {c.version for c in now} == {"3.0"} and next(c for c in now if c.number == "4").title == "返利申报"
    assert {c.version for c in clauses_at(root, dt.date(2099, 1, 1))} == {"4.0"}


def test_renamed_file_keeps_history_and_second_policy_is_separate(tmp_path: Path):
    pr = PolicyRepo(tmp_path / "r")
    pr.commit({"policies/a.md": policy_md("1.0", "2024-01-01", V1)}, "a 1.0")
    pr.repo.index.move(["policies/a.md", "policies/sales-policy.md"])
    pr.commit(
        {"policies/travel.md": policy_md("1.0", "2024-01-01", V1[:2], policy="TRAVEL", title="差旅")},
        "rename + travel",
        day="2024-02-01",
    )
    pr.commit({"policies/sales-policy.md": policy_md("2.0", "2025-01-01", V2)}, "sales 2.0", day="2024-12-01")
    releases = list_releases(pr.root, "SALES", today=dt.date(2025, 6, 1))
    assert [(r.version, r.path) for r in releases] == [("1.0", "policies/a.md"), ("2.0", "policies/sales-policy.md")]
    assert policy_at(pr.root, "SALES", "1.0").clause("3").title == "季度返利"
    assert [r.version for r in list_releases(pr.root, "TRAVEL")] == ["1.0"]


def test_commit_with_bad_front_matter_is_skipped_with_warning(tmp_path: Path):
    from tooling.history.releases import load_timeline

    pr = PolicyRepo(tmp_path / "r")
    pr.commit({"policies/s.md": policy_md("1.0", "2024-01-01", V1)}, "ok")
    pr.commit({"policies/s.md": policy_md("1.1", "2024-13-01", V1)}, "bad date", day="2024-02-01")
    pr.commit({"policies/s.md": policy_md("1.1", "2024-03-01", V1)}, "fixed", day="2024-02-02")
    assert [r.version for r in list_releases(pr.root, "SALES")] == ["1.0", "1.1"]
    problems = load_timeline(pr.root).problems
    assert [p.code for p in problems] == [Code.HISTORY_BAD_VERSION]
    assert problems[0].file.startswith("policies/s.md@") and problems[0].line == 5
    assert problems[0].severity.value == "warning" and "effective" in problems[0].message


def test_errors_have_codes(tmp_path: Path, sales_repo: PolicyRepo):
    (tmp_path / "plain" / "policies").mkdir(parents=True)
    with pytest.raises(PolicyToolError) as exc:
        list_releases(tmp_path / "plain", "SALES")
    assert exc.value.problems[0].code == Code.HISTORY_NO_GIT
    with pytest.raises(PolicyToolError) as exc:
        policy_at(sales_repo.root, "SALES", "9.9")
    assert exc.value.problems[0].code == Code.HISTORY_UNKNOWN_REF
    assert "1.0, 2.0, 3.0, 4.0" in exc.value.problems[0].message
    with pytest.raises(PolicyToolError) as exc:
        list_releases(sales_repo.root, "NOPE")
    assert exc.value.problems[0].code == Code.HISTORY_NO_POLICY


def test_cli_history(sales_repo: PolicyRepo):
    runner = CliRunner()
    result = runner.invoke(cli, ["history", "SALES", "--root", str(sales_repo.root), "--json", "--as-of", "2026-06-01"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(r["version"], r["status"]) for r in data] == [
        ("1.0", "superseded"),
        ("2.0", "superseded"),
        ("3.0", "current"),
        ("4.0", "upcoming"),
    ]
    assert data[0]["changes"][0]["message"] == "附则措辞"
    text = runner.invoke(cli, ["history", "SALES", "--root", str(sales_repo.root), "--as-of", "2026-06-01"])
    assert "2.0      superseded in force 2025-01-01 to 2025-12-31, superseded by 3.0" in text.output
    assert "takes effect 2099-01-01" in text.output
    bad = runner.invoke(cli, ["diff", "SALES", "7.0", "2.0", "--root", str(sales_repo.root)])
    assert bad.exit_code == 1 and "PL902" in bad.output and "policies/sales.md" in bad.output


def test_policy_root_inside_a_larger_git_repository(tmp_path: Path):
    top = tmp_path / "top"
    pr = PolicyRepo(top)
    pr.commit({"site/policies/s.md": policy_md("1.0", "2024-01-01", V1)}, "1.0")
    pr.commit({"site/policies/s.md": policy_md("2.0", "2025-01-01", V2)}, "2.0", day="2024-12-01")
    site = top / "site"
    releases = list_releases(site, "SALES")
    assert [(r.version, r.path) for r in releases] == [("1.0", "policies/s.md"), ("2.0", "policies/s.md")]
    assert policy_at(site, "SALES", "1.0").doc == "policies/s"
    assert [c.title for c in clauses_at(site, dt.date(2024, 6, 1))][:3] == ["目的", "适用范围", "季度返利"]
