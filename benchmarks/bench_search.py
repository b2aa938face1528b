"""Site search in headless Chromium: our clause-level search against Sphinx's built-in search.

1. Quality: the dev set's covered questions (``../shared/eval/dev/questions.jsonl``, gold =
   ``clauses``) are typed into each site's own ``search.html?q=…``. recall@5 = share of questions
   with a gold clause among the first five result links. Ours: a hit is a link whose anchor is the
   gold clause's anchor. Sphinx's search is page-level, so for it a hit is a result on the gold
   clause's *page* (lenient; its strict anchor-level figure is printed too). Both sites are built
   from the same policies in the same run; only ``policy_search`` differs.
2. Scale: a generated 10,000-clause site (``benchmarks.corpus.make_corpus(200 x 50)``): index
   size (raw and gzip) and in-browser query time, each against Sphinx's searchindex.js / query.

Run: ``python -m benchmarks search`` (or ``nox -s bench``). ``BENCH_SEARCH_QUICK=1`` skips the
10,000-clause site.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from tooling.catalog import Catalog
from tooling.site import build_site

DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"
CHROMIUM = os.environ.get("POLICY_CHROMIUM", "/usr/bin/chromium")
BUILTIN_CONF = """from pathlib import Path
from tooling.site import sphinx_config
globals().update(sphinx_config(Path(__file__).parent))
policy_search = False  # Sphinx's own search page, for the baseline
"""


def make_sites(tmp: Path, policies: Path | None = None, corpus: tuple[int, int] | None = None) -> tuple[Path, Path]:
    """The same repository built twice: with our search, and with Sphinx's (``policy_search = False``)."""
    outs = []
    for name, conf in (("ours", None), ("builtin", BUILTIN_CONF)):
        root = tmp / name
        if corpus:
            from benchmarks.corpus import make_corpus

            make_corpus(root, *corpus)
        else:
            shutil.copytree(policies, root / "policies")
            (root / "faq").mkdir()
        if conf:
            (root / "conf.py").write_text(conf, encoding="utf-8")
        build_site(root, root / "out", quiet=True)
        outs.append(root / "out")
    return outs[0], outs[1]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def served(folder: Path):
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        try:
            yield browser
        finally:
            browser.close()


def our_results(page, base: str, query: str) -> list[str]:
    """Result links (best first) of our search page; a citation jump counts as one result."""
    page.goto(f"{base}search.html?q={quote(query)}")
    page.wait_for_function(
        "document.querySelector('#search-results ul, .policy-search-empty') || "
        "!location.pathname.endsWith('search.html')"
    )
    if not page.url.split("?")[0].endswith("search.html"):
        return [page.url]
    return page.eval_on_selector_all("#search-results ul > li > a", "as => as.map(a => a.href)")


def builtin_results(page, base: str, query: str) -> list[str]:
    page.goto(f"{base}search.html?q={quote(query)}")
    # _finishSearch fills the summary ("Search finished…" or "did not match…", translated)
    page.wait_for_function(
        "(document.querySelector('#search-results .search-summary') || {}).textContent", timeout=20000
    )
    return page.eval_on_selector_all("#search-results ul.search > li > a", "as => as.map(a => a.href)")


def _page_and_anchor(href: str) -> tuple[str, str]:
    parts = urlsplit(href)
    return unquote(parts.path).lstrip("/"), parts.fragment


def recall(questions: list[dict], urls: dict[str, str], results: list[list[str]], k: int = 5) -> tuple[float, float]:
    """(anchor-level, page-level) share of questions with a gold clause in the first ``k`` links."""
    anchor_hits = page_hits = 0
    for q, links in zip(questions, results):
        got = [_page_and_anchor(h) for h in links[:k]]
        gold = [urls[c].split("#") for c in q["clauses"] if c in urls]
        anchor_hits += any([p, a] in gold for p, a in got)
        page_hits += any(p == g[0] for p, _ in got for g in gold)
    n = max(len(questions), 1)
    return anchor_hits / n, page_hits / n


