"""Clause-level search in a real browser (Debian Chromium via Playwright) on real site builds.

The example site (this repository's policies/) is built once into a temp folder per module and
served on 127.0.0.1; screenshots of failing tests land in test-artifacts/ (see conftest.page).
"""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from tooling.catalog import Catalog
from tooling.matching.tokenize import token_groups, tokenize, without_unigrams
from tooling.search import (
    INDEX_FILE,
    build_search_index,
    decode_postings,
    encode_postings,
    write_search_index,
)
from tooling.site import build_site

from .conftest import CITATION_CASES, citation_cases, citation_site_source

ROOT = Path(__file__).resolve().parents[1]
HIGHLIGHT = "rgb(255, 247, 214)"  # policy.css :target background

FAQ_PAGE = """# 销售政策常见问题

```{faq} 返利什么时候结算？<b>加粗</b><script>window.__faq_xss = 1</script>
:id: sales-faq-1
:clauses: SALES 4.2
:status: approved
:reviewed-by: 张敏
:reviewed-on: 2026-11-20

季度返利于季度结束后次月25日前核算，见 {clause}`SALES 4.2`。
```

```{faq} 草稿问题：样机可以打折吗？
:id: sales-faq-2
:clauses: SALES 1.1
:status: draft

草稿答案，尚未审核。
```
"""


