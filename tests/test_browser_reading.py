"""Reading the site in a real browser: copy-citation and copy-link, FAQ anchors, drafts, page
language, permalinks on hover, the 375 px layout, the print stylesheet and the PDF booklet."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.test_browser_search import _copy_example, site  # noqa: F401  (module fixture)
from tooling.booklet import count_pages, write_booklet
from tooling.errors import PolicyToolError

CITATION = (
    "《2026年度产品销售政策》第4.2条（返利结算时间） https://policies.example.com/policies/sales-policy.html#sales-4-2"
)


def _clipboard(page, base: str) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base.rstrip("/"))


def test_copy_citation_puts_the_citation_on_the_clipboard(site, serve, page):  # noqa: F811
    base = serve(site)
    _clipboard(page, base)
    page.goto(base + "policies/sales-policy.html#sales-4-2")
    page.click("#sales-4-2 button.copy-citation")
    page.wait_for_function("document.querySelector('#sales-4-2 button.copy-citation.copied')")
    assert page.evaluate("navigator.clipboard.readText()") == CITATION
    assert page.js_errors == []


def test_faq_anchor_copy_link_and_clause_links(site, serve, page):  # noqa: F811
    base = serve(site)
    _clipboard(page, base)
    page.goto(base + "faq/sales-policy.html#sales-faq-1")
    entry = page.locator("#sales-faq-1")
    assert entry.is_visible()
    assert entry.evaluate("e => getComputedStyle(e).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    entry.locator("button.copy-link").click()
    page.wait_for_function("document.querySelector('#sales-faq-1 button.copy-link.copied')")
    assert (
        page.evaluate("navigator.clipboard.readText()")
        == "https://policies.example.com/faq/sales-policy.html#sales-faq-1"
    )
    # The answer's clause link opens the policy page at the clause.
    entry.locator("a[href$='#sales-4-2']").first.click()
    page.wait_for_url("**/policies/sales-policy.html#sales-4-2")
    assert page.js_errors == []


def test_drafts_are_absent_and_faq_markup_is_text(site, serve, page):  # noqa: F811
    base = serve(site)
    html = (site / "faq" / "sales-policy.html").read_text(encoding="utf-8")
    assert "草稿问题" not in html and "sales-faq-2" not in html
    page.goto(base + "faq/sales-policy.html")
    question = page.locator("#sales-faq-1 .faq-question").inner_text()
    assert "<b>加粗</b><script>window.__faq_xss = 1</script>" in question
    assert page.evaluate("window.__faq_xss") is None
    assert page.locator("#sales-faq-1 .faq-question b, #sales-faq-1 script").count() == 0
    # Nor does the draft reach the search index.
    page.goto(base + "search.html?q=" + "样机可以打折吗")
    page.wait_for_selector("#search-results ul li a, .policy-search-empty")
    assert page.locator("#search-results li.result-faq").count() == 0


def test_page_language_and_permalink_on_hover(site, serve, page):  # noqa: F811
    base = serve(site)
    page.goto(base + "policies/travel-policy.html")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.goto(base + "policies/rebate-rules.html")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    link = page.locator("#rebate-12 > p .clause-permalink").first
    assert link.evaluate("e => getComputedStyle(e).visibility") == "hidden"
    page.hover("#rebate-12 > p")
    assert link.evaluate("e => getComputedStyle(e).visibility") == "visible"
    assert link.get_attribute("href") == "#rebate-12"


@pytest.mark.parametrize(
    "path",
    [
        "policies/sales-policy.html",
        "policies/travel-policy.html",
        "faq/sales-policy.html",
        "search.html?q=返利什么时候结算",
    ],
)
def test_mobile_layout_fits_375px(site, serve, page, path):  # noqa: F811
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(serve(site) + path)
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    body = page.locator("[role=main]").bounding_box()
    assert body["x"] >= 0 and body["width"] >= 300  # the text column uses the screen


def test_print_stylesheet_makes_a_clean_booklet(site, serve, page):  # noqa: F811
    page.goto(serve(site) + "faq/sales-policy.html")
    page.emulate_media(media="print")
    for chrome in (".sidebar-drawer", ".toc-drawer", ".mobile-header", "footer", "form.policy-top-search"):
        assert page.locator(chrome).first.evaluate("e => getComputedStyle(e).display") == "none", chrome
    assert page.locator("#sales-faq-1 button.copy-link").evaluate("e => getComputedStyle(e).display") == "none"
    assert page.locator("#sales-faq-1").evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    # on the FAQ page a citation gets a footnote number, and its URL is listed once at the end
    link = page.locator("#sales-faq-1 .faq-clauses a").first
    assert link.evaluate("e => getComputedStyle(e, '::after').content") == "none"
    mark = page.locator("#sales-faq-1 .faq-clauses .faq-ref-mark").first
    assert mark.inner_text() == "1" and mark.evaluate("e => getComputedStyle(e).display") != "none"
    references = page.locator(".faq-references")
    assert "https://policies.example.com/policies/sales-policy.html#sales-4-2" in references.inner_text()
    assert page.locator(".faq-cover").evaluate("e => getComputedStyle(e).display") == "block"
    page.emulate_media(media="screen")  # on screen: no cover, marks or reference list
    assert [
        page.locator(s).first.evaluate("e => getComputedStyle(e).display")
        for s in (".faq-cover", ".faq-ref-mark", ".faq-references")
    ] == ["none"] * 3


def test_booklet_writes_a_pdf_of_the_faq_page(site, tmp_path):  # noqa: F811
    # In a subprocess: this test session's browser already holds Playwright's sync API.
    out = tmp_path / "sales.pdf"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tooling",
            "booklet",
            "SALES",
            "--root",
            str(site.parent),
            "--site",
            str(site),
            "--out",
            str(out),
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and result["pages"] == count_pages(data) >= 1
    # the page's own title (its author changed it) is kept; the cover, contents and pages are in test_browser_booklet
    assert result["title"] == "销售政策常见问题" and result["page"] == "faq/sales-policy.md"


def test_booklet_errors_name_the_file_and_code(tmp_path):
    root = _copy_example(tmp_path / "repo")
    with pytest.raises(PolicyToolError) as exc:
        write_booklet(root, "TRAVEL", tmp_path / "t.pdf")
    assert exc.value.problems[0].code.value == "PL850"
    assert exc.value.problems[0].file.endswith("faq/travel-policy.md")
    run = subprocess.run(
        [sys.executable, "-m", "tooling", "booklet", "NOPE", "--root", str(root)], capture_output=True, text=True
    )
    assert run.returncode == 1 and "error PL107 no policy with id 'NOPE'" in run.stderr and "hint:" in run.stderr
