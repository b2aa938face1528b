"""Versions on the site (issue 6): point-in-time pages, history pages, versioned citations.

Git holds every release (:mod:`tooling.history`); this extension shows them:

* each committed release of a policy at ``<doc>/v<version>.html`` with a banner saying when it
  was in force and what superseded it (built once per release by :mod:`.release_build`, cached
  under ``ROOT/.policy-cache/releases/`` and copied into every later build);
* a "version · current · history" line on the canonical page (which shows the file on disk);
* a history page per policy, ``<doc>/history.html`` (:mod:`.history_page`);
* ``{clause}`SALES@2.0 4.2``` linking to the clause on the v2.0 page, and
  ``clauses-history.json`` with the clause records of every release.

A folder that is not a git repository (or a policy never committed) simply has none of this.
The same extension runs inside the small release builds, where ``policy_release`` names the
release being built: the page then gets its banner and version-stamped citations.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.osutil import relative_uri

from ..catalog import Catalog
from ..citations import KeySyntaxError, citation_text, parse_key
from ..clauses import parse_policy_text
from ..config import Settings
from ..errors import Code, PolicyToolError, problem
from ..history import Release, find_release, list_releases, policy_at
from ..models import Clause, Policy
from .anchors import clause_tools
from .history_page import history_context
from .release_build import ReleaseJob, publish_release_pages, version_slug
from .safety import html_node
from .state import catalog_of, set_catalog
from .warnings import warn

logger = logging.getLogger(__name__)
HISTORY_PAGE = "history"
CLAUSES_HISTORY = "clauses-history.json"


@dataclass
class VersionState:
    """The releases of every policy of the site, read once per build."""

    root: Path
    settings: Settings
    today: dt.date
    releases: dict[str, list[Release]] = field(default_factory=dict)
    docs: dict[str, str] = field(default_factory=dict)  # policy id -> canonical docname
    languages: dict[str, str] = field(default_factory=dict)
    target_uri: Callable[[str], str] = lambda doc: f"{doc}.html"  # the builder's, set at builder-inited
    _texts: dict[tuple[str, str], Policy] = field(default_factory=dict)

    def release(self, policy_id: str, version: str) -> Release | None:
        return find_release(self.releases.get(policy_id, []), version)

    def page(self, policy_id: str, version: str) -> str:
        """The docname of a release page, beside the canonical page: ``policies/sales-policy/v2.0``."""
        return f"{self.docs[policy_id]}/{version_slug(version)}"

    def history_page(self, policy_id: str) -> str:
        return f"{self.docs[policy_id]}/{HISTORY_PAGE}"

    def text(self, policy_id: str, version: str) -> Policy:
        """The policy as released (final text of that version), parsed like the current one."""
        key = (policy_id, version)
        if key not in self._texts:
            self._texts[key] = policy_at(self.root, policy_id, version, self.settings)
        return self._texts[key]


_STATES: WeakKeyDictionary[BuildEnvironment, VersionState] = WeakKeyDictionary()


def state_of(env: BuildEnvironment) -> VersionState | None:
    return _STATES.get(env)


def load_state(root: Path, catalog: Catalog, today: dt.date | None = None) -> VersionState:
    """Releases of the catalogue's policies; empty outside git or for never-committed policies."""
    state = VersionState(root=root, settings=catalog.settings, today=today or dt.date.today())
    for policy in catalog.policies:
        state.docs[policy.id] = policy.doc
        state.languages[policy.id] = policy.language
        try:
            state.releases[policy.id] = list_releases(root, policy.id, today=state.today, settings=catalog.settings)
        except PolicyToolError:  # not a git repository, no commit yet, or this policy never committed
            continue
    return state


# --- wording -----------------------------------------------------------------------------------


def release_banner(release: Release, language: str) -> str:
    """ "Version 2.0, in force 2025-01-01 to 2025-12-31, superseded by 3.0" (or its Chinese)."""
    v, start = release.version, release.effective.isoformat()
    end = release.in_force_to.isoformat() if release.in_force_to else ""
    if language == "zh":
        if release.status == "upcoming":
            return f"第{v}版，将于 {start} 起施行，尚未生效"
        if release.status == "superseded":
            return f"第{v}版，施行期间 {start} 至 {end}，已被第{release.superseded_by}版取代"
        return f"第{v}版，自 {start} 起施行，为现行版本"
    if release.status == "upcoming":
        return f"Version {v}, takes effect {start}, not yet in force"
    if release.status == "superseded":
        return f"Version {v}, in force {start} to {end}, superseded by {release.superseded_by}"
    return f"Version {v}, in force since {start}, the current version"


