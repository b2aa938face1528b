"""The site runs no script from sources, also in a plain ``sphinx-build`` or when the check is
skipped — the second line of defence behind ``policy check`` (:mod:`tooling.safety`, PL120–PL122).

* ``builder-inited``: docutils' ``raw_enabled`` is off, so ``{raw}`` and ``.. raw::`` (in
  ``{eval-rst}``) publish nothing;
* ``doctree-read`` (before Sphinx collects titles and the table of contents, so the navigation is
  clean too) and again ``doctree-resolved`` (whatever was added since): raw HTML nodes from sources
  (MyST's HTML blocks and tags) are shown as text, links and images with script URLs lose their
  URL, and ids that are not plain names are made so (docutils writes extra ids unescaped);
* ``html-page-context``: the project name and site title reach the theme escaped (Sphinx's basic
  theme escapes them, alabaster and furo print them as they are).

``[tool.policy] allow_raw_html = true`` keeps raw HTML and raw directives; script URLs never pass.
The tooling's own HTML (the version line, release banners) is a :class:`tooling_html` node, a
class no source can produce, so the filter tells it apart.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from docutils import nodes
from markupsafe import escape
from sphinx.application import Sphinx

from ..config import load_settings
from ..errors import Code, problem
from ..safety import is_comment, is_script_url
from .warnings import warn

_UNSAFE_ID = re.compile(r"[\s\"'<>&`=]")
#: Template values Sphinx passes to the theme as text, which themes print unescaped.
_TEXT_CONTEXT = ("project", "docstitle", "shorttitle", "logo_alt")


class tooling_html(nodes.raw):
    """HTML the tooling wrote itself, every inserted text escaped (never from a source)."""


def html_node(html: str) -> tooling_html:
    return tooling_html("", html, format="html")


def visit_tooling_html(self, node: tooling_html) -> None:
    self.body.append(node.astext())
    raise nodes.SkipNode


def skip(self, node: nodes.Node) -> None:
    raise nodes.SkipNode


def safe_id(value: str) -> bool:
    """An id docutils may write as it is (no quote, angle bracket, ampersand or space)."""
    return bool(value) and not _UNSAFE_ID.search(value)


def read_setting(app: Sphinx, config) -> None:
    """Mirror ``[tool.policy] allow_raw_html`` into the configuration, before the environment
    compares it (a change re-reads every page)."""
    root = Path(config.policy_root or app.srcdir)
    config.policy_allow_raw_html = load_settings(root).allow_raw_html


def disable_raw(app: Sphinx) -> None:
    app.env.settings["raw_enabled"] = bool(app.config.policy_allow_raw_html)


def neutralise(
    doctree: nodes.Node, allow_raw_html: bool, report: Callable[[Code, str, nodes.Node], None] = lambda *args: None
) -> None:
    """Make the doctree of a page safe to publish (see the module docstring); ``report`` hears
    of every change made."""
    for node in list(doctree.findall(nodes.raw)):
        if (
            type(node) is tooling_html
            or node.parent is None
            or allow_raw_html
            or "html" not in node.get("format", "").lower().split()
        ):
            continue
        text = node.astext()
        if is_comment(text):
            node.parent.remove(node)
            continue
        inline = isinstance(node.parent, nodes.TextElement)
        node.replace_self(nodes.literal(text, text) if inline else nodes.literal_block(text, text))
        report(Code.SOURCE_RAW_HTML, f"raw HTML {text.strip()[:60]!r} is shown as text, not run", node)
    for node in list(doctree.findall(nodes.reference)):
        if node.parent is not None and is_script_url(node.get("refuri", "")):
            report(Code.SOURCE_SCRIPT_URL, f"link to {node['refuri'][:60]!r} is not published (its text is)", node)
            node.replace_self(nodes.inline("", "", *[child.deepcopy() for child in node.children]))
    for node in list(doctree.findall(nodes.image)):
        if node.parent is not None and is_script_url(node.get("uri", ""), image=True):
            report(Code.SOURCE_SCRIPT_URL, f"image {node['uri'][:60]!r} is not published", node)
            node.parent.remove(node)
    for node in doctree.findall(nodes.Element):
        if isinstance(node, nodes.target) and is_script_url(node.get("refuri", "")):
            del node["refuri"]
        ids = node.get("ids")
        if ids and not all(map(safe_id, ids)):
            node["ids"] = list(
                dict.fromkeys(i if safe_id(i) else nodes.make_id(i) for i in ids if safe_id(i) or nodes.make_id(i))
            )


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    neutralise(
        doctree,
        app.config.policy_allow_raw_html,
        lambda code, message, node: warn(app.config, problem(code, message), node),
    )


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    neutralise(doctree, app.config.policy_allow_raw_html)  # reported when the page was read


def escape_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Markup-escaped text: printed as it is or through ``|e``, it shows as written and never runs."""
    for key in _TEXT_CONTEXT:
        if isinstance(context.get(key), str):
            context[key] = escape(context[key])  # an already escaped Markup stays as it is


def setup(app: Sphinx) -> None:
    """Called from the extension's ``setup()``."""
    app.add_config_value("policy_allow_raw_html", False, "env", types=[bool])
    app.add_node(
        tooling_html,
        html=(visit_tooling_html, None),
        latex=(skip, None),
        text=(skip, None),
        man=(skip, None),
        texinfo=(skip, None),
    )
    app.connect("config-inited", read_setting)
    app.connect("builder-inited", disable_raw)
    app.connect("doctree-read", on_doctree_read, priority=300)  # Sphinx's title and toc collectors run at 500
    app.connect("doctree-resolved", on_doctree_resolved, priority=900)
    app.connect("html-page-context", escape_context, priority=100)
