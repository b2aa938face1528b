"""Build the site of any policy repository: the Sphinx configuration it does not have, and
``build_site`` behind ``policy build``. This repository's ``conf.py`` uses the same defaults.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from .cache import cache_dir
from .catalog import Catalog
from .check import check_repository
from .config import Settings, load_settings
from .errors import Code, Problem, Severity, problem, suppressed
from .faqpage import read_pages
from .markdown import escape_text
from .paths import Discard, page_areas, site_folder, staged_folder

DEFAULT_INDEX = """# {project}

```{{policy-index}}
```
"""


def sphinx_config(root: Path, settings: Settings | None = None) -> dict[str, Any]:
    """The Sphinx settings every policy site uses (a repository's conf.py may add to them)."""
    root = Path(root)
    settings = settings or load_settings(root)
    templates = ["_templates"] if (root / "_templates").is_dir() else []
    return {
        "project": settings.project,
        "extensions": ["myst_parser", "tooling.sphinx_ext"],
        "language": "zh_CN" if settings.language == "zh" else "en",
        "html_baseurl": settings.html_baseurl,
        "root_doc": "index",
        "source_suffix": {".md": "markdown"},
        "include_patterns": page_areas(settings),
        "exclude_patterns": ["_build", ".nox", ".venv", "**/.*"],
        "templates_path": templates,
        "myst_enable_extensions": ["colon_fence", "deflist"],
        "myst_heading_anchors": 0,
        "html_theme": "furo",
        "html_title": settings.project,
        "html_copy_source": False,
        "html_show_sourcelink": False,
        "policy_root": str(root.resolve()),
        "suppress_warnings": list(settings.suppress_warnings),
    }


def build_site(
    root: Path,
    out: Path | None = None,
    drafts: bool = False,
    warnings_as_errors: bool = False,
    quiet: bool = False,
    env_dir: Path | None = None,
    verbose: bool = False,
) -> int:
    """Check the repository, then build its HTML site; returns a process exit status.

    The check reports every problem with file:line (Sphinx would only re-report pages it
    re-reads). The site is built beside ``out`` and swapped in only if the check and Sphinx found
    no error, so a failed build (or Ctrl-C) leaves the previous site as it was. Sphinx's
    environment (what makes rebuilds incremental) lives in the cache, ``env_dir`` or
    ``.policy-cache/doctrees/``, never next to the site.

    Output: problems and Sphinx's warnings on stderr, then a one-line summary; Sphinx's own log
    only with ``verbose``; nothing but problems with ``quiet``. No colour codes unless stderr is
    a terminal (a CI log or a file is read as text).
    """
    from sphinx.application import Sphinx  # on first use: importing the module stays cheap
    from sphinx.errors import SphinxError  # on first use: importing the module stays cheap
    from sphinx.util.docutils import (
        docutils_namespace,
        patch_docutils,
    )  # on first use: importing the module stays cheap

    root = Path(root).resolve()
    settings = load_settings(root)
    out = site_folder(root, Path(out or root / "_build" / "html"), settings)
    _no_colour_unless_terminal()
    catalog = Catalog.load(root, settings)
    problems = [p for p in check_repository(root, catalog) if not suppressed(p, settings.suppress_warnings)]
    for prob in problems:  # file:line: error CODE message — hint: …
        print(prob, file=sys.stderr)
    errors = [p for p in problems if p.severity == Severity.error]
    if errors:
        print(_not_updated(out, f"{len(errors)} error(s) reported above"), file=sys.stderr)
        return 1
    if not (root / "index.md").exists():
        (root / "index.md").write_text(DEFAULT_INDEX.format(project=escape_text(settings.project)), encoding="utf-8")
        print(f"{root / 'index.md'}: created a default home page (commit it or edit it)", file=sys.stderr)
    has_conf = (root / "conf.py").is_file()
    overrides: dict[str, Any] = {} if has_conf else sphinx_config(root, settings)
    overrides["policy_show_drafts"] = drafts
    # Problems were reported above with file:line and a hint: the extension does not log them
    # again (a conf.py's own suppress_warnings is kept as it is).
    overrides["policy_checked"] = True
    doctrees = (
        Path(env_dir)
        if env_dir
        else cache_dir(root, "doctrees", f"{out.name}-{hashlib.sha256(str(out).encode()).hexdigest()[:10]}")
    )
    failure = "interrupted"
    try:
        with staged_folder(out) as staging:
            with patch_docutils(root), docutils_namespace():
                app = Sphinx(
                    str(root),
                    str(root) if has_conf else None,
                    str(staging),
                    str(doctrees),
                    "html",
                    confoverrides=overrides,
                    warningiserror=warnings_as_errors,
                    status=sys.stdout if verbose and not quiet else None,
                    freshenv=False,
                )
                app.builder.epilog = ""  # type: ignore[misc]  # it would name the staging folder; said below instead
                app.build()
            failure = "Sphinx reported errors (with -W, warnings count as errors)" if app.statuscode else ""
            if failure:
                raise Discard
    except SphinxError as exc:
        failure = f"Sphinx failed: {exc}"
    finally:
        if failure:  # the environment may describe pages the kept site lacks: re-read them next time
            (doctrees / "environment.pickle").unlink(missing_ok=True)
    if failure:
        print(_not_updated(out, failure), file=sys.stderr)
        return 1
    legacy = out.parent / f".doctrees-{out.name}"  # where earlier versions kept the environment
    if (legacy / "environment.pickle").is_file():
        shutil.rmtree(legacy, ignore_errors=True)
    if not quiet:
        print(
            build_summary(root, catalog, app, out, drafts, sum(p.severity != Severity.error for p in problems), verbose)
        )
    return 0


def build_summary(
    root: Path, catalog: Catalog, app, out: Path, drafts: bool, check_warnings: int, verbose: bool = False
) -> str:
    """What a build made, in one line: what a newcomer needs to know and where to look."""
    pages, _ = read_pages(root, catalog)
    shown = {"approved", "draft"} if drafts else {"approved"}
    entries = sum(1 for page in pages for entry in page.entries if entry.status in shown)
    warnings = check_warnings + app._warncount
    policies = len(catalog.policies)
    clauses = sum(1 for _ in catalog.clauses)
    noun = "FAQ entries (approved and draft)" if drafts else "approved FAQ entries"
    return (
        f"Built {len(app.env.found_docs)} pages: {policies} {'policy' if policies == 1 else 'policies'}, "
        f"{clauses} clauses, {entries} {noun}; {warnings} warning{'' if warnings == 1 else 's'}.\n"
        f"The site is in {out} (open {out / 'index.html'}{'' if verbose else '; -v shows Sphinx log'})."
    )


def _no_colour_unless_terminal() -> None:
    """Sphinx colours its messages even into a pipe when called as a library (its command line
    checks the terminal first): do that check here, and honour NO_COLOR."""
    try:
        from sphinx._cli.util.colour import (
            disable_colour,
            terminal_supports_colour,
        )  # on first use: importing the module stays cheap
    except ImportError:  # older Sphinx
        from sphinx.util.console import (
            color_terminal as terminal_supports_colour,
        )  # on first use: importing the module stays cheap
        from sphinx.util.console import nocolor as disable_colour  # on first use: importing the module stays cheap
    if os.environ.get("NO_COLOR") or not terminal_supports_colour() or not sys.stderr.isatty():
        disable_colour()


def _not_updated(out: Path, why: str) -> Problem:
    return problem(Code.SITE_NOT_UPDATED, f"the site was not updated ({why}); this folder is as it was", out, None)
