"""Files a page refers to — images, figures, downloads, links to local files, includes, literal
includes, ``:file:`` options — must be files of the repository (PL113).

Sphinx copies what they point at into the site (``_images/``, ``_downloads/``) or pastes it into
the page, so ``[notes](../questions.db)`` would publish the question store and
``{literalinclude} ../../etc/passwd`` a system file. ``policy check`` finds them here, without
Sphinx; the extension (``sphinx_ext/paths.py``) drops them from the doctree with the same rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

from .config import Settings
from .errors import Code, Problem, problem
from .markdown import directive_body, directive_options, role_parts
from .paths import list_sources, outside_reason, question_store, shown

# Directives whose argument is a file, and options that name one.
_FILE_ARGUMENT = {"include", "literalinclude", "image", "figure"}
_FILE_OPTIONS = ("file",)
# Only pages that contain one of these can refer to a file: the rest are not parsed again.
_TRIGGERS = ("](", "]:", "{download}", "{include}", "{literalinclude}", "{image}", "{figure}", ":file:")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    """The site's syntax for what matters here, colon fences (``:::{include}``) included."""
    return (
        MarkdownIt("commonmark")
        .enable("table")
        .use(front_matter_plugin)
        .use(myst_block_plugin)
        .use(myst_role_plugin)
        .use(colon_fence_plugin)
    )


def referenced_files(source: str, line_offset: int = 0) -> Iterator[tuple[str, int]]:
    """Every file path the MyST page ``source`` refers to, with its line."""
    for tok in _parser().parse(source):
        line = (tok.map[0] + 1 if tok.map else 1) + line_offset
        if tok.type == "inline":
            yield from _inline(tok, line)
        elif tok.type in ("fence", "colon_fence") and tok.info.startswith("{") and "}" in tok.info:
            name, _, argument = tok.info[1:].partition("}")
            if name.strip() in _FILE_ARGUMENT and argument.strip():
                yield argument.strip(), line
            options = directive_options(tok.content)
            for option in _FILE_OPTIONS:
                if options.get(option):
                    yield options[option], line
            body, skipped = directive_body(tok.content)
            yield from referenced_files(body, line + skipped)


def _inline(tok: Token, line: int) -> Iterator[tuple[str, int]]:
    for child in tok.children or []:
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "image":
            yield unquote(str(child.attrs.get("src", ""))), line
        elif child.type == "link_open":
            yield unquote(str(child.attrs.get("href", ""))), line
        elif child.type == "myst_role" and child.meta.get("name") == "download":
            yield role_parts(child.content)[1], line


def local_target(root: Path, page: Path, reference: str) -> Path | None:
    """The file a reference names, resolved as Sphinx does ('/x' from the root, 'x' from the
    page's folder), or None for URLs, fragments and empty references."""
    reference = reference.strip().split("#", 1)[0].split("?", 1)[0]
    if not reference or _SCHEME.match(reference):
        return None
    base = Path(root) if reference.startswith("/") else page.parent
    return (base / reference.lstrip("/")).resolve()


def reference_problems(root: Path, settings: Settings) -> list[Problem]:
    """A PL113 problem for every reference of every page to a file the site may not read."""
    root = Path(root)
    real_root, store = root.resolve(), question_store(root, settings)
    problems: list[Problem] = []
    for page in list_sources(root, settings).pages:
        try:
            source = page.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # reported by the readers of the page (PL501)
        if not any(trigger in source for trigger in _TRIGGERS):
            continue
        for reference, line in referenced_files(source):
            targets = [local_target(root, page, reference)]
            if reference.startswith("/") and Path(reference).exists():
                targets.append(Path(reference).resolve())  # csv-table and raw read such a path as it is
            reason = next((r for t in targets if t is not None and (r := outside_reason(real_root, store, t))), None)
            if reason:
                problems.append(
                    problem(
                        Code.SOURCE_REFERENCE_OUTSIDE,
                        f"refers to {shown(reference)!r}: {reason}; it is not published",
                        page,
                        line,
                    )
                )
    return problems
