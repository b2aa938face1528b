"""Stored script (issue 11), end to end: real git repositories whose sources carry script payloads
in every place a source text reaches the site, built normally and with ``--drafts``, and every
HTML page loaded in headless Chromium. Each payload tries to set ``window.__pwned``, open a dialog
and fetch a URL on a local test server; nothing may run.

* Repository A carries payloads as *text* — the project name, front-matter title, owner and
  version, a (target)= name, FAQ questions (also the ones ``faq draft`` writes, under the H1 it
  makes from the policy title), commit messages and authors, and HTML-looking text (``&lt;img…``)
  in headings, clause text and answers. ``policy check`` accepts them; the site must show them
  as text. Built with ``build_site`` (what ``policy build`` runs).
* Repository B adds *markup*: raw HTML in the policy H1, a clause heading, clause text, an FAQ
  answer and index.md, an HTML block, ``{raw} html``, ``{eval-rst}`` with ``.. raw::`` and a
  ``javascript:`` link, a Markdown ``javascript:`` link, an image ``:target:``. ``policy check``
  must report each with its file:line; the site built with plain Sphinx (no check) must still
  run none of it.
* Repository C opts in (``allow_raw_html = true``): its raw HTML is published and runs — the
  setting is real, and so are the detectors above.
"""

from __future__ import annotations

import html
import io
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.llm_server import CountingServer
from tooling.check import check_repository
from tooling.errors import Code, Severity
from tooling.faq.draft import draft_faq
from tooling.questions.ingest import ingest_paths
from tooling.site import build_site, sphinx_config

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def pixel():
    server = CountingServer()
    yield server
    server.close()


# --- payloads ----------------------------------------------------------------------------------


def run(tag: str, url: str) -> str:
    """The script every payload runs: a global, a dialog, a request to the test server."""
    return f"window.__pwned='{tag}';alert('{tag}');fetch('{url}/{tag}')"


def img(tag: str, url: str) -> str:
    return f'<img src="/missing-{tag}.png" onerror="{run(tag, url)}">'


def script(tag: str, url: str) -> str:
    return f"<script>{run(tag, url)}</script>"


def js_url(tag: str, url: str) -> str:
    return f"javascript:{run(tag, url)}"


def looks_like(markup: str) -> str:
    """Markup written as Markdown text (entities): the page must show it, not run it."""
    return html.escape(markup)


def git(root: Path, *args: str, author: str = "Alice") -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "Alice",
        "GIT_COMMITTER_EMAIL": "a@example.com",
        "GIT_AUTHOR_DATE": "2024-01-01T09:00:00+08:00",
        "GIT_COMMITTER_DATE": "2024-01-01T09:00:00+08:00",
    }
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def policy_text(u: str, version: str, rate: str, markup: bool, script_urls: bool = True) -> str:
    """The travel policy; ``markup`` adds the payloads ``policy check`` refuses (``script_urls``:
    with the ``javascript:`` ones, which no setting allows)."""
    h1 = img("h1", u) if markup else looks_like(img("h1-text", u))
    heading = img("heading", u) if markup else looks_like(img("heading-text", u))
    text = img("text", u) if markup else looks_like(img("text-text", u))
    extra = (
        (
            f"\n{script('block', u)}\n\n```{{raw}} html\n{script('raw', u)}\n```\n\n"
            f"```{{eval-rst}}\n.. raw:: html\n\n   {script('evalrst', u)}\n\n"
            + (f"See `the form <{js_url('evalrst-link', u)}>`_.\n" if script_urls else "")
            + "```\n\n"
            + (
                f"Read [the rules]({js_url('md-link', u)}).\n\n"
                f"```{{image}} pic.png\n:target: {js_url('image-target', u)}\n```\n"
                if script_urls
                else ""
            )
        )
        if markup
        else ""
    )
    front = {
        "policy": "TRAVEL",
        "title": "Travel " + img("title", u),
        "version": version + img("version", u),
        "effective": "2020-01-01",
        "owner": "Finance " + img("owner", u),
        "language": "en",
    }
    yaml = "".join(f"{k}: {json.dumps(v) if k != 'effective' else v}\n" for k, v in front.items())  # JSON is YAML
    return (
        f"---\n{yaml}---\n\n# Travel Policy {h1}\n\n## 1. Scope {heading}\n\n"
        f"This policy covers all staff {text}. Claims are filed within 30 days.\n{extra}\n"
        f'(x"><img src=/missing-target.png onerror="window.__pwned=\'target\'">)=\n'
        f"## 2. Rates\n\nThe daily allowance is {rate} yuan in tier 1 cities.\n"
    )


