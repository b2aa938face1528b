"""The example policies in ``policies/`` keep their structure: clause counts, keys, anchors, titles.

These files are what the site, the matcher and the FAQ drafter are demonstrated on; an edit that
renumbers a clause, breaks a heading or drops a citation target must fail here first.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from tooling.catalog import Catalog
from tooling.check import check_repository
from tooling.cli import cli

ROOT = Path(__file__).resolve().parents[1]
FILES = {
    "SALES": "policies/sales-policy.md",
    "REBATE": "policies/rebate-rules.md",
    "TRAVEL": "policies/travel-policy.md",
}

# (policy, kind) -> number of clause records
EXPECTED_COUNTS = {
    ("SALES", "section"): 55,  # 12 chapters + 43 sub-clauses
    ("REBATE", "article"): 34,  # 第一条 … 第三十三条 plus 第十二条之一
    ("REBATE", "item"): 26,
    ("TRAVEL", "section"): 41,  # 9 sections + 32 sub-clauses
}


@pytest.fixture(scope="module")
def content_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository holding only the three example policies (other pages are other people's)."""
    root = tmp_path_factory.mktemp("content")
    for rel in FILES.values():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, root / rel)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / "faq").mkdir()
    return root


@pytest.fixture(scope="module")
def catalog(content_root: Path) -> Catalog:
    return Catalog.load(content_root)


def test_no_problems(content_root: Path, catalog: Catalog) -> None:
    assert catalog.problems == []
    assert check_repository(content_root, catalog) == []


def test_front_matter(catalog: Catalog) -> None:
    sales, rebate, travel = (catalog.policy(p) for p in ("SALES", "REBATE", "TRAVEL"))
    assert sales and rebate and travel
    assert (sales.meta.title, sales.meta.owner, sales.language) == ("2026年度产品销售政策", "市场部", "zh")
    assert (rebate.meta.title, rebate.meta.owner, rebate.language) == ("渠道返利管理办法", "市场部", "zh")
    assert (travel.meta.title, travel.meta.owner, travel.language) == (
        "Business Travel and Expense Policy",
        "Finance",
        "en",
    )
    assert [p.meta.version for p in (sales, rebate, travel)] == ["3.0", "2.0", "3.0"]
    assert all(str(p.meta.effective)[:4] in ("2025", "2026") for p in (sales, rebate, travel))


def test_clause_counts(catalog: Catalog) -> None:
    counts = Counter((c.policy, c.kind.value) for c in catalog.clauses)
    assert dict(counts) == EXPECTED_COUNTS


def test_keys_are_unique_and_every_clause_has_content(catalog: Catalog) -> None:
    clauses = list(catalog.clauses)
    assert len({c.key for c in clauses}) == len(clauses)
    anchors = [a for c in clauses for a in (c.anchor, *c.aliases)]
    assert len(set(anchors)) == len(anchors)
    assert all(c.text.strip() for c in clauses)
    # every section and article carries a title (citations read 《…》第4.2条（返利结算时间）)
    assert all(c.title for c in clauses if c.kind.value != "item")


@pytest.mark.parametrize(
    ("spelling", "key", "anchor", "title"),
    [
        ("SALES 4.2", "SALES 4.2", "sales-4-2", "返利结算时间"),
        ("sales §4", "SALES 4", "sales-4", "返利"),
        ("SALES 3.3", "SALES 3.3", "sales-3-3", "窜货处罚"),
        ("SALES 12.2", "SALES 12.2", "sales-12-2", "生效日期"),
        ("REBATE 第十二条", "REBATE 12", "rebate-12", "核算和确认时间"),
        ("REBATE 第十二条之一", "REBATE 12-1", "rebate-12_1", "新签约经销商的核算"),
        ("rebate 12-1", "REBATE 12-1", "rebate-12_1", "新签约经销商的核算"),
        ("REBATE 第三十三条", "REBATE 33", "rebate-33", "施行日期"),
        ("TRAVEL 3.1", "TRAVEL 3.1", "travel-3-1", "City tiers"),
        ("TRAVEL 5.1", "TRAVEL 5.1", "travel-5-1", "Hotel caps"),
        ("travel §9.3", "TRAVEL 9.3", "travel-9-3", "Questions and effective date"),
    ],
)
def test_key_anchor_title(catalog: Catalog, spelling: str, key: str, anchor: str, title: str) -> None:
    clause = catalog.get(spelling)
    assert clause is not None, spelling
    assert (clause.key, clause.anchor, clause.title) == (key, anchor, title)
    assert clause.url.endswith("#" + anchor)


