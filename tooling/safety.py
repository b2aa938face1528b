"""Pages publish no raw HTML and no script (PL120–PL122), found without Sphinx for ``policy check``.

The site is read by every employee: a ``<script>`` in one policy heading would run on every page
(through the navigation). So by default a source may not carry

* raw HTML — HTML blocks and tags in Markdown (PL120; comments ``<!-- -->`` are harmless and
  allowed);
* raw output directives — ```` ```{raw} html ````, and ``.. raw:: html`` or a role based on
  ``raw`` inside ``{eval-rst}`` (PL121);
* script URLs — ``javascript:``, ``vbscript:``, ``data:`` (and the like) in links, images,
  directive options and reStructuredText (PL122). Browsers run these when clicked.

A repository that needs HTML opts in with ``[tool.policy] allow_raw_html = true`` (PL120 and
PL121 then pass); script URLs are refused either way. The Sphinx side
(:mod:`tooling.sphinx_ext.safety`) applies the same rule to the doctree, so a plain
``sphinx-build`` or a skipped check publishes nothing of this either.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from markdown_it.token import Token

from .config import Settings
from .errors import Code, Problem, problem
from .markdown import directive_body, inline_children, site_parser
from .paths import list_sources, shown

#: URL schemes a browser runs code with (or, for ``data:``, renders a page of the link's own).
SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "data", "livescript", "mocha", "jscript"})
#: ``data:`` images are only pictures (an <img> runs no script), as markdown-it also allows.
_DATA_IMAGE = re.compile(r"^data:image/(?:gif|png|jpeg|webp);", re.I)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)
# reStructuredText: the raw directive (also in a substitution definition) and roles based on raw.
_RST_RAW = re.compile(r"^\s*\.\.\s+(?:\|[^|]*\|\s+)?raw\s*::\s*(.*)$", re.I)
_RST_RAW_ROLE = re.compile(r"^\s*\.\.\s+role\s*::\s*[^\s(]+\s*\(\s*raw\s*\)", re.I)
# A script scheme anywhere in reStructuredText (docutils links bare 'javascript:x' by itself).
_RST_SCRIPT_URL = re.compile(
    r"(?<![\w+.-])(?:javascript|vbscript|livescript|mocha|jscript)\s*:|(?<![\w+.-])data:\S", re.I
)
_OPTION = re.compile(r"^\s*:?([\w-]+):\s*(.*)$")
_COMMENT = re.compile(r"^\s*(?:<!--(?:(?!-->).)*-->\s*)+$", re.S)
# Directives whose body is not Markdown (code, math, data): never read for HTML.
_LITERAL_BODIES = frozenset(
    {
        "code",
        "code-block",
        "sourcecode",
        "code-cell",
        "literalinclude",
        "math",
        "csv-table",
        "mermaid",
        "graphviz",
        "highlight",
    }
)
# A page that contains none of these can have none of the problems (most pages are not parsed again).
_TRIGGERS = ("<", "raw", "script", "data:", "mocha", "&")


def url_scheme(url: str) -> str:
    """The scheme a browser reads in ``url`` (lowercase, '' for relative URLs): like the URL
    standard, leading spaces and control characters are ignored and tabs and newlines removed,
    so ``' java\\tscript:'`` is ``javascript``."""
    cleaned = re.sub(r"[\t\n\r]", "", url).lstrip("".join(map(chr, range(33))))
    match = _SCHEME.match(cleaned)
    return match[1].lower() if match else ""


def is_script_url(url: str, image: bool = False) -> bool:
    """True for a URL that would run code (an image may be a ``data:`` picture)."""
    scheme = url_scheme(url)
    if scheme == "data" and image:
        return not _DATA_IMAGE.match(re.sub(r"[\t\n\r]", "", url).strip())
    return scheme in SCRIPT_SCHEMES


def is_comment(html: str) -> bool:
    """Only HTML comments: not published, and nothing in them runs."""
    return bool(_COMMENT.match(html))


def _snippet(text: str, limit: int = 60) -> str:
    flat = shown(" ".join(text.split()))
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def unsafe_markup(source: str, allow_raw_html: bool = False, line_offset: int = 0) -> Iterator[tuple[Code, str, int]]:
    """(code, message, line) of every piece of raw HTML, raw directive and script URL in the MyST
    page ``source`` — in directive bodies too ({faq} answers, admonitions, {eval-rst})."""
    yield from _tokens(site_parser().parse(source), allow_raw_html, line_offset)


def _tokens(tokens: list[Token], allow: bool, offset: int) -> Iterator[tuple[Code, str, int]]:
    for tok in tokens:
        line = (tok.map[0] + 1 if tok.map else 1) + offset
        if tok.type == "html_block" and not allow and not is_comment(tok.content):
            yield Code.SOURCE_RAW_HTML, f"raw HTML {_snippet(tok.content)} is not published", line
        elif tok.type == "inline":
            yield from _inline(tok, allow, line)
        elif tok.type in ("fence", "colon_fence") and tok.info.startswith("{") and "}" in tok.info:
            yield from _directive(tok, allow, line)


def _inline(tok: Token, allow: bool, first: int) -> Iterator[tuple[Code, str, int]]:
    for child, line in inline_children(tok, first):
        if (
            child.type == "html_inline"
            and not allow
            and not is_comment(child.content)
            and not child.content.startswith("</")
        ):  # a closing tag: its opening one is reported
            yield Code.SOURCE_RAW_HTML, f"raw HTML {_snippet(child.content)} is not published", line
        elif child.type == "link_open" and is_script_url(str(child.attrs.get("href", ""))):
            yield Code.SOURCE_SCRIPT_URL, f"link to {_snippet(str(child.attrs['href']))} is not published", line
        elif child.type == "image" and is_script_url(str(child.attrs.get("src", "")), image=True):
            yield Code.SOURCE_SCRIPT_URL, f"image {_snippet(str(child.attrs['src']))} is not published", line


def _directive(tok: Token, allow: bool, line: int) -> Iterator[tuple[Code, str, int]]:
    name, _, argument = tok.info[1:].partition("}")
    name = name.strip().lower()
    body, skipped = directive_body(tok.content)
    for k, text in enumerate(tok.content.splitlines()[:skipped]):  # ':key: value' or a '---' YAML block
        option = _OPTION.match(text)
        if option and is_script_url(option[2].strip().strip("'\""), image=option[1] in ("uri", "src")):
            yield (
                Code.SOURCE_SCRIPT_URL,
                f"{{{name}}} option :{option[1]}: {_snippet(option[2].strip())} is not published",
                line + 1 + k,
            )
    first = line + 1 + skipped  # the body's first line
    if name == "raw":
        if not allow and "html" in argument.lower():
            yield Code.SOURCE_RAW_DIRECTIVE, f"{{raw}} {argument.strip()} block is not published", line
    elif name == "eval-rst":
        yield from _rst(body, allow, first)
    elif name not in _LITERAL_BODIES:
        yield from _tokens(site_parser().parse(body), allow, first - 1)


def _rst(body: str, allow: bool, first: int) -> Iterator[tuple[Code, str, int]]:
    """reStructuredText inside {eval-rst}: raw directives, raw-based roles and script URLs."""
    found = 0
    for k, text in enumerate(body.splitlines()):
        raw = _RST_RAW.match(text)
        if not allow and raw and "html" in raw[1].lower():
            yield Code.SOURCE_RAW_DIRECTIVE, "'.. raw:: html' in {eval-rst} is not published", first + k
        elif not allow and _RST_RAW_ROLE.match(text):
            yield Code.SOURCE_RAW_DIRECTIVE, "a role based on 'raw' in {eval-rst} is not published", first + k
        for url in _RST_SCRIPT_URL.finditer(text):
            found += 1
            shown_url = re.match(r"[^\s<>`]*", text[url.start() :])[0]  # type: ignore[index]  # * always matches
            yield Code.SOURCE_SCRIPT_URL, f"URL {_snippet(shown_url, 40)} in {{eval-rst}} is not published", first + k
    if len(re.findall(r"(?:java|vb)script:", re.sub(r"\s+", "", body), re.I)) > found:
        # docutils joins a URL broken over lines ('<java' / 'script:…>')
        yield (
            Code.SOURCE_SCRIPT_URL,
            "a javascript:/vbscript: URL split over lines in {eval-rst} is not published",
            first,
        )


def safety_problems(root: Path, settings: Settings) -> list[Problem]:
    """PL120–PL122 for every page of the site (index.md, policies, FAQ pages)."""
    problems: list[Problem] = []
    for page in list_sources(Path(root), settings).pages:
        try:
            source = page.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # reported by the readers of the page (PL501)
        if not any(trigger in source for trigger in _TRIGGERS):
            continue
        problems += [
            problem(code, message, page, line) for code, message, line in unsafe_markup(source, settings.allow_raw_html)
        ]
    return problems