def faq_entry(u: str, markup: bool, status: str = "approved", n: int = 90) -> str:
    answer = img("answer", u) if markup else looks_like(img("answer-text", u))
    reviewed = ":reviewed-by: Bob\n:reviewed-on: 2024-02-01\n" if status == "approved" else ""
    return (
        f"\n```{{faq}} Can I claim a taxi {img('question', u)}?\n:id: travel-faq-{n}\n:clauses: TRAVEL 2\n"
        f":status: {status}\n{reviewed}\nYes, within the daily allowance {answer}; see {{clause}}`TRAVEL 2`.\n```\n"
    )


def make_repository(root: Path, u: str, markup: bool, allow: bool = False) -> Path:
    """Two committed releases, a drafted FAQ page, an approved and a draft hand-written entry."""
    root.mkdir(parents=True)
    project = json.dumps("Policies " + img("project", u))
    (root / "pyproject.toml").write_text(
        f'[tool.policy]\nproject = {project}\nlanguage = "en"\n' + ("allow_raw_html = true\n" if allow else ""),
        encoding="utf-8",
    )
    index = "# Home\n\n" + (f"Welcome {img('index', u)}.\n\n" if markup else "") + "```{policy-index}\n```\n"
    (root / "index.md").write_text(index, encoding="utf-8")
    (root / "policies").mkdir()
    (root / "faq").mkdir()
    (root / "policies" / "pic.png").write_bytes(CountingServer.PNG)
    git(root, "init", "-q")
    for version, rate in (("1.0", "300"), ("2.0", "350")):
        (root / "policies" / "travel.md").write_text(policy_text(u, version, rate, markup), encoding="utf-8")
        git(root, "add", "-A")
        git(
            root,
            "commit",
            "-q",
            "-m",
            f"Release {version} {script('commit', u)}",
            author=f'Eve" onmouseover="{run("author", u)}',
        )
    questions = root.parent / f"{root.name}-questions.jsonl"
    asks = [
        ("What is the daily allowance in tier 1 cities? " + img("asked", u), "u1"),
        ("daily allowance tier 1 cities how much", "u2"),
        ("How much is the tier 1 daily allowance?", "u3"),
    ]
    questions.write_text(
        "".join(json.dumps({"text": t, "asker": a, "asked_at": "2024-03-01T10:00:00+08:00"}) + "\n" for t, a in asks),
        encoding="utf-8",
    )
    assert ingest_paths(root, [questions]).stored == 3
    assert draft_faq(root, "TRAVEL", top=5).added  # creates faq/travel.md with its H1
    with (root / "faq" / "travel.md").open("a", encoding="utf-8") as page:
        page.write(faq_entry(u, markup) + faq_entry(u, markup, status="draft", n=91))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"FAQ {script('faq-commit', u)}")
    return root


@pytest.fixture(scope="module")
def repos(tmp_path_factory, pixel) -> dict[str, Path]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POLICY_MATCHING_SEMANTIC", "off")
        base = tmp_path_factory.mktemp("script")
        return {
            "A": make_repository(base / "a", pixel.url, markup=False),
            "B": make_repository(base / "b", pixel.url, markup=True),
        }


def sphinx_build(root: Path, out: Path, drafts: bool) -> str:
    """Plain Sphinx with the site's configuration and no check first; returns its warnings."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    warnings = io.StringIO()
    with patch_docutils(root), docutils_namespace():
        app = Sphinx(
            str(root),
            None,
            str(out),
            str(out.parent / (out.name + "-doctrees")),
            "html",
            confoverrides={**sphinx_config(root), "policy_show_drafts": drafts},
            status=None,
            warning=warnings,
            freshenv=True,
        )
        app.build()
    return warnings.getvalue()


# --- the browser -------------------------------------------------------------------------------

FINDINGS = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on") && attr.value.includes("__pwned")) found.push("handler " + el.outerHTML.slice(0, 120));
    }
    for (const name of ["href", "src", "action", "formaction", "data", "xlink:href"]) {
      const value = el.getAttribute(name);
      if (!value) continue;
      let scheme = "";
      try { scheme = new URL(value, document.baseURI).protocol; } catch (e) { continue; }
      if (["javascript:", "vbscript:", "data:"].includes(scheme) && !(el.tagName === "IMG" && /^data:image\\//i.test(value)))
        found.push(name + " " + el.outerHTML.slice(0, 120));
    }
  }
  for (const s of document.scripts) if (s.textContent.includes("__pwned")) found.push("script " + s.outerHTML.slice(0, 120));
  return found;
}"""


