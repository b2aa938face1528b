"""What the site's theme (Furo by default) shows around a page: the footer and the search box.

* the footer says what the reader is looking at: the project, the owner(s) (the policy's on a
  policy page, every policy's elsewhere), the version (the policy's, else the site's: Sphinx
  ``release`` or the repository's commit) and the build date — never "©." with no copyright;
* ``templates/page.html`` puts a search box at the top of the page on narrow screens (Furo hides
  its sidebar, and the sidebar's search box, in a drawer there).

Every value reaches the template as plain text and is escaped there (``|e``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sphinx.application import Sphinx

from ..errors import PolicyToolError
from ..history.releases import open_repo
from .state import catalog_of
from .translations import is_zh, translate


def site_revision(root: Path) -> str:
    """The repository's commit (short), ``+`` when the work tree has changes; "" outside git."""
    try:
        with open_repo(root) as (repo, _prefix):
            if not repo.head.is_valid():
                return ""
            short = repo.head.commit.hexsha[:7]
            return short + ("+" if repo.is_dirty(untracked_files=False) else "")
    except (PolicyToolError, ValueError, OSError):
        return ""


def _build_facts(app: Sphinx) -> tuple[str, str]:
    """(build date, site version), once per build."""
    cached = getattr(app, "_policy_footer_facts", None)
    if cached is None:
        today = app.config.policy_today or dt.date.today().isoformat()
        version = str(app.config.release or "") or site_revision(Path(app.config.policy_root or app.srcdir))
        cached = (today, version)
        setattr(app, "_policy_footer_facts", cached)  # noqa: B010 - a per-build value on the app
    return cached


def footer_items(app: Sphinx, pagename: str) -> list[tuple[str, str]]:
    """``(label, value)`` pairs of the footer after the project name, in the site's language."""
    language = app.config.language
    catalog = catalog_of(app.env)
    policy = catalog.policy_by_doc(pagename)
    built, site_version = _build_facts(app)
    items: list[tuple[str, str]] = []
    sep = "、" if is_zh(language) else ", "
    if policy is not None:
        items.append((translate(language, "Owner"), policy.meta.owner))
        items.append((translate(language, "Version"), policy.meta.version))
    elif catalog.policies:
        owners = list(dict.fromkeys(p.meta.owner for p in sorted(catalog.policies, key=lambda p: p.doc)))
        items.append((translate(language, "Owners" if len(owners) > 1 else "Owner"), sep.join(owners)))
    if site_version and policy is None:
        items.append((translate(language, "Site version"), site_version))
    items.append((translate(language, "Built"), built))
    return items


def on_html_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    context["policy_footer"] = footer_items(app, pagename)
    context["policy_zh_ui"] = is_zh(app.config.language)


TEMPLATES = Path(__file__).parent / "theme_templates"


def add_theme_templates(app: Sphinx, config) -> None:
    """``config-inited``, before the environment compares configs (like the static path)."""
    if str(TEMPLATES) not in config.templates_path:
        config.templates_path.append(str(TEMPLATES))


def setup(app: Sphinx) -> None:
    """Called from the extension's ``setup()``."""
    app.connect("config-inited", add_theme_templates)
    app.connect("html-page-context", on_html_page_context)
    app.add_css_file("policy-theme.css")
