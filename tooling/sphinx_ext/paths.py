"""Keep Sphinx to the files :func:`tooling.paths.list_sources` allows, also in a plain
``sphinx-build`` with a repository's own ``conf.py``.

* ``config-inited``: every source the listing left out (a link outside the repository, a page
  whose name cannot be published) is added to ``exclude_patterns``, so Sphinx never reads it;
* ``builder-inited``: the template loaders refuse a template that resolves outside its folder
  (a ``_templates/layout.html`` linked to ``/etc/passwd``, an ``{% include "../../x" %}``); the
  theme's own template is used instead.

The problems themselves are reported once, with the catalogue's (``load_catalog``).
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import TemplateNotFound
from sphinx.application import Sphinx
from sphinx.errors import ConfigError
from sphinx.jinja2glue import SphinxFileSystemLoader

from ..config import load_settings
from ..paths import list_sources, outside_reason, question_store


def _root(app: Sphinx) -> Path:
    return Path(app.config.policy_root or app.srcdir)


def exclude_unsafe_sources(app: Sphinx, config) -> None:
    root = _root(app)
    if root.resolve() != Path(app.srcdir).resolve():
        return   # a release page's small build: its one source comes from git, not the folder
    sources = list_sources(root, load_settings(root))
    excluded = sources.excluded
    home = next((p for p in sources.problems if Path(p.file or "") == root / f"{config.root_doc}.md"), None)
    if home is not None:   # no home page to build: stop with the reason, before anything is read
        raise ConfigError(str(home))
    config.exclude_patterns = [*config.exclude_patterns, *(p for p in excluded if p not in config.exclude_patterns)]


class ContainedLoader(SphinxFileSystemLoader):
    """Sphinx's loader for one template folder, refusing files that resolve outside it (or, for a
    folder of the repository, outside the repository, into its hidden folders or the store)."""

    def __init__(self, searchpath: str, root: Path, store: Path):
        super().__init__(searchpath)
        folder = Path(searchpath).resolve()
        self.real_root = root if folder.is_relative_to(root) else folder
        self.store = store

    def get_source(self, environment, template: str):
        for name in (template, template.removesuffix(".jinja") + "_t" if template.endswith(".jinja") else None):
            candidate = Path(self.searchpath[0]) / name if name else None
            if candidate is not None and candidate.is_file():
                if outside_reason(self.real_root, self.store, candidate.resolve()):
                    raise TemplateNotFound(template)
                return super().get_source(environment, template)
        raise TemplateNotFound(template)


def contain_templates(app: Sphinx) -> None:
    templates = getattr(app.builder, "templates", None)
    loaders = getattr(templates, "loaders", None)
    if not loaders:
        return
    root = _root(app).resolve()
    store = question_store(root, load_settings(root))
    templates.loaders = [ContainedLoader(loader.searchpath[0], root, store)
                         if type(loader) is SphinxFileSystemLoader and len(loader.searchpath) == 1 else loader
                         for loader in loaders]


def setup(app: Sphinx) -> None:
    app.connect("config-inited", exclude_unsafe_sources)
    app.connect("builder-inited", contain_templates, priority=400)
