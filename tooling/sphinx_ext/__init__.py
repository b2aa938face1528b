"""Sphinx extension: citable clauses, the ``{clause}`` role, the home page index, clauses.json.

Reads policies with the same parser as the CLI (:mod:`tooling.catalog`), so the site and
``policy clauses`` never disagree. Configuration values:

* ``policy_root`` — the repository (default: the Sphinx source folder);
* ``policy_show_drafts`` — show draft FAQ entries with a badge (reviewer builds).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

from ..catalog import Catalog
from ..config import load_settings
from . import faq, faq_page, paths, safety, search_index, theme, translations, versions
from .anchors import apply_anchors, clause_tools, skip_node, visit_clause_tools_html
from .home import PolicyIndex
from .roles import ClauseRole
from .search_zh import SearchChineseFixed
from .state import catalog_of, set_catalog
from .warnings import warn

STATIC = Path(__file__).parent / "static"


def _root(app: Sphinx) -> Path:
    return Path(app.config.policy_root or app.srcdir)


def _policy_of(app: Sphinx, docname: str):
    return catalog_of(app.env).policy_by_doc(docname)


def add_static_path(app: Sphinx, config) -> None:
    """Before the environment compares configs, so an unchanged site is not fully re-read."""
    if str(STATIC) not in config.html_static_path:
        config.html_static_path.append(str(STATIC))


def load_catalog(app: Sphinx) -> None:
    """Parse every policy once per build; report its problems as filterable warnings."""
    root = _root(app)
    catalog = Catalog.load(root, load_settings(root))
    set_catalog(app.env, catalog)
    for prob in catalog.problems:
        warn(app.config, prob)


def on_doctree_read(app: Sphinx, doctree) -> None:
    policy = _policy_of(app, app.env.docname)
    if policy is None:
        return
    apply_anchors(doctree, policy, app.config.html_baseurl or "")
    std = app.env.domains.standard_domain
    for clause in policy.clauses:  # so {ref}`sales-4-2` and the {clause} role resolve
        name = clause.title or clause.label
        std.labels[clause.anchor] = (app.env.docname, clause.anchor, f"{clause.key} {name}")
        std.anonlabels[clause.anchor] = (app.env.docname, clause.anchor)


def reread_home_on_new_pages(app: Sphinx, env, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    """The home page lists every policy: re-read it when pages come or go."""
    return [app.config.root_doc] if added or removed else []


def on_html_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    policy = _policy_of(app, pagename)
    language = policy.language if policy else ("zh" if str(app.config.language).startswith("zh") else "en")
    context["language"] = "zh-CN" if language == "zh" else "en"  # <html lang>, per page
    context["policy"] = policy


def write_clause_index(app: Sphinx, exception: Exception | None) -> None:
    """``clauses.json`` at the site root: the same records as ``policy clauses --json``."""
    if exception is not None or app.builder.format != "html":
        return
    records = [c.record() for c in catalog_of(app.env).clauses]
    (Path(app.outdir) / "clauses.json").write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("policy_root", "", "env", types=[str])
    app.add_config_value("policy_show_drafts", False, "env", types=[bool])
    # set by `policy build`, which printed `policy check`'s problems first (sphinx_ext/warnings.py)
    app.add_config_value("policy_checked", False, "", types=[bool])
    app.add_node(
        clause_tools,
        html=(visit_clause_tools_html, None),
        latex=(skip_node, None),
        text=(skip_node, None),
        man=(skip_node, None),
        texinfo=(skip_node, None),
    )
    app.add_role("clause", ClauseRole())
    app.add_directive("policy-index", PolicyIndex)
    app.add_search_language(SearchChineseFixed)
    app.connect("config-inited", add_static_path)
    app.connect("builder-inited", load_catalog)
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-get-outdated", reread_home_on_new_pages)
    app.connect("html-page-context", on_html_page_context)
    app.connect("build-finished", write_clause_index)
    app.add_css_file("policy.css")
    app.add_js_file("policy.js")
    search_index.setup(app)  # clause-level search page and index, print styles
    versions.setup(app)  # release pages, history pages, versioned citations
    faq.setup(app)  # the {faq} directive and "questions about this clause" links
    faq_page.setup(app)  # FAQ pages: real count in the title, numbered parts, contents, cover, references
    paths.setup(app)  # only the sources tooling.paths lists are read (links, names, templates)
    safety.setup(app)  # no raw HTML or script from sources, escaped project name
    translations.setup(app)  # the theme's words in the site's language
    theme.setup(app)  # footer (project, owners, version, date), search box on top on phones
    # env_version 2: the tooling's own HTML became tooling_html nodes (older pickled pages re-read);
    # 3: the home page's policy table became cards
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 3}
