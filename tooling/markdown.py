"""The one Markdown reader shared by the CLI and the Sphinx extension (no Sphinx needed).

markdown-it-py with the same plugins MyST uses for what we care about: front matter, tables,
``(target)=`` lines and ``{role}`content``` roles. Gives block text as plain text and finds
``{clause}`` citations with their source lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

from .models import Citation

_ROLE_TEXT_RE = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>\s*$", re.S)
_OPTION_RE = re.compile(r"^:([\w-]+):(.*)$")


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    return (
        MarkdownIt("commonmark").enable("table").use(front_matter_plugin).use(myst_block_plugin).use(myst_role_plugin)
    )


def parse(source: str) -> list[Token]:
    return parser().parse(source)


@lru_cache(maxsize=1)
def site_parser() -> MarkdownIt:
    """The syntax the site is built with (MyST with colon fences and definition lists), keeping
    every link whatever its scheme: markdown-it drops ``javascript:`` links silently, but a
    check must see them to report them."""
    md = (
        MarkdownIt("commonmark")
        .enable("table")
        .use(front_matter_plugin)
        .use(myst_block_plugin)
        .use(myst_role_plugin)
        .use(colon_fence_plugin)
        .use(deflist_plugin)
    )
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def inline_children(tok: Token, line: int) -> Iterator[tuple[Token, int]]:
    """The children of an inline token, each with its source line (``line`` is the token's first)."""
    for child in tok.children or []:
        yield child, line
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type in ("text", "html_inline"):
            line += child.content.count("\n")


def inline_text(token: Token) -> str:
    """Plain text of an inline token: markup dropped, line breaks kept as newlines."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content if child.type != "html_inline" else "")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "myst_role":
            parts.append(role_parts(child.content)[0])
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def role_parts(content: str) -> tuple[str, str]:
    """``结算规则 <SALES 4.2>`` -> (``结算规则``, ``SALES 4.2``); ``SALES 4.2`` -> (it, it)."""
    match = _ROLE_TEXT_RE.match(content)
    if match and match["text"]:
        return match["text"].strip(), match["target"].strip()
    return content.strip(), content.strip()


@dataclass
class Block:
    """A top-level block: its kind, first/last source line (1-based) and plain text."""

    kind: str  # heading | paragraph | table | list | code | target | other
    line: int
    end_line: int
    text: str
    level: int = 0  # heading level
    inline: Token | None = None


def blocks(tokens: list[Token]) -> Iterator[Block]:
    """Top-level blocks in order, as plain text (tables as ``cell | cell`` rows)."""
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.level != 0 or tok.type == "front_matter":
            i += 1
            continue
        start, end = tok.map or (0, 0)
        if tok.type == "heading_open":
            inline = tokens[i + 1]
            yield Block("heading", start + 1, end, inline_text(inline), int(tok.tag[1]), inline)
            i += 3
        elif tok.type == "paragraph_open":
            inline = tokens[i + 1]
            yield Block("paragraph", start + 1, end, inline_text(inline), inline=inline)
            i += 3
        elif tok.type == "myst_target":
            yield Block("target", start + 1, end, tok.content.strip())
            i += 1
        elif tok.type.endswith("_open"):
            close = tok.type.replace("_open", "_close")
            j, rows, row = i + 1, [], []
            while j < len(tokens) and not (tokens[j].type == close and tokens[j].level == 0):
                t = tokens[j]
                if t.type == "inline":
                    row.append(inline_text(t))
                elif t.type in ("tr_close", "list_item_close", "paragraph_close") and row:
                    rows.append(" | ".join(row) if tok.type == "table_open" else " ".join(row))
                    row = []
                j += 1
            kind = {"table_open": "table", "bullet_list_open": "list", "ordered_list_open": "list"}.get(
                tok.type, "other"
            )
            yield Block(kind, start + 1, end, "\n".join(rows))
            i = j + 1
        elif tok.type in ("fence", "code_block"):
            kind = "directive" if tok.info.startswith("{") else "code"
            yield Block(kind, start + 1, end, tok.content)
            i += 1
        else:
            i += 1


@dataclass
class RoleUse:
    name: str
    content: str
    line: int


def clause_citations(uses: Iterable[RoleUse]) -> list[Citation]:
    """The ``{clause}`` roles among ``uses``, as the one citation record (target key, line)."""
    return [Citation(target=role_parts(use.content)[1], line=use.line) for use in uses if use.name == "clause"]


def roles(source: str, line_offset: int = 0) -> Iterator[RoleUse]:
    """Every ``{name}`content``` role in a MyST file, including inside directive bodies."""
    return roles_in(parse(source), line_offset)


def roles_in(tokens: list[Token], line_offset: int = 0) -> Iterator[RoleUse]:
    """The roles of an already parsed file (so a caller that parsed it once need not again)."""
    for tok in tokens:
        if tok.type == "inline":
            for child, line in inline_children(tok, (tok.map[0] + 1 if tok.map else 1) + line_offset):
                if child.type == "myst_role":
                    yield RoleUse(child.meta.get("name", ""), child.content, line)
        elif tok.type == "fence" and tok.info.startswith("{") and tok.map:
            body, skipped = directive_body(tok.content)
            yield from roles(body, line_offset + tok.map[0] + 1 + skipped)


def directive_body(content: str) -> tuple[str, int]:
    """Split a directive's ``:key: value`` option lines from its body; returns (body, lines skipped)."""
    lines = content.splitlines(keepends=True)
    skipped = 0
    if lines and lines[0].strip() == "---":  # YAML options block
        for k, line in enumerate(lines[1:], start=1):
            if line.strip() == "---":
                return "".join(lines[k + 1 :]), k + 1
    while skipped < len(lines) and _OPTION_RE.match(lines[skipped].strip()):
        skipped += 1
    return "".join(lines[skipped:]), skipped


def directive_options(content: str) -> dict[str, str]:
    """The ``:key: value`` options at the head of a directive body."""
    options: dict[str, str] = {}
    for line in content.splitlines():
        match = _OPTION_RE.match(line.strip())
        if not match:
            break
        options[match[1]] = match[2].strip()
    return options


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|@~&])")
# What starts a block at the head of a line: a list item (-, 1. or 1)), a comment (%), a colon
# fence or definition (:).
_MD_LEADING = re.compile(r"^(?:(\d{1,9})(?=[.)](?:\s|$))|(?=[-%:=]))")


def escape_text(text: str, limit: int | None = None) -> str:
    """Untrusted text (a question, a policy title) as literal Markdown on one line: no links,
    images, HTML, entities, roles, mentions, table breaks or block starts — what it says is shown,
    never interpreted."""
    flat = " ".join(text.split())
    escaped = _MD_SPECIAL.sub(r"\\\1", flat[:limit] if limit else flat)
    return _MD_LEADING.sub(lambda m: f"{m[1]}\\" if m[1] else "\\", escaped, count=1)