def versioned_citation(policy: Policy, clause: Clause, version: str) -> str:
    """A citation that names its version: ``《标题》（第2.0版）第4.2条（…）``."""
    base = citation_text(policy.meta.title, clause.number, clause.kind.value, policy.language, clause.title)
    if policy.language == "zh":
        return base.replace("》", f"》（第{version}版）", 1)
    return f"{policy.meta.title}, version {version}{base[len(policy.meta.title) :]}"


def _link(href: str, text: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f'<a{attr} href="{html.escape(href)}">{html.escape(text)}</a>'


def canonical_line(state: VersionState, policy: Policy, base: str) -> str | None:
    """The small "version · current · history" line of a canonical page (HTML), or None. Every text
    in it comes from the source (the front-matter version) or is ours: all of it is escaped."""
    releases = state.releases.get(policy.id)
    if not releases:
        return None
    zh = policy.language == "zh"
    rel = lambda page: relative_uri(base, page + ".html")  # noqa: E731
    meta = policy.meta
    parts = [f"第{meta.version}版" if zh else f"Version {meta.version}"]
    in_force = [r for r in releases if r.status == "current"]
    if meta.effective > state.today:
        parts.append(
            f"将于 {meta.effective} 起施行，尚未生效" if zh else f"takes effect {meta.effective}, not yet in force"
        )
    else:
        parts.append(f"自 {meta.effective} 起施行" if zh else f"in force since {meta.effective}")
        parts.append("现行版本" if zh else "current version")
    shown = [html.escape(part) for part in parts]
    if meta.effective > state.today and in_force:
        now = in_force[-1]
        shown.append(
            _link(
                rel(state.page(policy.id, now.version)),
                f"现行版本：第{now.version}版" if zh else f"in force now: version {now.version}",
            )
        )
    shown.append(_link(rel(state.history_page(policy.id)), "修订历史" if zh else "history"))
    return '<p class="policy-version-line">' + " · ".join(shown) + "</p>"


def banner_html(state: VersionState, release: Release, page: str, language: str) -> str:
    zh = language == "zh"
    canonical = relative_uri(page + ".html", state.docs[release.policy] + ".html")
    history = relative_uri(page + ".html", state.history_page(release.policy) + ".html")
    links = [
        _link(canonical, "查看现行版本" if zh else "see the current version"),
        _link(history, "修订历史" if zh else "history"),
    ]
    return (
        f'<div class="policy-version-banner policy-version-{release.status}" role="note">'
        f"<p><strong>{html.escape(release_banner(release, language))}</strong></p>"
        f"<p>{' · '.join(links)}</p></div>"
    )


# --- Sphinx hooks -------------------------------------------------------------------------------


def on_builder_inited(app: Sphinx) -> None:
    """After the catalogue is loaded: read the releases; in a release build, swap in its text."""
    catalog = catalog_of(app.env)
    root = Path(app.config.policy_root or app.srcdir)
    today = dt.date.fromisoformat(app.config.policy_today) if app.config.policy_today else None
    state = load_state(root, catalog, today)
    state.target_uri = app.builder.get_target_uri
    _STATES[app.env] = state
    job = release_job(app)
    if job is not None:
        set_catalog(app.env, release_catalog(catalog, job))
        app.builder.search = False  # type: ignore[attr-defined]  # the HTML builder has it; the site's search covers current texts; skip indexing (and jieba)


def release_job(app: Sphinx) -> ReleaseJob | None:
    """The release page this build makes (a release build), or None (the site's own build). The
    job travels as plain data in the ``policy_release`` config value and is read back as a model."""
    data = app.config.policy_release
    return ReleaseJob.model_validate(data) if data else None


def release_catalog(current: Catalog, job: ReleaseJob) -> Catalog:
    """The current catalogue with one policy replaced by its released text at the release page."""
    policy, problems = parse_policy_text(job.text, job.source, job.page, current.settings.language)
    if policy is None:
        raise PolicyToolError(problems[0] if problems else problem(Code.RELEASE_PAGE_FAILED, "unreadable release"))
    catalog = Catalog(root=current.root, settings=current.settings)
    for other in current.policies:
        if other.id != policy.id:
            catalog.add(other)
    catalog.add(policy)
    return catalog


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """Canonical page: the version line. Release page: the banner and versioned citations."""
    state = state_of(app.env)
    docname = app.env.docname
    policy = catalog_of(app.env).policy_by_doc(docname)
    if state is None or policy is None:
        return
    job = release_job(app)
    if job is not None and docname == job.page:
        release = state.release(policy.id, job.version)
        if release is None:
            return
        release = Release.model_validate({**release.model_dump(), **job.status})
        doctree.insert(0, html_node(banner_html(state, release, docname, policy.language)))
        _stamp_versions(doctree, policy, job.version)
        return
    line = canonical_line(state, policy, app.builder.get_target_uri(docname))
    app.env.policy_version_lines = {**getattr(app.env, "policy_version_lines", {}), docname: line}  # type: ignore[attr-defined]
    if line:
        sections = list(doctree.findall(nodes.section))
        target = sections[0] if sections else doctree
        target.insert(1 if sections else 0, html_node(line))


def _stamp_versions(doctree: nodes.document, policy: Policy, version: str) -> None:
    """Copy-citation controls of an old version cite that version."""
    by_key = {c.key: c for c in policy.clauses}
    for node in doctree.findall(clause_tools):
        clause = by_key.get(node["key"])
        if clause is not None:
            node["citation"] = versioned_citation(policy, clause, version)
            node["key"] = f"{policy.id}@{version} {clause.number}"
            node["button_title"] = node["button_title"].replace(clause.key, node["key"])


def merge_version_lines(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    """``sphinx-build -j N`` reads pages in worker processes: bring their version lines back."""
    lines = getattr(other, "policy_version_lines", {})
    env.policy_version_lines = {  # type: ignore[attr-defined]
        **getattr(env, "policy_version_lines", {}),
        **{doc: line for doc, line in lines.items() if doc in docnames},
    }


def purge_version_line(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, "policy_version_lines", {}).pop(docname, None)


def outdated_version_lines(app: Sphinx, env, added, changed, removed) -> list[str]:
    """Re-read canonical pages whose version line changed (a new release, or a date passing)."""
    state = state_of(env)
    if state is None or app.config.policy_release:
        return []
    seen = getattr(env, "policy_version_lines", {})
    stale = []
    for policy in catalog_of(env).policies:
        if policy.doc in seen and seen[policy.doc] != canonical_line(
            state, policy, app.builder.get_target_uri(policy.doc)
        ):
            stale.append(policy.doc)
    return stale


def versioned_reference(role, text: str, target: str, explicit: bool) -> nodes.Node | None:
    """``{clause}`SALES@2.0 4.2```: a link to the clause on the v2.0 page (None: not versioned)."""
    try:
        parsed = parse_key(target)
    except KeySyntaxError:
        return None
    if parsed.version is None:
        return None
    env = role.env
    state, catalog = state_of(env), catalog_of(env)
    current = catalog.policy(parsed.policy)
    release = state.release(parsed.policy, parsed.version) if state else None
    clause = None
    if release is not None and state is not None:
        try:
            clause = state.text(parsed.policy, release.version).clause(parsed.number)
        except PolicyToolError:
            clause = None
    if state is None or release is None or clause is None:
        known = ", ".join(r.version for r in state.releases.get(parsed.policy, [])) if state else ""
        what = (
            f"{parsed.policy} has no release {parsed.version}"
            if release is None
            else f"{parsed.policy} {release.version} has no clause {parsed.number}"
        )
        prob = problem(
            Code.CITATION_UNKNOWN_VERSION,
            f"{what} (releases: {known or 'none'})",
            env.doc2path(env.docname),
            role.lineno,
        )
        warn(env.config, prob, role.get_location())
        return nodes.inline(role.rawtext, role.text, classes=["clause-ref", "clause-ref-unknown"])
    policy = state.text(parsed.policy, release.version)
    if not explicit:
        text = versioned_citation(policy, clause, release.version)
    page = state.page(parsed.policy, release.version) if current else None
    if page is None:
        return nodes.inline(role.rawtext, text, classes=["clause-ref"])
    uri = relative_uri(state.target_uri(env.docname), state.target_uri(page)) + "#" + clause.anchor
    ref = nodes.reference(
        role.rawtext,
        "",
        refuri=uri,
        classes=["reference", "internal", "clause-ref", "clause-ref-versioned"],
        reftitle=f"{parsed.policy}@{release.version} {clause.number}",
    )
    ref += nodes.inline(text, text, classes=["xref", "clause-ref"])
    return ref


def resolve_elsewhere(app: Sphinx, env, node, contnode) -> nodes.Node | None:
    """In a release build only that release's page is read: links to other policies' clauses go
    to their pages on the main site."""
    if not app.config.policy_release or node.get("refdomain") != "std" or node.get("reftype") != "ref":
        return None
    anchor = node.get("reftarget")
    clause = catalog_of(env).clause_by_anchor(anchor)
    if clause is None:
        return None
    uri = relative_uri(app.builder.get_target_uri(node["refdoc"]), app.builder.get_target_uri(clause.doc))
    ref = nodes.reference("", "", refuri=f"{uri}#{anchor}", internal=True, classes=["clause-ref"])
    ref += contnode
    return ref


def collect_history_pages(app: Sphinx):
    """One history page per policy with releases (HTML builders, main build only)."""
    state = state_of(app.env)
    if state is None or app.config.policy_release or app.builder.format != "html":
        return

    for policy_id in sorted(state.releases):
        page = state.history_page(policy_id)
        yield page, history_context(state, policy_id, page, app.builder.get_target_uri), "page.html"


def on_html_page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if "policy_history" in context:  # our history pages: <html lang> of the policy
        context["language"] = "zh-CN" if context.get("policy_language") == "zh" else "en"


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    """Copy the release pages in (building those not cached yet) and write clauses-history.json."""
    state = state_of(app.env)
    if exception is not None or state is None or app.config.policy_release or app.builder.format != "html":
        return
    if not any(state.releases.values()):
        return
    report = publish_release_pages(state, Path(app.outdir), app.config.policy_today or "")
    for prob in report.problems:
        warn(app.config, prob, in_check=False)  # only a build finds these
    logger.info("release pages: %d built, %d from the cache", len(report.built), len(report.cached))
    write_clauses_history(state, Path(app.outdir))


def clauses_history(state: VersionState) -> list[dict[str, Any]]:
    """Clause records of every release: ``policy clauses --json`` records plus ``versioned_key``,
    ``status``, ``effective``, ``in_force_to``, ``superseded_by``, ``commit``; ``url`` is the
    clause on its release page."""
    records = []
    for policy_id, releases in sorted(state.releases.items()):
        for release in releases:
            try:
                policy = state.text(policy_id, release.version)
            except PolicyToolError:
                continue
            page = state.page(policy_id, release.version)
            for clause in policy.clauses:
                record = clause.record()
                record.update(
                    doc=page,
                    url=f"{page}.html#{clause.anchor}",
                    versioned_key=f"{policy_id}@{release.version} {clause.number}",
                    status=release.status,
                    effective=release.effective.isoformat(),
                    in_force_to=release.in_force_to.isoformat() if release.in_force_to else None,
                    superseded_by=release.superseded_by,
                    commit=release.commit,
                )
                records.append(record)
    return records


def write_clauses_history(state: VersionState, outdir: Path) -> None:
    (outdir / CLAUSES_HISTORY).write_text(
        json.dumps(clauses_history(state), ensure_ascii=False, indent=1), encoding="utf-8"
    )


def setup(app: Sphinx) -> None:
    """Called from :func:`tooling.sphinx_ext.setup`."""
    app.add_config_value("policy_release", {}, "env", types=[dict])
    app.add_config_value("policy_today", "", "env", types=[str])
    app.connect("builder-inited", on_builder_inited, priority=600)  # after load_catalog
    app.connect("env-get-outdated", outdated_version_lines)
    app.connect("env-merge-info", merge_version_lines)
    app.connect("env-purge-doc", purge_version_line)
    app.connect("doctree-read", on_doctree_read, priority=600)  # after the anchors
    app.connect("missing-reference", resolve_elsewhere)
    app.connect("html-collect-pages", collect_history_pages)
    app.connect("html-page-context", on_html_page_context, priority=600)
    app.connect("build-finished", on_build_finished, priority=400)
    app.add_css_file("policy-versions.css")