@pytest.mark.parametrize(
    ("spelling", "key", "anchor", "starts"),
    [
        ("REBATE 第十二条第（一）项", "REBATE 12(1)", "rebate-12-1", "季度结束后10个工作日内"),
        ("REBATE 第十二条第一款第（三）项", "REBATE 12(3)", "rebate-12-3", "经销商自核算结果发布之日起7日内"),
        ("REBATE 第十二条第二款第（一）项", "REBATE 12.2(1)", "rebate-12-2-1", "经销商对有效回款数据提出异议"),
        ("REBATE 12.2(3)", "REBATE 12.2(3)", "rebate-12-2-3", "经销商未按期寄回"),
        ("REBATE 第三条第（三）项", "REBATE 3(3)", "rebate-3-3", "有效回款，是指"),
    ],
)
def test_items(catalog: Catalog, spelling: str, key: str, anchor: str, starts: str) -> None:
    clause = catalog.get(spelling)
    assert clause is not None, spelling
    assert (clause.key, clause.anchor, clause.kind.value) == (key, anchor, "item")
    assert clause.text.startswith(starts)
    assert clause.parent == key.split("(")[0].split(".")[0]


def test_article_with_two_paragraphs_keeps_both(catalog: Catalog) -> None:
    art = catalog.get("REBATE 12")
    assert art is not None and art.chapter == "第三章 返利核算"
    assert "有下列情形之一的" in art.text and "返利确认函原件" in art.text
    last_item = catalog.get("REBATE 12(3)")
    assert last_item is not None and "有下列情形之一的" not in last_item.text
    assert catalog.get("REBATE 12(4)") is None


def test_legacy_anchor_alias(catalog: Catalog) -> None:
    clause = catalog.get("REBATE 22")
    assert clause is not None
    assert clause.aliases == ["rebate-legacy-anchor"] and clause.title == "返利冻结"


def test_structure_and_answers(catalog: Catalog) -> None:
    """Parents, chapters and the concrete figures staff questions are answered from."""
    assert catalog.get("SALES 4.2").parent == "SALES 4"  # type: ignore[union-attr]
    assert catalog.get("TRAVEL 3.2").parent == "TRAVEL 3"  # type: ignore[union-attr]
    assert catalog.get("REBATE 1").chapter == "第一章 总则"  # type: ignore[union-attr]
    assert catalog.get("REBATE 33").chapter == "第七章 附则"  # type: ignore[union-attr]
    assert "4月30日" in catalog.get("SALES 4.2").text  # type: ignore[union-attr]
    assert "115%（含）以上 | 4%" in catalog.get("SALES 4.1").text  # type: ignore[union-attr]
    assert "第3次及以上" in catalog.get("SALES 3.3").text  # type: ignore[union-attr]
    assert "Tier 1 | RMB 180" in catalog.get("TRAVEL 3.2").text  # type: ignore[union-attr]
    assert "Tier 2 | RMB 450 | RMB 550 | RMB 800" in catalog.get("TRAVEL 5.1").text  # type: ignore[union-attr]


def test_cross_references_resolve_across_policies(content_root: Path, catalog: Catalog) -> None:
    from tooling.markdown import role_parts, roles

    targets = {}
    for policy_id, rel in FILES.items():
        source = (content_root / rel).read_text(encoding="utf-8")
        targets[policy_id] = [role_parts(r.content)[1] for r in roles(source) if r.name == "clause"]
    assert "REBATE 第十二条" in targets["REBATE"] and "SALES 4.2" in targets["REBATE"]
    assert "SALES 3.3" in targets["SALES"]
    for target in (t for ts in targets.values() for t in ts):
        assert catalog.get(target) is not None, target


def test_cli_check_and_clauses(content_root: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["check", "--root", str(content_root)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["clauses", "--root", str(content_root), "--json", "--policy", "REBATE"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert len(records) == 60
    by_key = {r["key"]: r for r in records}
    assert by_key["REBATE 12-1"]["anchor"] == "rebate-12_1"
    assert by_key["REBATE 12.2(1)"]["label"] == "第十二条第二款第（一）项"
    source = by_key["REBATE 12-1"]["source"]
    assert source["file"].endswith("policies/rebate-rules.md") and source["line"] == 78
