"""Keep Sphinx to the files :func:`tooling.paths.list_sources` allows, also in a plain
``sphinx-build`` with a repository's own ``conf.py``.

* ``config-inited``: every source the listing left out (a link outside the repository, a page
  whose name cannot be published) is added to ``exclude_patterns``, so Sphinx never reads it;
* ``doctree-read`` (before Sphinx collects images and downloads): an image, figure, download or
  link to a file outside the repository, and what an include or literal include pasted from one,
  is dropped from the page (the rule of :mod:`tooling.references`, PL113);
* ``builder-inited``: the template loaders refuse a template that resolves outside its folder
  (a ``_templates/layout.html`` linked to ``/etc/passwd``, an ``{% include "../../x" %}``); the
  theme's own template is used instead.

The problems themselves are reported once, with the catalogue's (``load_catalog``).
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from jinja2 import TemplateNotFound
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.directives.patches import CSVTable
from sphinx.errors import ConfigError
from sphinx.jinja2glue import SphinxFileSystemLoader

from ..config import load_settings
from ..errors import Code, Problem, problem
from ..paths import list_sources, outside_reason, question_store
from ..references import local_target
from .warnings import warn


def _root(app: Sphinx) -> Path:
    return Path(app.config.policy_root or app.srcdir)


def _limits(app: Sphinx) -> tuple[Path, Path]:
    """The resolved repository and question store, read once per build (not once per page)."""
    cached = getattr(app, "_policy_path_limits", None)
    if cached is None:
        root = _root(app)
        cached = (root.resolve(), question_store(root, load_settings(root)))
        setattr(app, "_policy_path_limits", cached)  # noqa: B010 - a per-build value on the app
    return cached


def _refusal(app: Sphinx, path: Path) -> str | None:
    return outside_reason(*_limits(app), path.resolve())


def exclude_unsafe_sources(app: Sphinx, config) -> None:
    root = _root(app)
    if root.resolve() != Path(app.srcdir).resolve():
        return  # a release page's small build: its one source comes from git, not the folder
    sources = list_sources(root, load_settings(root))
    excluded = sources.excluded
    home = next((p for p in sources.problems if Path(p.file or "") == root / f"{config.root_doc}.md"), None)
    if home is not None:  # no home page to build: stop with the reason, before anything is read
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
    if templates is None or not loaders:
        return
    root, store = _limits(app)
    own = _repository_template_folders(app, root)
    templates.loaders = [
        ContainedLoader(loader.searchpath[0], root, store)
        if type(loader) is SphinxFileSystemLoader
        and len(loader.searchpath) == 1
        and Path(loader.searchpath[0]).resolve() in own
        else loader
        for loader in loaders
    ]


def _repository_template_folders(app: Sphinx, root: Path) -> set[Path]:
    """The repository's own template folders (``templates_path``), the ones its authors edit.

    Theme folders and this package's templates are installed code, trusted like any import: a
    virtualenv inside the repository (``.nox/``, ``.venv/``) is a hidden folder, and refusing
    its theme would leave the site without ``page.html``."""
    ours = {(Path(__file__).parent / name).resolve() for name in ("templates", "theme_templates")}
    folders = {(Path(app.confdir) / t).resolve() for t in app.config.templates_path}
    return {f for f in folders if f not in ours and f.is_relative_to(root)}


def drop_outside_references(app: Sphinx, doctree: nodes.document) -> None:
    env, root = app.env, _root(app)
    page = Path(env.doc2path(env.docname))

    def refused(reference: str, path: str | None = None) -> str | None:
        if path is None:
            target = local_target(root, page, reference) if "*" not in reference else None
        else:
            target = Path(path)
        return _refusal(app, target) if target is not None else None

    found: list[tuple[nodes.Element, str, str]] = []
    for node in doctree.findall(nodes.Element):
        if isinstance(node, nodes.image):
            reason = refused(node.get("uri", ""))
        elif isinstance(node, addnodes.download_reference):
            reason = refused(node.get("reftarget", ""))
        elif node.get("source") and Path(node["source"]) != page:  # pasted in by an include
            reason = refused(node["source"], node["source"])
        else:
            continue
        if reason:
            found.append((node, node.get("uri") or node.get("reftarget") or node.get("source"), reason))
    for node, reference, reason in found:
        if node.parent is None:
            continue  # inside a node already dropped
        text = node.astext() if isinstance(node, addnodes.download_reference) else ""
        node.replace_self(nodes.inline(text, text) if text else [])
        warn(app.config, _outside(reference, reason), node)


def _outside(reference: str, reason: str) -> Problem:
    return problem(Code.SOURCE_REFERENCE_OUTSIDE, f"refers to {reference!r}: {reason}; it is not published")


def blank_outside_includes(app: Sphinx, relative_path: Path, parent_docname: str, content: list[str]) -> None:
    """An include from outside the repository pastes nothing (``policy check`` stops such a page
    before ``policy build`` runs Sphinx; a plain sphinx-build has read it, but publishes nothing)."""
    path = Path(app.srcdir) / relative_path
    reason = _refusal(app, path)
    if reason:
        content[:] = [""]
        warn(app.config, _outside(str(relative_path), reason), (app.env.docname, None))


class ContainedCSVTable(CSVTable):
    """``csv-table`` whose ``:file:`` must be a file of the repository (checked before it is read)."""

    def run(self):
        name = self.options.get("file")
        if name:
            env = self.state.document.settings.env
            if name.startswith("/") and Path(name).exists():
                path = Path(name)  # Sphinx reads an existing absolute path as it is
            else:
                path = Path(env.relfn2path(name, env.docname)[1])
            reason = _refusal(env.app, path)
            if reason:
                warn(env.config, _outside(name, reason), (env.docname, self.lineno))
                return []
        return super().run()


def setup(app: Sphinx) -> None:
    app.connect("include-read", blank_outside_includes)
    app.add_directive("csv-table", ContainedCSVTable, override=True)
    app.connect("config-inited", exclude_unsafe_sources)
    app.connect("doctree-read", drop_outside_references, priority=400)  # Sphinx's collectors run at 500
    app.connect("builder-inited", contain_templates, priority=400)