def _copy_example(dest: Path, faq: bool = False, settings: str = "") -> Path:
    dest.mkdir(parents=True)
    shutil.copytree(ROOT / "policies", dest / "policies")
    (dest / "faq").mkdir()
    if faq:
        (dest / "faq" / "sales-policy.md").write_text(FAQ_PAGE, encoding="utf-8")
    shutil.copy(ROOT / "index.md", dest / "index.md")
    (dest / "pyproject.toml").write_text(
        '[tool.policy]\nproject = "公司制度与政策"\nlanguage = "zh"\n'
        f'html_baseurl = "https://policies.example.com/"\n{settings}',
        encoding="utf-8",
    )
    return dest


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The example site with an FAQ page (one approved entry, one draft), built once."""
    root = _copy_example(tmp_path_factory.mktemp("search") / "repo", faq=True)
    assert build_site(root, root / "out", quiet=True) == 0
    return root / "out"


def search(page, base: str, query: str) -> list[str]:
    """Run a query on search.html; the result hrefs (relative), best first."""
    page.goto(f"{base}search.html?q={quote(query)}")
    page.wait_for_selector("#search-results ul li a, .policy-search-empty", timeout=15000)
    return page.eval_on_selector_all("#search-results ul > li > a", "as => as.map(a => a.getAttribute('href'))")


# --- the index itself ---------------------------------------------------------------------
def test_index_has_one_record_per_clause_with_matcher_tokens(tmp_path):
    root = _copy_example(tmp_path / "repo", faq=True)
    catalog = Catalog.load(root)
    index = build_search_index(catalog)
    clauses = list(catalog.clauses)
    records = [d for d in index.docs if d.kind == "clause"]
    assert [r.key for r in records] == [c.key for c in clauses]
    rec = next(r for r in records if r.key == "SALES 4.2")
    assert (rec.label, rec.title, rec.policy, rec.url) == (
        "4.2",
        "返利结算时间",
        "SALES",
        "policies/sales-policy.html#sales-4-2",
    )
    assert rec.version == catalog.policy("SALES").meta.version and rec.language == "zh"
    doc = [d.key for d in index.docs].index("SALES 4.2")
    for token in without_unigrams(tokenize("返利结算时间", filler=False)):  # the matcher's tokens, title included
        assert doc in [d for d, _ in decode_postings(index.terms[token])], token
    assert not [t for t in index.terms if t.startswith("u:")]  # the browser does not make unigrams
    # Approved FAQ entries are records; drafts never are.
    faq = [d for d in index.docs if d.kind == "faq"]
    assert [d.key for d in faq] == ["sales-faq-1"] and faq[0].url == "faq/sales-policy.html#sales-faq-1"
    assert "草稿" not in json.dumps([d.title for d in index.docs], ensure_ascii=False)


def test_postings_round_trip():
    pairs = [0, 1, 1, 3, 7, 4, 8, 1, 1000, 12]
    codes = encode_postings(pairs)
    assert decode_postings(codes) == list(zip(pairs[0::2], pairs[1::2]))
    assert codes[:4] == [5, 7, 24, 4]  # gaps 1, 1, 6 (tf 4 spelled out), ...


def test_index_is_rewritten_only_when_sources_change(tmp_path):
    root = _copy_example(tmp_path / "repo")
    out = tmp_path / "out"
    path = write_search_index(Catalog.load(root), out, [])
    first, stamp = path.read_text(encoding="utf-8"), path.stat().st_mtime_ns
    assert write_search_index(Catalog.load(root), out, []).stat().st_mtime_ns == stamp
    policy = root / "policies" / "sales-policy.md"
    policy.write_text(policy.read_text(encoding="utf-8").replace("返利结算时间", "返利核算时间"), encoding="utf-8")
    second = write_search_index(Catalog.load(root), out, []).read_text(encoding="utf-8")
    assert second != first and "返利核算时间" in second and "返利结算时间" not in second


# --- searching in the browser -------------------------------------------------------------
def test_chinese_question_finds_and_opens_the_clause(site, serve, page):
    base = serve(site)
    hrefs = search(page, base, "窜货处罚标准是什么？")
    assert hrefs[0] == "policies/sales-policy.html#sales-3-3"
    page.click("#search-results ul > li:first-child > a")
    page.wait_for_url("**/sales-policy.html#sales-3-3")
    target = page.locator("#sales-3-3 > h3")
    assert target.evaluate("e => getComputedStyle(e).backgroundColor") == HIGHLIGHT
    assert page.js_errors == []


@pytest.mark.parametrize(
    "query, expected",
    [
        ("can I expense a taxi?", "policies/travel-policy.html#travel-4-3"),  # English, stemmed
        ("返利結算時間", "policies/sales-policy.html#sales-4-2"),  # traditional characters
        ("返利什么时候能用？", "policies/rebate-rules.html#rebate-16"),  # a whole question
        ("fanli 结算 deadline", "policies/sales-policy.html#sales-4-2"),  # mixed, pinyin
    ],
)
def test_whole_questions_rank_by_relevance(site, serve, page, query, expected):
    hrefs = search(page, serve(site), query)
    assert hrefs, query
    assert all("#" in h for h in hrefs)  # every result opens at a clause or an FAQ entry
    if expected:
        assert expected in hrefs[:3], hrefs[:5]
    assert page.js_errors == []


@pytest.fixture(scope="module")
def citation_site(tmp_path_factory, site):
    """The built site of a case of tests/fixtures/citation_cases.json ("example" is ``site``)."""
    built: dict[str, Path] = {}

    def _site(name: str) -> Path:
        source = citation_site_source(name)
        if source == ROOT:
            return site
        if name not in built:
            root = tmp_path_factory.mktemp(name) / "repo"
            shutil.copytree(source, root)
            assert build_site(root, root / "out", quiet=True) == 0
            built[name] = root / "out"
        return built[name]

    return _site


@pytest.mark.parametrize("site_name, text, expect", citation_cases())
def test_citation_cases_open_their_clause(citation_site, serve, page, site_name, text, expect):
    """The cases Catalog.cited runs (test_citation_lookup.py): the same clauses, in the same order;
    one clause opens directly, several are listed first."""
    base = serve(citation_site(site_name))
    page.goto(f"{base}search.html")
    assert page.evaluate("t => PolicySearch.citation(t).map(d => d.url)", text) == expect
    if len(expect) == 1:
        page.goto(f"{base}search.html?q={quote(text)}")
        page.wait_for_url(base + expect[0])
    elif expect:
        assert search(page, base, text)[: len(expect)] == expect
    assert page.js_errors == []


@pytest.mark.parametrize("site_name", sorted(CITATION_CASES["sites"]))
def test_copied_citations_find_their_clause(citation_site, serve, page, site_name):
    """What each copy-citation button of the built site puts on the clipboard, with and without its
    link, names that button's clause."""
    base = serve(citation_site(site_name))
    page.goto(base + "index.html")
    pages = page.eval_on_selector_all("a[href^='policies/']", "as => as.map(a => a.getAttribute('href'))")
    copied = []
    for href in sorted({h.split("#")[0] for h in pages}):
        page.goto(base + href)
        copied += [
            [b["citation"], b["url"], href.split("#")[0] + "#" + b["anchor"]]
            for b in page.eval_on_selector_all("button.copy-citation", "bs => bs.map(b => ({...b.dataset}))")
        ]
    assert len(copied) > 10
    page.goto(base + "search.html")
    found = page.evaluate(
        """cs => cs.map(([text, url, target]) => [
        PolicySearch.citation(text + " " + url).map(d => d.url),
        PolicySearch.citation(text).map(d => d.url).includes(target)])""",
        copied,
    )
    assert [f for f, (_, _, target) in zip(found, copied) if f != [[target], True]] == []