def visit_every_page(page, site: Path, base: str, pixel: CountingServer) -> dict[str, list]:
    """Load each HTML page of ``site`` (and a search with results); what ran, per page."""
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url) if r.url.startswith(pixel.url) else None)
    ran: dict[str, list] = {}
    urls = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    for rel in [*urls, "search.html?q=daily+allowance+taxi+scope"]:
        before = (len(dialogs), len(requests))
        page.goto(base + rel, wait_until="load")
        if "?q=" in rel:
            page.wait_for_load_state("networkidle")  # the results are rendered from the loaded index
        what = {
            "global": page.evaluate("() => window.__pwned === undefined ? null : String(window.__pwned)"),
            "dialogs": dialogs[before[0] :],
            "requests": requests[before[1] :],
            "moved": page.url.split("?")[0] != (base + rel).split("?")[0],
            "dom": page.evaluate(FINDINGS),
        }
        if what["global"] or what["dialogs"] or what["requests"] or what["moved"] or what["dom"]:
            ran[rel] = what
    page.evaluate(
        f"() => {{ fetch('{pixel.url}/sentinel').catch(() => null); }}"
    )  # whatever was sent before has arrived by now
    for _ in range(200):
        if "/sentinel" in pixel.hits:
            break
        page.wait_for_timeout(25)
    assert "/sentinel" in pixel.hits
    return ran


def text_of(page, selector: str) -> str:
    """The text shown, with docutils' typographic quotes made plain again."""
    return page.inner_text(selector).translate(str.maketrans("“”‘’", "\"\"''"))


def pages_of(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html")}


EXPECTED_PAGES = {
    "index.html",
    "search.html",
    "genindex.html",
    "policies/travel.html",
    "faq/travel.html",
    "policies/travel/history.html",
}


@pytest.mark.parametrize("drafts", [False, True], ids=["normal", "drafts"])
def test_text_payloads_pass_check_and_are_shown_never_run(repos, pixel, page, serve, drafts: bool) -> None:
    root = repos["A"]
    assert [p for p in check_repository(root) if p.severity == Severity.error] == []
    out = root / "_build" / ("drafts" if drafts else "html")
    assert build_site(root, out, drafts=drafts, quiet=True) == 0
    pages = pages_of(out)
    assert pages >= EXPECTED_PAGES and len([p for p in pages if "/v" in p]) == 2  # both release pages
    pixel.hits.clear()
    ran = visit_every_page(page, out, serve(out), pixel)
    assert ran == {}
    assert pixel.hits == ["/sentinel"]
    # escaped, not dropped: the texts show as written
    page.goto(serve(out) + "policies/travel.html")
    line = text_of(page, ".policy-version-line")
    assert f"Version 2.0{img('version', pixel.url)}" in line
    assert img("h1-text", pixel.url) in text_of(page, "section > h1")
    assert img("project", pixel.url) in page.title()
    page.goto(serve(out) + "faq/travel.html")
    assert text_of(page, "section > h1").startswith("Travel " + img("title", pixel.url))  # the H1 faq draft wrote
    assert f"Can I claim a taxi {img('question', pixel.url)}?" in text_of(page, "body")
    assert ("travel-faq-91" in page.content()) == drafts  # the draft entry shows in a drafts build only
    page.goto(serve(out) + "policies/travel/history.html")
    assert f"Release 2.0 {script('commit', pixel.url)}" in text_of(page, "body")
    assert 'Eve" onmouseover=' in text_of(page, "body")


B_PAYLOADS = [  # (file, text on the payload's line, code)
    ("policies/travel.md", "# Travel Policy <img", Code.SOURCE_RAW_HTML),
    ("policies/travel.md", "## 1. Scope <img", Code.SOURCE_RAW_HTML),
    ("policies/travel.md", "This policy covers all staff <img", Code.SOURCE_RAW_HTML),
    ("policies/travel.md", "<script>window.__pwned='block'", Code.SOURCE_RAW_HTML),
    ("policies/travel.md", "```{raw} html", Code.SOURCE_RAW_DIRECTIVE),
    ("policies/travel.md", ".. raw:: html", Code.SOURCE_RAW_DIRECTIVE),
    ("policies/travel.md", "See `the form <javascript:", Code.SOURCE_SCRIPT_URL),
    ("policies/travel.md", "Read [the rules](javascript:", Code.SOURCE_SCRIPT_URL),
    ("policies/travel.md", ":target: javascript:", Code.SOURCE_SCRIPT_URL),
    ("faq/travel.md", 'Yes, within the daily allowance <img src="/missing-answer.png"', Code.SOURCE_RAW_HTML),
    ("index.md", "Welcome <img", Code.SOURCE_RAW_HTML),
]


def line_of(path: Path, text: str, nth: int = 0) -> int:
    lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(text)]
    return lines[nth]


