"""The {faq} directive in a real Sphinx build: approved only vs --drafts, escaping, anchors,
copy-citation control, clause links and "questions about this clause" back-links."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from tooling.site import build_site

FAQ = """# 2026年度产品销售政策50问

```{faq} 返利什么时候结算？<script>alert(1)</script>
:id: sales-faq-1
:clauses: SALES 4.3
:status: approved
:asked: 31
:reviewed-by: 张敏
:reviewed-on: 2026-11-20
根据{clause}`SALES 4.3`：季度返利在季度结束后次月25日前核算完成。
```

```{faq} 返利比例是多少？
:id: sales-faq-2
:clauses: SALES 4.2
:status: draft
:unsupported: 9%
比例为9%，见{clause}`SALES 4.2`。
```

```{faq} 已撤下的问题？
:id: sales-faq-3
:clauses: SALES 4.2
:status: retired
已撤下。
```
"""


def _build(root: Path, drafts: bool) -> Path:
    out = root / "_build" / ("drafts" if drafts else "html")
    assert build_site(root, out, drafts=drafts, quiet=True) == 0
    return out


def test_site_shows_approved_entries_and_drafts_only_for_reviewers(example_repo: Path) -> None:
    (example_repo / "faq" / "sales-policy.md").write_text(FAQ, encoding="utf-8")
    out = _build(example_repo, drafts=False)
    html = (out / "faq" / "sales-policy.html").read_text("utf-8")
    soup = BeautifulSoup(html, "html.parser")
    entries = soup.select("div.faq-entry")
    assert [e["id"] for e in entries] == ["sales-faq-1"]
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    entry = entries[0]
    assert entry.select_one(".faq-question strong").get_text() == "返利什么时候结算？<script>alert(1)</script>"
    button = entry.select_one("button.copy-citation")
    assert (
        button["data-anchor"] == "sales-faq-1"
        and button["data-citation"] == "《2026年度产品销售政策》常见问题：返利什么时候结算？<script>alert(1)</script>"
    )
    links = {a["href"] for a in entry.select("a.clause-ref")}
    assert links == {"../policies/sales-policy.html#sales-4-3"}
    assert not soup.select(".faq-badge-draft") and "已撤下" not in html

    policy = BeautifulSoup((out / "policies" / "sales-policy.html").read_text("utf-8"), "html.parser")
    back = policy.select_one("#sales-4-3 .clause-faq a")
    assert back["href"] == "../faq/sales-policy.html#sales-faq-1"
    assert policy.select_one("#sales-4-2 .clause-faq") is None  # drafts never link back

    drafts = BeautifulSoup(
        (_build(example_repo, drafts=True) / "faq" / "sales-policy.html").read_text("utf-8"), "html.parser"
    )
    # in the policy's order (4.2 before 4.3), numbered, and the title counts what this build shows
    assert [e["id"] for e in drafts.select("div.faq-entry")] == ["sales-faq-2", "sales-faq-1"]
    assert [n.get_text() for n in drafts.select(".faq-entry .faq-number")] == ["1. ", "2. "]
    assert drafts.select_one("h1").get_text().startswith("2026年度产品销售政策2问")
    assert BeautifulSoup(html, "html.parser").select_one("h1").get_text().startswith("2026年度产品销售政策1问")
    draft = drafts.select_one("#sales-faq-2")
    assert draft.select_one(".faq-badge-draft").get_text() == "草稿"
    assert "9%" in draft.select_one(".faq-badge-flag").get_text()
    assert "已撤下" not in str(drafts)


def test_back_links_follow_faq_changes_in_incremental_builds(example_repo: Path) -> None:
    path = example_repo / "faq" / "sales-policy.md"
    path.write_text(FAQ, encoding="utf-8")
    out = _build(example_repo, drafts=False)
    path.write_text(FAQ.replace(":status: approved", ":status: retired"), encoding="utf-8")
    _build(example_repo, drafts=False)
    policy = (out / "policies" / "sales-policy.html").read_text("utf-8")
    assert "sales-faq-1" not in policy
