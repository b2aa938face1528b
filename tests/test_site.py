"""Real Sphinx builds: anchors, the clause role, clauses.json, the home page, checks, search."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.test_clauses import FM, REGULATION
from tooling.site import build_site

SALES = (
    FM.format(pid="SALES", title="2026年度产品销售政策", extra="")
    + """
# 2026年度产品销售政策

## 4 返利

### 4.2 返利结算时间

季度返利于季度结束后次月25日前核算。

### 4.3 返利的使用

返利只能抵扣货款，见 {clause}`REBATE 第十二条`，以及 {clause}`结算规则 <SALES 4.2>`。
"""
)

TRAVEL = (
    FM.format(pid="TRAVEL", title="Travel Policy", extra="language: en\n")
    + """
# Travel Policy

## 3. Per diem

### 3.1 City tiers

Tier 1 cities are Beijing and Shanghai.
"""
)


def build(root: Path, **kwargs) -> Path:
    out = root / "_build" / "html"
    assert build_site(root, out, quiet=True, **kwargs) == 0
    return out


def ids_with_text(html: str) -> dict[str, str]:
    """Every clause anchor in a page, with the start of the text it points at."""
    soup = BeautifulSoup(html, "html.parser")
    found = {}
    for element in soup.select(".clause[id]"):
        text = element.get_text(" ", strip=True).replace("复制引用", "").replace("¶", "")
        found[element["id"]] = re.sub(r"\s+", "", text)[:12]
    return found


@pytest.fixture
def site_repo(make_repo):
    return make_repo(
        {
            "policies/sales-policy.md": SALES,
            "policies/rebate-rules.md": REGULATION,
            "policies/travel-policy.md": TRAVEL,
            "pyproject.toml": '[tool.policy]\nproject = "制度"\nhtml_baseurl = "https://policies.example.com/"\n',
        }
    )


def test_clause_anchors_role_and_citation_controls(site_repo):
    out = build(site_repo)
    sales = (out / "policies" / "sales-policy.html").read_text(encoding="utf-8")
    assert 'id="sales-4-2"' in sales and 'href="#sales-4-2"' in sales
    # The role renders a link with the clause title; custom text is kept.
    assert re.search(
        r'<a class="clause-ref reference internal" href="rebate-rules.html#rebate-12">'
        r"<span[^>]*>《渠道返利管理办法》第十二条</span></a>",
        sales,
    )
    assert re.search(r'href="#sales-4-2"><span[^>]*>结算规则</span>', sales)
    # The copy-citation control carries the citation in the policy's language and an absolute URL.
    assert (
        'data-citation="《2026年度产品销售政策》第4.2条（返利结算时间）" '
        'data-url="https://policies.example.com/policies/sales-policy.html#sales-4-2"'
    ) in sales
    travel = (out / "policies" / "travel-policy.html").read_text(encoding="utf-8")
    assert 'data-citation="Travel Policy §3.1 (City tiers)"' in travel
    rebate = (out / "policies" / "rebate-rules.html").read_text(encoding="utf-8")
    for anchor in [
        "rebate-1",
        "rebate-12",
        "rebate-12-1",
        "rebate-12-2-1",
        "rebate-12_1",
        "rebate-103",
        "rebate-old-anchor",
    ]:
        assert f'id="{anchor}"' in rebate, anchor
    assert 'data-citation="《渠道返利管理办法》第十二条第二款第（一）项"' in rebate


def test_anchors_survive_insertions(site_repo):
    before = ids_with_text((build(site_repo) / "policies" / "rebate-rules.html").read_text(encoding="utf-8"))
    sales_before = ids_with_text((site_repo / "_build/html/policies/sales-policy.html").read_text(encoding="utf-8"))
    path = site_repo / "policies" / "rebate-rules.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("## 第一章 总则", "## 第零章 序言\n\n**第九十条** 插入的条款。\n\n## 第一章 总则")
    text = text.replace("**第十二条之一**", "**第十一条** 又一插入。\n\n**第十二条之一**")
    path.write_text(text, encoding="utf-8")
    sales = site_repo / "policies" / "sales-policy.md"
    sales.write_text(
        sales.read_text(encoding="utf-8").replace("### 4.3", "### 4.1 新增\n\n新。\n\n### 4.3"), encoding="utf-8"
    )
    after = ids_with_text((build(site_repo) / "policies" / "rebate-rules.html").read_text(encoding="utf-8"))
    sales_after = ids_with_text((site_repo / "_build/html/policies/sales-policy.html").read_text(encoding="utf-8"))
    clause_ids = {k: v for k, v in before.items() if k.startswith("rebate-")}
    assert len(clause_ids) >= 8
    for anchor, start in clause_ids.items():
        assert after.get(anchor) == start, anchor
    assert "rebate-90" in after and "rebate-11" in after
    for anchor, start in sales_before.items():
        if anchor.startswith("sales-"):
            assert sales_after.get(anchor) == start, anchor


def test_clauses_json_matches_cli(site_repo):
    out = build(site_repo)
    site_records = json.loads((out / "clauses.json").read_text(encoding="utf-8"))
    cli = subprocess.run(
        [sys.executable, "-m", "tooling", "clauses", "--json", "--root", str(site_repo)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(cli.stdout) == site_records
    record = next(r for r in site_records if r["key"] == "SALES 4.2")
    assert set(record) >= {
        "policy",
        "number",
        "key",
        "anchor",
        "title",
        "text",
        "parent",
        "doc",
        "url",
        "version",
        "language",
        "source",
    }
    assert record["parent"] == "SALES 4" and record["url"] == "policies/sales-policy.html#sales-4-2"
    assert record["source"] == {"file": "policies/sales-policy.md", "line": 13}


def test_home_page_lists_policies(site_repo):
    home = (build(site_repo) / "index.html").read_text(encoding="utf-8")
    card = BeautifulSoup(home, "html.parser").select_one("#policy-card-sales")
    assert card.select_one(".policy-card-title a").get_text() == "2026年度产品销售政策"
    facts = [f.get_text(" ", strip=True).rstrip(" ·") for f in card.select(".policy-card-fact")]
    assert facts == ["SALES", "负责部门 市场部", "版本 1.0", "生效日期 2026-01-01", "条款数 3"]
    assert "Travel Policy" in home and "渠道返利管理办法" in home


def test_broken_citation_fails_build_and_check(site_repo):
    path = site_repo / "policies" / "travel-policy.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nSee {clause}`TRAVEL 9.9`.\n", encoding="utf-8")
    line = path.read_text(encoding="utf-8").count("\n")
    check = subprocess.run(
        [sys.executable, "-m", "tooling", "check", "--root", str(site_repo)], capture_output=True, text=True
    )
    assert check.returncode == 1
    assert f"travel-policy.md:{line}: error PL301 unknown clause 'TRAVEL 9.9'" in check.stderr
    build_run = subprocess.run(
        [sys.executable, "-m", "tooling", "build", "--root", str(site_repo)], capture_output=True, text=True
    )
    assert build_run.returncode == 1 and "PL301" in build_run.stderr


def test_chinese_term_found_by_site_search(site_repo, serve, page):
    out = build(site_repo)
    base = serve(out)
    page.goto(base + "search.html?q=返利")
    page.wait_for_selector("#search-results li", timeout=15000)
    results = page.locator("#search-results").inner_text()
    assert "2026年度产品销售政策" in results
    assert page.js_errors == []