def test_check_reports_every_markup_payload_with_file_line_and_build_refuses(repos) -> None:
    root = repos["B"]
    problems = check_repository(root)
    found = {(Path(p.file).relative_to(root).as_posix(), p.line, p.code) for p in problems}
    expected = {
        (rel, line_of(root / rel, text, nth), code)
        for rel, text, code in B_PAYLOADS
        for nth in range(
            len([ln for ln in (root / rel).read_text(encoding="utf-8").splitlines() if ln.startswith(text)])
        )
    }
    assert len(expected) == 12  # the FAQ page has the answer payload twice (approved and draft)
    assert expected <= found
    assert {c for _, _, c in found} >= {Code.SOURCE_RAW_HTML, Code.SOURCE_RAW_DIRECTIVE, Code.SOURCE_SCRIPT_URL}
    assert all(p.hint and p.severity == Severity.error for p in problems if p.code.value in ("PL120", "PL121", "PL122"))
    out = root / "_build" / "refused"
    assert build_site(root, out, quiet=True) == 1 and not out.exists()


@pytest.mark.parametrize("drafts", [False, True], ids=["normal", "drafts"])
def test_site_runs_no_markup_payload_even_without_the_check(repos, pixel, page, serve, drafts: bool) -> None:
    root = repos["B"]
    out = root / "_build" / ("sphinx-drafts" if drafts else "sphinx")
    warnings = sphinx_build(root, out, drafts)
    pixel.hits.clear()
    ran = visit_every_page(page, out, serve(out), pixel)
    assert ran == {}
    assert pixel.hits == ["/sentinel"]
    pages = pages_of(out)
    assert pages >= EXPECTED_PAGES and len([p for p in pages if "/v" in p]) == 2, warnings
    page.goto(serve(out) + "policies/travel.html")
    assert img("h1", pixel.url) in text_of(page, "section > h1")  # shown as text, nothing lost
    assert "the form" in text_of(page, "body") and "the rules" in text_of(page, "body")
    policy = root / "policies" / "travel.md"
    for text in ("# Travel Policy <img", "## 1. Scope <img", "<script>window.__pwned='block'"):
        assert f"{policy}:{line_of(policy, text)}: WARNING: PL120" in warnings
    assert f"{policy}:{line_of(policy, 'See `the form')}: WARNING: PL122" in warnings
    assert '"raw" directive disabled' in warnings


def test_opt_in_publishes_raw_html_as_documented(tmp_path, pixel, page, serve) -> None:
    root = tmp_path / "c"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.policy]\nproject = "Policies"\nallow_raw_html = true\n', encoding="utf-8"
    )
    (root / "index.md").write_text("# Home\n\n```{policy-index}\n```\n", encoding="utf-8")
    (root / "faq").mkdir()
    (root / "policies").mkdir()
    text = policy_text(pixel.url, "1.0", "300", markup=True, script_urls=False)
    (root / "policies" / "travel.md").write_text(text, encoding="utf-8")
    assert [p for p in check_repository(root) if p.severity == Severity.error] == []
    out = root / "_build" / "html"
    assert build_site(root, out, quiet=True) == 0
    pixel.hits.clear()
    ran = visit_every_page(page, out, serve(out), pixel)
    assert set(ran["policies/travel.html"]["requests"]) >= {
        f"{pixel.url}/{t}" for t in ("h1", "heading", "text", "block", "raw", "evalrst")
    }
    assert ran["policies/travel.html"]["global"] and ran["policies/travel.html"]["dialogs"]
    assert {"/h1", "/raw", "/evalrst"} <= set(pixel.hits)
