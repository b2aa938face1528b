"""The site search in a Sphinx build: our ``search.html``, Sphinx's page-level index skipped, and
at build-finished the clause-level index (:mod:`tooling.search`) with Sphinx's JS stemmer beside it."""

from __future__ import annotations

from pathlib import Path

from ..search import citation_examples, write_search_index
from .search_zh import english_stemmer_js
from .state import catalog_of

STEMMER_FILE = "policy-stemmer.js"  # Sphinx's Snowball English stemmer (the one Python uses)


def write_stemmer(path: Path) -> None:
    """Ship Sphinx's own Snowball JS stemmer, so queries stem like the index (snowballstemmer)."""
    code = english_stemmer_js()
    if not path.is_file() or path.read_text(encoding="utf-8") != code:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, encoding="utf-8")


def add_search_examples(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    """``policy_search_examples`` for ``search.html``'s hint, in the site's language."""
    if pagename != "search" or not app.config.policy_search:
        return
    language = "zh" if (app.config.language or "").startswith("zh") else "en"
    context["policy_search_examples"] = citation_examples(catalog_of(app.env), language)


TEMPLATES = Path(__file__).parent / "templates"


def add_search_templates(app, config) -> None:
    """Our ``search.html`` replaces Sphinx's (``policy_search = False`` keeps Sphinx's own page).

    Runs on ``config-inited``, before the environment compares configs, like the static path."""
    if config.policy_search and str(TEMPLATES) not in config.templates_path:
        config.templates_path.append(str(TEMPLATES))


def on_build_finished(app, exception: Exception | None) -> None:
    """Write the clause-level index next to Sphinx's own (which stays, for tools that use it)."""
    if exception is not None or app.builder.format != "html" or not app.config.policy_search:
        return
    catalog = catalog_of(app.env)
    faq_dir = catalog.settings.faq_dir.strip("/")
    docs = sorted(d for d in app.env.found_docs if d.startswith(f"{faq_dir}/"))
    titles = {f"{d}.html": app.env.titles[d].astext() for d in docs if d in app.env.titles}
    out = Path(app.outdir)
    write_stemmer(out / "_static" / STEMMER_FILE)
    write_search_index(catalog, out, [f"{d}.html" for d in docs], titles)


def skip_sphinx_index(app) -> None:
    """Our search page replaces Sphinx's, so do not build Sphinx's page-level index (with jieba
    over every page, it is a third of a large site's build time). ``search.html`` is still
    written, from our template."""
    builder = app.builder
    if not app.config.policy_search or builder.format != "html" or not getattr(builder, "search", False):
        return
    prepare = builder.prepare_writing

    def prepare_writing(docnames):
        builder.search = False  # prepare_writing creates the indexer only when search is on
        try:
            prepare(docnames)
        finally:
            builder.search = True

    builder.prepare_writing = prepare_writing


def setup(app) -> None:
    """Called from the extension's ``setup()``."""
    app.add_config_value("policy_search", True, "html", types=[bool])  # False: Sphinx's own search page
    app.connect("config-inited", add_search_templates)
    app.connect("builder-inited", skip_sphinx_index)
    app.connect("build-finished", on_build_finished)
    app.connect("html-page-context", add_search_examples)
    app.add_css_file("policy-search.css")
    app.add_css_file("policy-print.css", media="print")
