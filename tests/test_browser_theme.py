"""The site's theme in a real browser at 1280 and 375 px: no sideways scrolling on a phone, the
search box near the top, home page cards that read (each policy with its FAQ page), the footer,
the theme's words in the site's language, and the FAQ named by its title when nothing matches."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from tests.test_browser_search import _copy_example, search, site  # noqa: F401  (module fixture)
from tooling.site import build_site

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "index.html",
    "policies/sales-policy.html",
    "policies/travel-policy.html",
    "faq/sales-policy.html",
    "search.html?q=返利什么时候结算",
    "policies/sales-policy/history.html",
]


@pytest.fixture(scope="module")
def en_site(tmp_path_factory, site) -> Path:  # noqa: F811  (built after the zh site, in the same process)
    """An English site (language = "en") of the same policies, with every FAQ page of the example."""
    root = tmp_path_factory.mktemp("en") / "repo"
    _copy_example(root)
    shutil.rmtree(root / "faq")
    shutil.copytree(ROOT / "faq", root / "faq", ignore=shutil.ignore_patterns("*.jsonl"))
    (root / "pyproject.toml").write_text(
        '[tool.policy]\nproject = "Company Policies"\nlanguage = "en"\n'
        'html_baseurl = "https://policies.example.com/"\n',
        encoding="utf-8",
    )
    assert build_site(root, root / "out", quiet=True) == 0
    return root / "out"


def _existing(site: Path, path: str) -> bool:  # noqa: F811
    return (site / path.split("?")[0]).is_file()


ON_SCREEN = """() => [...document.querySelectorAll('form[role=search] input[name=q]')].map(i => i.getBoundingClientRect())
  .filter(r => r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth && r.bottom > 0)
  .map(r => ({x: r.x, y: r.y, width: r.width}))"""


@pytest.mark.parametrize("width", [1280, 375])
def test_no_page_scrolls_sideways(site, serve, page, width):  # noqa: F811
    page.set_viewport_size({"width": width, "height": 800})
    base = serve(site)
    for path in PAGES:
        if not _existing(site, path):
            continue
        page.goto(base + path)
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        main = page.locator("[role=main]").bounding_box()
        assert main["x"] >= 0 and main["width"] >= min(width - 40, 600) * 0.8, path
    assert page.js_errors == []


def test_search_box_is_at_the_top_on_a_phone_and_searches(site, serve, page):  # noqa: F811
    page.set_viewport_size({"width": 375, "height": 740})
    base = serve(site)
    for path in ("index.html", "policies/sales-policy.html", "faq/sales-policy.html"):
        page.goto(base + path)
        boxes = page.evaluate(ON_SCREEN)  # the sidebar's box is off screen, in its drawer
        assert len(boxes) == 1, (path, boxes)
        assert boxes[0]["y"] < 160 and boxes[0]["width"] >= 200, (path, boxes)
    box = page.locator("form.policy-top-search input[name=q]")
    box.fill("返利什么时候结算")
    box.press("Enter")
    page.wait_for_url("**/search.html?q=*")
    page.wait_for_selector("#search-results ul li a", timeout=15000)
    # On the search page itself, its own form is the one at the top.
    boxes = page.evaluate(ON_SCREEN)
    assert len(boxes) == 1 and boxes[0]["y"] < 260, boxes
    assert page.locator("form.policy-search-form input[name=q]").input_value() == "返利什么时候结算"


def test_on_a_wide_screen_the_sidebar_search_box_shows_and_the_top_one_does_not(site, serve, page):  # noqa: F811
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(serve(site) + "index.html")
    assert page.locator("input.sidebar-search").is_visible()
    assert not page.locator("form.policy-top-search").is_visible()


@pytest.mark.parametrize("width", [1280, 375])
def test_home_cards_read_at_any_width(site, serve, page, width):  # noqa: F811
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(serve(site) + "index.html")
    cards = page.locator(".policy-card")
    assert cards.count() == 3
    for i in range(cards.count()):
        title = cards.nth(i).locator(".policy-card-title")
        box = title.bounding_box()
        assert box["width"] > 200, box
        line = float(title.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
        assert box["height"] <= 3 * line, (title.inner_text(), box)  # not one character a line
        facts = cards.nth(i).locator(".policy-card-fact")
        assert all(facts.nth(j).bounding_box()["height"] <= 2 * line for j in range(facts.count()))


def test_home_cards_link_each_policy_and_its_faq_page(site, serve, page):  # noqa: F811
    page.goto(serve(site) + "index.html")
    sales = page.locator("#policy-card-sales")
    assert sales.locator(".policy-card-title a").get_attribute("href") == "policies/sales-policy.html"
    faq = sales.locator(".policy-card-faq a")
    assert faq.get_attribute("href") == "faq/sales-policy.html" and faq.inner_text() == "销售政策常见问题"
    assert page.locator("#policy-card-travel .policy-card-faq").inner_text().endswith("暂无常见问题")
    faq.click()
    page.wait_for_url("**/faq/sales-policy.html")


def test_en_site_lists_every_faq_page_by_its_title(en_site, serve, page):
    page.goto(serve(en_site) + "index.html")
    links = page.eval_on_selector_all(
        ".policy-card-faq a", "as => as.map(a => [a.getAttribute('href'), a.textContent])"
    )
    approved = {
        name: len(re.findall(r"^:status: approved$", (ROOT / "faq" / f"{name}.md").read_text("utf-8"), re.M))
        for name in ("rebate-rules", "sales-policy")
    }
    assert links == [
        ["faq/rebate-rules.html", f"渠道返利管理办法{approved['rebate-rules']}问"],  # the real count
        ["faq/sales-policy.html", f"2026年度产品销售政策{approved['sales-policy']}问"],
        ["faq/travel-policy.html", "Business Travel and Expense Policy — Frequently Asked Questions"],
    ]


def test_footer_says_project_owners_version_and_build_date(site, serve, page):  # noqa: F811
    base = serve(site)
    today = dt.date.today().isoformat()
    page.goto(base + "index.html")
    footer = " ".join(page.locator("footer .policy-footer").inner_text().split())
    assert (
        footer.startswith("公司制度与政策") and "负责部门 市场部、Finance" in footer and f"生成日期 {today}" in footer
    )
    assert "©" not in footer and "Copyright" not in footer and "Sphinx" not in footer
    page.goto(base + "policies/travel-policy.html")
    footer = " ".join(page.locator("footer .policy-footer").inner_text().split())
    assert "负责部门 Finance" in footer and "版本 3.0" in footer and "市场部" not in footer
    assert "©" not in page.locator("footer").inner_text()


def test_theme_words_follow_the_site_language(site, en_site, serve, page):  # noqa: F811
    page.goto(serve(site) + "policies/sales-policy.html")
    assert page.locator("input.sidebar-search").get_attribute("placeholder") == "搜索"
    assert page.locator(".related-pages").inner_text().split()[:1] in (["下一页"], ["上一页"])
    assert "回到顶部" in page.content() and "Back to top" not in page.content()
    assert page.locator(".toc-title").first.inner_text() == "本页目录"
    # The English site, built after the Chinese one in this process, speaks English.
    page.goto(serve(en_site) + "policies/sales-policy.html")
    assert page.locator("input.sidebar-search").get_attribute("placeholder") == "Search"
    assert "Back to top" in page.content() and "回到顶部" not in page.content()
    footer = page.locator("footer .policy-footer").inner_text()
    assert "Owner 市场部" in " ".join(footer.split()) and "负责部门" not in footer


def test_not_covered_notice_names_the_faq_page_by_its_title(site, serve, page):  # noqa: F811
    base = serve(site)
    assert search(page, base, "火星移民") == []
    notice = page.locator(".policy-search-empty .policy-search-faq a")
    assert notice.count() == 1
    assert notice.inner_text() == "销售政策常见问题" and notice.get_attribute("href").endswith("faq/sales-policy.html")
