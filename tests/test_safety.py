"""``policy check`` refuses raw HTML, raw directives and script URLs in every page (PL120–PL122),
with file:line, unless the repository opts in (script URLs never pass); text the tooling writes
into generated Markdown is escaped. The browser side is in test_site_script.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.test_clauses import FM
from tooling.catalog import Catalog
from tooling.check import check_repository
from tooling.errors import Code
from tooling.faqpage import new_page_text, page_title, parse_page
from tooling.markdown import escape_text
from tooling.safety import is_script_url, unsafe_markup

HTML, RAW, URL = Code.SOURCE_RAW_HTML, Code.SOURCE_RAW_DIRECTIVE, Code.SOURCE_SCRIPT_URL

# (what, page text, [(code, line)]) — one row per way a source can carry markup or script
ROWS = [
    ("HTML block", '# T\n\n<div onclick="x()">hi</div>\n', [(HTML, 3)]),
    ("script block", "# T\n\ntext\n\n<script>alert(1)</script>\n", [(HTML, 5)]),
    ("tag in a heading", "# T <img src=x onerror=alert(1)>\n", [(HTML, 1)]),
    ("tag on a later line of a paragraph", "# T\n\nline one\nline <b>two</b>\n", [(HTML, 4)]),
    ("tag in a table cell", "# T\n\n| a | b |\n|---|---|\n| <i>x</i> | y |\n", [(HTML, 5)]),
    ("tag in a list item", "# T\n\n- one\n- <span>two</span>\n", [(HTML, 4)]),
    ("{raw} html", "# T\n\n```{raw} html\n<b>x</b>\n```\n", [(RAW, 3)]),
    ("colon-fence raw", "# T\n\n:::{raw} html\n<b>x</b>\n:::\n", [(RAW, 3)]),
    ("eval-rst raw", "# T\n\n```{eval-rst}\nText.\n\n.. raw:: html\n\n   <b>x</b>\n```\n", [(RAW, 6)]),
    ("eval-rst raw substitution", "# T\n\n```{eval-rst}\n.. |x| raw:: html\n\n   <b>x</b>\n```\n", [(RAW, 4)]),
    ("eval-rst raw role", "# T\n\n```{eval-rst}\n.. role:: h(raw)\n   :format: html\n```\n", [(RAW, 4)]),
    ("javascript: link", "# T\n\n[a](javascript:alert(1))\n", [(URL, 3)]),
    (
        "upper-case, spaced, entity-encoded scheme",
        "# T\n\n[a](JaVaScRiPt:alert(1)) [b](&#106;avascript:x)\n",
        [(URL, 3), (URL, 3)],
    ),
    ("vbscript: and data: links", "# T\n\n[a](vbscript:x)\n\n[b](data:text/html,<b>x</b>)\n", [(URL, 3), (URL, 5)]),
    ("autolink", "# T\n\n<javascript:alert(1)>\n", [(URL, 3)]),
    ("reference definition", "# T\n\n[a]\n\n[a]: javascript:alert(1)\n", [(URL, 3)]),
    ("data: image that is not a picture", "# T\n\n![a](data:text/html;base64,PHNjcmlwdD4=)\n", [(URL, 3)]),
    ("image :target:", "# T\n\n```{image} a.png\n:target: javascript:alert(1)\n```\n", [(URL, 4)]),
    ("eval-rst link", "# T\n\n```{eval-rst}\nSee `x <javascript:alert(1)>`_.\n```\n", [(URL, 4)]),
    ("eval-rst bare URL", "# T\n\n```{eval-rst}\nGo javascript:alert(1) now.\n```\n", [(URL, 4)]),
    ("eval-rst URL split over lines", "# T\n\n```{eval-rst}\nSee `x <java\nscript:alert(1)>`_.\n```\n", [(URL, 4)]),
    (
        "inside a {faq} answer",
        "# F\n\n```{faq} Q?\n:id: a-faq-1\n:clauses: A 1\n\nAnswer <img src=x onerror=alert(1)>.\n```\n",
        [(HTML, 7)],
    ),
    ("inside an admonition", "# T\n\n:::{note}\nSee [x](javascript:alert(1)).\n:::\n", [(URL, 4)]),
    ("nested directives", "# T\n\n::::{note}\n:::{raw} html\n<b>x</b>\n:::\n::::\n", [(RAW, 4)]),
]
# Not refused: comments, code, plain links, data: pictures, the word "javascript" in prose.
CLEAN = (
    "# T\n\n<!-- a note to other authors -->\n\nInline <!-- c --> comment. See [x](https://example.com), "
    "[m](mailto:a@example.com), [p](other.md#x), ![i](data:image/png;base64,iVBORw0KGgo=).\n\n"
    "```html\n<script>alert('shown as code')</script>\n```\n\n    <b>indented code</b>\n\n"
    "`<b>code span</b>` and a JavaScript: a language. metadata: fine.\n\n"
    "```{code-block} html\n<script>x</script>\n```\n"
)


@pytest.mark.parametrize("what,source,expected", ROWS, ids=[r[0] for r in ROWS])
def test_each_way_to_carry_markup_or_script_is_reported_at_its_line(what, source, expected) -> None:
    found = [(code, line) for code, _, line in unsafe_markup(source)]
    assert found == expected, what


@pytest.mark.parametrize("what,source,expected", ROWS, ids=[r[0] for r in ROWS])
def test_opt_in_allows_raw_html_but_never_script_urls(what, source, expected) -> None:
    found = [(code, line) for code, _, line in unsafe_markup(source, allow_raw_html=True)]
    assert found == [(c, n) for c, n in expected if c == URL], what


def test_comments_code_and_ordinary_links_are_not_refused() -> None:
    assert list(unsafe_markup(CLEAN)) == []


@pytest.mark.parametrize(
    "url",
    [
        "javascript:x",
        " JAVASCRIPT:x",
        "java\tscript:x",
        "\x01javascript:x",
        "vbscript:x",
        "data:text/html,x",
        "livescript:x",
    ],
)
def test_script_urls_are_recognised_as_a_browser_reads_them(url: str) -> None:
    assert is_script_url(url)


@pytest.mark.parametrize(
    "url",
    ["https://x.org/javascript:x", "/javascript:x", "#javascript:x", "mailto:a@b", "other.md", "tel:+861012345678"],
)
def test_other_urls_are_not_script(url: str) -> None:
    assert not is_script_url(url)
    assert not is_script_url("data:image/png;base64,AAAA", image=True)


def policy_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tooling", *args], capture_output=True, text=True)


def test_check_reports_every_page_kind_with_file_line_and_hint_and_the_setting_opts_in(make_repo) -> None:
    policy = (
        FM.format(pid="SALES", title="销售政策", extra="") + "# 销售政策 <script>x()</script>\n\n"
        "## 1 总则\n\n见[说明](javascript:alert(1))。\n"
    )
    root = make_repo(
        {
            "policies/sales.md": policy,
            "index.md": "# 首页\n\n<iframe src=x></iframe>\n",
            "faq/sales.md": "# 问答\n\n```{faq} 问？\n:id: sales-faq-1\n:clauses: SALES 1\n\n"
            "答 <img src=x onerror=alert(1)>。\n```\n",
        }
    )
    got = {
        (Path(p.file).relative_to(root).as_posix(), p.line, p.code)
        for p in check_repository(root)
        if p.code in (HTML, RAW, URL)
    }
    assert got == {
        ("policies/sales.md", 8, HTML),
        ("policies/sales.md", 12, URL),
        ("index.md", 3, HTML),
        ("faq/sales.md", 7, HTML),
    }
    out = policy_cli("check", "--root", str(root))
    assert out.returncode == 1
    assert (
        f"{root / 'policies/sales.md'}:8: error PL120 raw HTML '<script>' is not published — hint:"
        in out.stderr + out.stdout
    )
    assert "allow_raw_html = true" in out.stderr + out.stdout
    (root / "pyproject.toml").write_text("[tool.policy]\nallow_raw_html = true\n", encoding="utf-8")
    got = {(Path(p.file).name, p.line, p.code) for p in check_repository(root) if p.code in (HTML, RAW, URL)}
    assert got == {("sales.md", 12, URL)}  # a script URL is refused even with the opt-in


# --- text the tooling writes into generated Markdown -------------------------------------------

PAYLOAD = 'Travel <img src=x onerror="alert(1)"> [x](javascript:y) **b** {clause}`A 1` & &lt; #1 | @all'


@pytest.mark.parametrize("language", ["zh", "en"])
def test_new_faq_page_shows_the_policy_title_as_written(make_repo, language: str) -> None:
    fm = FM.format(pid="TRAVEL", title=json.dumps(PAYLOAD), extra=f"language: {language}\n")  # JSON is YAML
    root = make_repo({"policies/travel.md": fm + "# T\n\n## 1 A\n\nText.\n"})
    policy = Catalog.load(root).require("TRAVEL")
    assert policy.meta.title == PAYLOAD
    text = new_page_text(policy)
    assert list(unsafe_markup(text)) == []
    html = MarkdownIt("commonmark").render(text)
    heading = html.split("</h1>")[0]
    assert "<img" not in html and "<a " not in html and "<strong>" not in html
    assert (
        page_title(policy).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
        in heading
    )
    assert parse_page(text).entries == []


@pytest.mark.parametrize(
    "text",
    [
        "- item",
        "1. first",
        "2025) year",
        "% comment",
        ":::{note}",
        "# h",
        "> q",
        "a <b>",
        "x & y &amp;",
        "[l](u)",
        "`c`",
        "**s**",
        "@all",
        "a|b",
    ],
)
def test_escape_text_is_shown_literally(text: str) -> None:
    html = MarkdownIt("commonmark").render(f"Intro\n\n{escape_text(text)}\n")
    literal = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert html == f"<p>Intro</p>\n<p>{literal}</p>\n"


def test_pull_request_description_shows_entry_options_as_text() -> None:
    from tooling.faq.propose import Proposal, describe
    from tooling.faqpage import FaqEntry

    bad = '<img src=x onerror="alert(1)">'
    entry = FaqEntry(
        id="sales-faq-9",
        question=f"Q {bad}?",
        clauses=[f"SALES 4.2 {bad}"],
        drafter=f"llm {bad}",
        unsupported=[f"30% {bad}"],
        status=f"draft {bad}",
    )
    text = describe(Proposal(policy="SALES", branch="b", commit="c", page="p", new=[entry]), "en", {})
    rendered = MarkdownIt("commonmark").render(text)
    assert "<img" not in rendered and rendered.count("&lt;img src=x") == 5
