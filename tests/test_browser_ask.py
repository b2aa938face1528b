"""The search page's 没找到？提问 form against a real ``policy serve`` app (uvicorn on 127.0.0.1)
and a real site build in Chromium: the question is stored, the instant answer shown as text."""

from __future__ import annotations

import time
from pathlib import Path

from tooling.questions.store import QuestionStore
from tooling.site import build_site

from .test_browser_search import _copy_example, search
from .test_service import _free_port, running


def test_ask_the_owner_from_a_search_that_found_nothing(tmp_path: Path, serve, page) -> None:
    out = tmp_path / "out"
    out.mkdir()
    base = serve(out)  # the site's origin, known before the build
    origin = base.rstrip("/")
    service_port = _free_port()
    root = _copy_example(
        tmp_path / "repo",
        settings=(
            f'collector_url = "http://127.0.0.1:{service_port}/api/questions"\n'
            f'[tool.policy.serve]\nallowed_origins = ["{origin}"]\n'
        ),
    )
    assert build_site(root, out, quiet=True) == 0
    with running(root, port=service_port, warm=True):
        search(page, base, "火星移民")
        form = page.locator("form.policy-ask")
        assert form.locator("textarea").input_value() == "火星移民"
        form.locator("textarea").fill("返利可以提现吗？<img src=x onerror=alert(1)>")
        form.locator("button").click()
        page.wait_for_selector(".policy-ask-passed", timeout=60000)
        reply = page.locator(".policy-ask-reply").inner_text()
        assert "https://policies.example.com/policies/" in reply  # the answer names its clause and link
        assert page.locator(".policy-ask-answer img").count() == 0 and page.js_errors == []
    with QuestionStore(root / "questions.db") as store:
        channels = sorted(r.channel for r in store.iter_records())
    assert "form" in channels  # (the miss itself is also reported, as "search")


def test_a_search_that_ends_on_a_faq_entry_is_told_to_the_service(tmp_path: Path, serve, page) -> None:
    """Opening a FAQ result sends a beacon to /api/searches beside collector_url; the store keeps it
    for the report (searches that ended on the entry, against questions still sent)."""
    out = tmp_path / "out"
    out.mkdir()
    base = serve(out)
    service_port = _free_port()
    root = _copy_example(
        tmp_path / "repo", faq=True, settings=(f'collector_url = "http://127.0.0.1:{service_port}/api/questions"\n')
    )
    assert build_site(root, out, quiet=True) == 0
    with running(root, port=service_port):
        search(page, base, "返利能抵运费吗")
        first = page.locator("#search-results li.result-faq > a").first
        with page.expect_navigation():
            first.click()
        kept = []
        deadline = time.monotonic() + 20
        while not kept and time.monotonic() < deadline:
            with QuestionStore(root / "questions.db") as store:
                kept = list(store.searches())
            time.sleep(0.2)
    assert [(s.kind, s.query) for s in kept] == [("faq", "返利能抵运费吗")]
    assert page.url.endswith("#" + kept[0].target) and page.js_errors == []


def test_no_service_no_form(tmp_path: Path, serve, page) -> None:
    root = _copy_example(tmp_path / "repo")
    assert build_site(root, root / "out", quiet=True) == 0
    search(page, serve(root / "out"), "火星移民")
    assert page.locator("form.policy-ask").count() == 0