def quality(tmp: Path) -> None:
    questions = [
        json.loads(line) for line in (DEV / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    covered = [q for q in questions if q["clauses"]]
    ours_out, builtin_out = make_sites(tmp, policies=DEV / "policies")
    urls = {c.key: c.url for c in Catalog.load(tmp / "ours").clauses}
    with chromium() as browser, served(ours_out) as ours_base, served(builtin_out) as builtin_base:
        page = browser.new_page()
        t0 = time.perf_counter()
        ours = [our_results(page, ours_base, q["text"]) for q in covered]
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        builtin = [builtin_results(page, builtin_base, q["text"]) for q in covered]
        t_builtin = time.perf_counter() - t0
    ours_anchor, ours_page = recall(covered, urls, ours)
    bi_anchor, bi_page = recall(covered, urls, builtin)
    empty_ours = sum(not r for r in ours) / len(covered)
    empty_builtin = sum(not r for r in builtin) / len(covered)
    print(f"dev set: {len(covered)} covered questions, site from {DEV / 'policies'}")
    print(f"recall@5  ours (clause anchor)            {ours_anchor:.3f}")
    print(f"recall@5  Sphinx built-in (page, lenient) {bi_page:.3f}   strict anchor: {bi_anchor:.3f}")
    print(f"ratio     ours / built-in(page)           {ours_anchor / max(bi_page, 1e-9):.2f}x")
    print(f"no result ours {empty_ours:.1%}   built-in {empty_builtin:.1%}")
    print(
        f"page loads: ours {t_ours / len(covered) * 1000:.0f} ms/query, built-in "
        f"{t_builtin / len(covered) * 1000:.0f} ms/query (navigation + search)"
    )


QUERIES = [
    "返利按季度净回款计算",
    "经销商提交申请的时限",
    "逾期未提交视为放弃",
    "区域经理审核几个工作日",
    "claim deadline after the trip",
    "hotel per night approval",
    "line manager approves exceptions",
    "返利账户有效期",
    "reimburse per night",
    "第三部分 条款",
]


def scale(tmp: Path) -> None:
    ours_out, builtin_out = make_sites(tmp, corpus=(200, 50))
    ours_index = ours_out / "_static" / "policy-search-index.js"
    sphinx_index = builtin_out / "searchindex.js"
    records = json.loads(ours_index.read_text(encoding="utf-8").split("=", 1)[1].rstrip().rstrip(";"))
    raw, raw_b = ours_index.stat().st_size, sphinx_index.stat().st_size
    gz, gz_b = len(gzip.compress(ours_index.read_bytes())), len(gzip.compress(sphinx_index.read_bytes()))
    with chromium() as browser, served(ours_out) as ours_base, served(builtin_out) as builtin_base:
        page = browser.new_page()
        t0 = time.perf_counter()
        page.goto(ours_base + "search.html")
        page.wait_for_function("window.PolicySearch !== undefined")
        load_ours = time.perf_counter() - t0
        ours_ms = page.evaluate(
            """qs => qs.map(q => { const t = performance.now();
            for (let i = 0; i < 5; i++) PolicySearch.rank(PolicySearch.groups(q), 20);
            return (performance.now() - t) / 5; })""",
            QUERIES,
        )
        t0 = time.perf_counter()
        page.goto(builtin_base + "search.html")
        page.wait_for_function("typeof Search !== 'undefined' && Search.hasIndex()")
        load_builtin = time.perf_counter() - t0
        builtin_ms = page.evaluate(
            """qs => qs.map(q => { const t = performance.now();
            for (let i = 0; i < 5; i++) { const p = Search._parseQuery(q); Search._performSearch(...p); }
            return (performance.now() - t) / 5; })""",
            QUERIES,
        )
    print(f"10,000-clause site: {len(records['docs'])} records, {len(records['terms'])} terms")
    print(
        f"index size ours {raw / 1e6:.2f} MB ({gz / 1e6:.2f} MB gzip)   Sphinx searchindex.js "
        f"{raw_b / 1e6:.2f} MB ({gz_b / 1e6:.2f} MB gzip)   ratio {raw / raw_b:.2f}x ({gz / gz_b:.2f}x gzip)"
    )
    print(
        f"query time (median of {len(QUERIES)}) ours {statistics.median(ours_ms):.1f} ms (max "
        f"{max(ours_ms):.1f})   Sphinx {statistics.median(builtin_ms):.1f} ms   ratio "
        f"{statistics.median(ours_ms) / max(statistics.median(builtin_ms), 1e-3):.2f}x"
    )
    print(
        f"search page ready (load + parse index) ours {load_ours * 1000:.0f} ms   Sphinx "
        f"{load_builtin * 1000:.0f} ms   ratio {load_ours / max(load_builtin, 1e-3):.2f}x"
    )


def main() -> None:
    if not DEV.is_dir() or not Path(CHROMIUM).exists():
        print(f"skipped: needs {DEV} and {CHROMIUM}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        quality(Path(tmp) / "dev")
        if not os.environ.get("BENCH_SEARCH_QUICK"):
            scale(Path(tmp) / "scale")


if __name__ == "__main__":
    main()
