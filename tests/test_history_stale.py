"""FAQ staleness on a real git history: entries stamped at approval go stale when a cited clause
changes, disappears or is renumbered; clause hashes and the ``:clause-hashes:`` format."""

from __future__ import annotations

from pathlib import Path

import pytest

from tooling.catalog import Catalog
from tooling.errors import Code, PolicyToolError, Severity
from tooling.history import policy_at
from tooling.history.stale import clause_hash, find_stale, format_stamps, parse_stamps, stale_problems
from tooling.models import Clause

from .test_history_releases import V3, V4, PolicyRepo, build_sales_history, policy_md


def entry(faq_id: int, keys: list[str], stamps: str, status: str = "approved") -> str:
    return (
        f"```{{faq}}\n:id: {faq_id}\n:clauses: {', '.join(keys)}\n:status: {status}\n"
        f":reviewed-by: 张三\n:reviewed-on: 2025-01-05\n:clause-hashes: {stamps}\n\n"
        f"问题{faq_id}？\n\n答案{faq_id}。\n```\n\n"
    )


def approve(root: Path, version: str, numbers: list[str]) -> str:
    """What the FAQ tool does at approval: stamp the cited clauses of the version in force."""
    policy = policy_at(root, "SALES", version)
    return format_stamps([policy.clause(n) for n in numbers])


@pytest.fixture
def faq_repo(tmp_path: Path) -> PolicyRepo:
    pr = build_sales_history(tmp_path / "repo", upto=2)
    root = pr.root
    text = "# 销售政策50问\n\n" + "".join(
        [
            entry(1, ["SALES 1", "SALES 4", "SALES 5"], approve(root, "2.0", ["1", "4", "5"])),
            entry(2, ["SALES 6"], approve(root, "2.0", ["6"])),
            entry(3, ["SALES 4"], approve(root, "2.0", ["4"]), status="draft"),
            entry(4, ["SALES 7"], approve(root, "2.0", ["7"])),
        ]
    )
    pr.commit({"faq/sales.md": text}, "FAQ approved", day="2025-01-05")
    pr.commit({"policies/sales.md": policy_md("3.0", "2026-01-01", V3)}, "发布3.0版", day="2025-12-01")
    return pr


def test_clause_hash_ignores_layout_not_wording():
    base = dict(
        policy="SALES",
        number="4",
        key="SALES 4",
        anchor="sales-4",
        kind="section",
        level=1,
        label="4",
        title="返利",
        doc="policies/s",
        url="policies/s.html#sales-4",
        version="1.0",
        language="zh",
        source={"file": "s.md", "line": 1},
    )
    a = Clause(**base, text="按净回款的3%计提，\n按季结算。")
    b = Clause(**base, text="按净回款的３%计提，  按季结算。")  # full-width digit, re-wrapped
    c = Clause(**base, text="按净回款的5%计提，按季结算。")
    assert clause_hash(a) == clause_hash(b) != clause_hash(c)
    assert len(clause_hash(a)) == 12
    stamps = parse_stamps(format_stamps([a, c]))
    assert [str(s) for s in stamps] == [f"SALES@1.0 4={clause_hash(a)}", f"SALES@1.0 4={clause_hash(c)}"]


def test_bad_stamp_is_an_error_with_file_and_line():
    with pytest.raises(PolicyToolError) as exc:
        parse_stamps("SALES 4=abc123", "faq/x.md", 7)  # no version
    p = exc.value.problems[0]
    assert (p.code, p.file, p.line) == (Code.CLAUSE_HASHES_FORMAT, "faq/x.md", 7)
    with pytest.raises(PolicyToolError):
        parse_stamps("SALES@1.0 4=not-hex")


def test_changed_removed_and_renumbered_citations_make_entries_stale(faq_repo: PolicyRepo):
    entries, problems = find_stale(faq_repo.root)
    assert problems == []
    by_id = {e.id: e for e in entries}
    assert sorted(by_id) == ["1", "2"]  # 3 is a draft, 4 cites an unchanged clause
    first = {c.key: c for c in by_id["1"].clauses}
    assert sorted(first) == ["SALES 4", "SALES 5"]  # SALES 1 did not change
    rebate = first["SALES 4"]
    assert (rebate.reason, rebate.current, rebate.version) == ("renumbered", "SALES 5", "2.0")
    assert any(op.op == "delete" and "3%" in op.text for op in rebate.redline)
    settle = first["SALES 5"]
    assert (settle.reason, settle.current, settle.redline) == ("renumbered", "SALES 6", [])
    removed = by_id["2"].clauses[0]
    assert (removed.key, removed.reason, removed.current) == ("SALES 6", "removed", None)
    assert by_id["1"].file == "faq/sales.md" and by_id["1"].line == 9  # the :clause-hashes: line


def test_text_change_in_place_and_check_problems(faq_repo: PolicyRepo):
    faq_repo.commit({"policies/sales.md": policy_md("4.0", "2099-01-01", V4)}, "4.0", day="2026-02-01")
    entries, _ = find_stale(faq_repo.root)
    rules = next(e for e in entries if e.id == "4").clauses[0]
    assert (rules.key, rules.reason, rules.current) == ("SALES 7", "changed", "SALES 7")
    assert [(op.op, op.text) for op in rules.redline if op.op != "equal"] == [
        ("delete", "市场部"),
        ("insert", "销售运营部"),
    ]
    problems = stale_problems(faq_repo.root, Catalog.load(faq_repo.root))
    codes = sorted((p.code.value, p.severity.value) for p in problems)
    assert codes == [("PL405", "warning"), ("PL405", "warning"), ("PL906", "error"), ("PL906", "error")]
    renumbered = next(p for p in problems if p.code == Code.CITATION_RENUMBERED)
    assert str(renumbered).startswith(
        "faq/sales.md:9: error PL906 FAQ 1 cites SALES 4 (as of 2.0); that clause is now SALES 5"
    )
    assert all(p.hint for p in problems) and all(
        p.severity == Severity.warning for p in problems if p.code == Code.FAQ_STALE
    )


def test_reapproval_clears_staleness_and_bad_stamps_are_reported(faq_repo: PolicyRepo):
    root = faq_repo.root
    current = Catalog.load(root).policy("SALES")
    fresh = format_stamps([current.clause("5"), current.clause("6")])
    text = "# 销售政策50问\n\n" + entry(1, ["SALES 5", "SALES 6"], fresh) + entry(9, ["SALES 1"], "SALES 1=zz")
    (root / "faq/sales.md").write_text(text, encoding="utf-8")
    entries, problems = find_stale(root)
    assert entries == []
    assert [(p.code, p.file, p.line) for p in problems] == [(Code.CLAUSE_HASHES_FORMAT, "faq/sales.md", 22)]
