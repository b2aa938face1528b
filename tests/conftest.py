"""Shared fixtures: the repository root, the dev evaluation set, temporary policy repositories."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The dev evaluation set beside the checkout (optional); POLICY_TEST_DEV_DIR points elsewhere, or at
# nothing, to see what a clean clone runs.
DEV = Path(os.environ.get("POLICY_TEST_DEV_DIR") or ROOT.parent / "shared" / "eval" / "dev")


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory):
    """The user cache (jieba's dictionary, the glossary) in a temporary folder, never ~/.cache:
    tests leave nothing behind, and each run builds those caches itself as a new user would."""
    import os

    old = os.environ.get("POLICY_CACHE_DIR")
    os.environ["POLICY_CACHE_DIR"] = str(tmp_path_factory.mktemp("user-cache"))
    yield Path(os.environ["POLICY_CACHE_DIR"])
    if old is None:
        os.environ.pop("POLICY_CACHE_DIR", None)
    else:
        os.environ["POLICY_CACHE_DIR"] = old


@pytest.fixture
def dev_dir() -> Path:
    """``../shared/eval/dev`` (dev policies and labeled questions); skipped where absent."""
    if not DEV.is_dir():
        pytest.skip("../shared/eval/dev is not beside this checkout")
    return DEV


@pytest.fixture
def make_repo(tmp_path: Path):
    """Make a policy repository in a temp folder: ``make_repo({"policies/a.md": text, ...})``."""

    def _make(files: dict[str, str], name: str = "repo") -> Path:
        root = tmp_path / name
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (root / "policies").mkdir(parents=True, exist_ok=True)
        (root / "faq").mkdir(exist_ok=True)
        return root

    return _make


@pytest.fixture
def dev_repo(tmp_path: Path, dev_dir: Path) -> Path:
    """A repository holding the dev set's two policies (SALES, TRAVEL)."""
    root = tmp_path / "devrepo"
    shutil.copytree(dev_dir / "policies", root / "policies")
    (root / "faq").mkdir()
    return root


# --- real site builds and a real browser -------------------------------------------------

import functools  # noqa: E402
import http.server  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402

CHROMIUM = os.environ.get("POLICY_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture
def serve():
    """Serve a folder over HTTP on 127.0.0.1 (a random port); returns the base URL."""
    servers = []

    def _serve(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield _serve
    for server in servers:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output readable
        pass


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser page; a screenshot lands in test-artifacts/ when the test fails."""
    context = browser.new_context()
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors  # type: ignore[attr-defined]
    yield pg
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


# --- citation cases shared by the Python lookup and the site search --------------------------
CITATION_CASES = json.loads((ROOT / "tests" / "fixtures" / "citation_cases.json").read_text(encoding="utf-8"))


def citation_cases() -> list:
    """``tests/fixtures/citation_cases.json`` as pytest params: (site, text, expected clause URLs)."""
    return [
        pytest.param(c["site"], c["text"], c["expect"], id=f"{c['site']}:{c['text'][:40]}")
        for c in CITATION_CASES["cases"]
    ]


def citation_site_source(name: str) -> Path:
    """The folder (with ``policies/``) a citation case's site is built from."""
    return ROOT / CITATION_CASES["sites"][name]


# --- a real PostgreSQL server ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres():
    """One temporary PostgreSQL cluster for the session (Debian's ``postgresql``, which .ci/run
    installs). Tests take a database of their own from it with ``postgres.create_database``."""
    from .pg_support import pg_bin, start_postgres

    if pg_bin() is None:
        pytest.fail("PostgreSQL is not installed: apt-get install postgresql (bash .ci/run does)")
    server = start_postgres()
    try:
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(server.data, ignore_errors=True)


@pytest.fixture
def pg_url(postgres, request) -> str:
    """A fresh, empty database on the session's server."""
    import re
    import uuid

    name = re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())[:40] + "_" + uuid.uuid4().hex[:6]
    return postgres.create_database(name)


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A repository holding this repository's own example policies (SALES, TRAVEL, REBATE): for
    tests that need real-looking policies but not the dev set's questions."""
    root = tmp_path / "examplerepo"
    shutil.copytree(ROOT / "policies", root / "policies")
    (root / "faq").mkdir()
    return root


def ingest_examples(root: Path) -> None:
    """Ingest this repository's own example question log (examples/questions/) into ``root``."""
    from tooling.questions.ingest import ingest_paths

    ingest_paths(root, sorted((ROOT / "examples" / "questions").iterdir()))


@pytest.fixture
def asked_example_repo(example_repo: Path) -> Path:
    """The example policies with this repository's own example question log ingested."""
    ingest_examples(example_repo)
    return example_repo