def test_no_result_says_so_and_points_to_faq_and_owner(site, serve, page):
    assert search(page, serve(site), "火星移民") == []
    empty = page.locator(".policy-search-empty")
    text = empty.inner_text()
    assert "没有找到" in text and "火星移民" in text and "市场部" in text and "Finance" in text
    assert empty.locator("a[href='faq/sales-policy.html']").count() == 1
    assert page.locator(".policy-search-reported").count() == 0  # no collector configured


class _Collector(http.server.BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(json.loads(body))
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_unanswered_query_is_reported_to_the_collector(tmp_path, serve, page):
    collector = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{collector.server_address[1]}/questions"
        root = _copy_example(tmp_path / "repo", settings=f'collector_url = "{url}"\n')
        assert build_site(root, root / "out", quiet=True) == 0
        search(page, serve(root / "out"), "火星移民")
        page.wait_for_selector(".policy-search-reported")
        for _ in range(50):
            if _Collector.received:
                break
            page.wait_for_timeout(100)
        record = _Collector.received[-1]
        assert record["text"] == "火星移民" and record["channel"] == "search"
        assert record["page"].endswith("search.html?q=" + quote("火星移民"))
    finally:
        collector.shutdown()
        collector.server_close()


def test_html_in_query_and_faq_text_is_shown_as_text(site, serve, page):
    base = serve(site)
    query = '<img src=x onerror="window.__xss=1">返利'
    search(page, base, query)
    assert page.evaluate("window.__xss") is None
    assert page.locator("#search-results img").count() == 0
    # The approved FAQ entry's question holds markup and a script: listed, as text.
    search(page, base, "返利什么时候结算 加粗")
    item = page.locator("#search-results li.result-faq").first
    assert "<script>window.__faq_xss = 1</script>" in item.inner_text()
    assert page.locator("#search-results script, #search-results b").count() == 0
    assert page.evaluate("window.__faq_xss") is None
    assert page.js_errors == []


def test_search_works_offline_from_file_urls(site, page):
    page.goto((site / "search.html").as_uri() + "?q=" + quote("返利结算时间"))
    page.wait_for_selector("#search-results ul li a")
    first = page.locator("#search-results ul > li > a").first.get_attribute("href")
    assert first == "policies/sales-policy.html#sales-4-2"


def test_query_tokens_match_the_matcher(site, serve, page, dev_dir):
    """The browser tokenises a question like the matcher (``token_groups(q, initials=False)``) on
    the terms the index knows, and groups the same terms together."""
    questions = [
        json.loads(line)["text"]
        for line in (dev_dir / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    page.goto(serve(site) + "search.html")
    browser_tokens = page.evaluate("qs => qs.map(q => PolicySearch.tokenize(q))", questions)
    browser_groups = page.evaluate("qs => qs.map(q => PolicySearch.groups(q))", questions)
    vocab = set(page.evaluate("Object.keys(POLICY_SEARCH_INDEX.terms)"))
    overlaps, english_same, english = [], 0, 0
    for text, js, js_groups in zip(questions, browser_tokens, browser_groups):
        groups = token_groups(text, initials=False)
        assert js == [t for g in js_groups for t in g]
        if not any("\u4e00" <= ch <= "\u9fff" for ch in text):
            assert js_groups == groups, text
        py, got = {t for g in groups for t in g} & vocab, set(js) & vocab
        overlaps.append(len(py & got) / max(len(py | got), 1))
        if not any("\u4e00" <= ch <= "\u9fff" for ch in text):
            english += 1
            english_same += py == got
    assert english > 50 and english_same / english >= 0.95
    assert sum(overlaps) / len(overlaps) >= 0.88  # jieba segmentation over the shipped dictionary


def test_search_index_file_is_shipped(site):
    text = (site / "_static" / INDEX_FILE).read_text(encoding="utf-8")
    assert text.startswith("/* policy-search-index ") and "window.POLICY_SEARCH_INDEX=" in text
    # Sphinx's page-level index is not built: our search page replaces it (policy_search = False
    # brings it back), and skipping it saves a third of a large site's build time.
    assert not (site / "searchindex.js").exists()


HINT_POLICIES = {
    "policies/handbook.md": '---\npolicy: HR\ntitle: 员工手册\nversion: "1.0"\neffective: 2027-01-01\nowner: 人力资源部\n'
    "language: zh\n---\n\n# 员工手册\n\n## 2 考勤\n\n### 2.1 工作时间\n\n每周工作五天。\n",
    "policies/leave.md": '---\npolicy: LEAVE\ntitle: 员工休假管理办法\nversion: "1.0"\neffective: 2027-01-01\nowner: 人力资源部\n'
    "language: zh\n---\n\n# 员工休假管理办法\n\n**第一条**【目的】 为规范休假，制定本办法。\n\n"
    "**第二条**【年假】 员工每年享有带薪年假。\n",
    "policies/it.md": '---\npolicy: IT\ntitle: IT & Security Policy\nversion: "1.0"\neffective: 2027-01-01\nowner: IT\n'
    "language: en\n---\n\n# IT & Security Policy\n\n## 1. Scope\n\n### 1.1 Purpose\n\nKeep data safe.\n\n"
    "**Article 3** Passwords are never shared.\n",
}


@pytest.mark.parametrize(
    "language, examples",
    [
        ("zh", {"《员工手册》第2.1条": "policies/handbook.html#hr-2-1", "第一条": "policies/leave.html#leave-1"}),
        ("en", {"IT & Security Policy §1.1": "policies/it.html#it-1-1", "Article 3": "policies/it.html#it-3"}),
    ],
)
def test_search_hint_cites_the_sites_own_clauses(make_repo, serve, page, language, examples):
    """The hint's examples are clauses of this site, in its language, and each one opens its clause
    (it used to offer SALES 4.2 and 第十二条 on every site)."""
    root = make_repo({**HINT_POLICIES, "pyproject.toml": f'[tool.policy]\nproject = "HR"\nlanguage = "{language}"\n'})
    assert build_site(root, root / "out", quiet=True) == 0
    base = serve(root / "out")
    page.goto(base + "search.html")
    hint = page.locator(".policy-search-help").inner_text()
    assert all(text in hint for text in examples), hint
    assert not any(word in hint for word in ("SALES", "TRAVEL", "第十二条")), hint
    assert ("粘贴条款引用" in hint) == (language == "zh")
    html = (root / "out" / "search.html").read_text(encoding="utf-8")
    assert ("IT &amp; Security Policy §1.1" in html) == (language == "en")  # escaped
    for text, url in examples.items():
        page.goto(f"{base}search.html?q={quote(text)}")
        page.wait_for_url(base + url)
    assert page.js_errors == []
