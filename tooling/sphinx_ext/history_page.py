"""The history page of a policy (``<doc>/history.html``): every release, newest first, with its
dates, who released it and why, and what it changed clause by clause — written for a reviewer
who has never seen a diff: plain words ("added", "changed", "renumbered"), clause labels as
people cite them (第4.2条, Article 7), and a redline with deletions struck and insertions marked.

The data is :func:`tooling.history.diff_policies` between consecutive releases; this module
only renders it (as the ``body`` of Sphinx's ``page.html``).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sphinx.util.osutil import relative_uri

from ..citations import number_label
from ..errors import PolicyToolError
from ..history import ClauseDiff, Release, diff_policies, redline_html
from ..models import Policy

if TYPE_CHECKING:
    from .versions import VersionState

WORDS = {
    "zh": {
        "title": "《{title}》修订历史",
        "intro": "本页列出每个已发布版本的施行期间、发布人和逐条变更。",
        "current_link": "现行版本",
        "current": "现行",
        "superseded": "已被取代",
        "upcoming": "尚未生效",
        "in_force": "施行期间",
        "released": "发布",
        "amended": "此后修订",
        "read": "查看第{v}版全文",
        "changes": "条款变更（与第{v}版相比）",
        "first": "首次发布，共 {n} 条。",
        "none": "条款无变化。",
        "added": "新增",
        "removed": "删除",
        "changed": "修改",
        "renumbered": "编号变更",
        "was": "（原{old}）",
        "same_text": "（文字未变）",
        "text_changed": "（文字亦有修改，见上）",
        "summary": "新增 {a} 条，删除 {r} 条，修改 {c} 条，编号变更 {n} 条。",
        "since": "{start} 起",
        "to": "{start} 至 {end}",
        "from_on": "{start} 起施行",
        "superseded_by": "，已被第{v}版取代",
        "version": "第{v}版",
    },
    "en": {
        "title": "History of {title}",
        "intro": "Every published version: when it was in force, who released "
        "it and what it changed, clause by clause.",
        "current_link": "current version",
        "current": "current",
        "superseded": "superseded",
        "upcoming": "upcoming",
        "in_force": "In force",
        "released": "Released",
        "amended": "Amended after release",
        "read": "Read version {v}",
        "changes": "Changes from version {v}",
        "first": "First release, {n} clauses.",
        "none": "No clause changed.",
        "added": "Added",
        "removed": "Removed",
        "changed": "Changed",
        "renumbered": "Renumbered",
        "was": " (was {old})",
        "same_text": " (text unchanged)",
        "text_changed": " (text changed too, see above)",
        "summary": "{a} added, {r} removed, {c} changed, {n} renumbered.",
        "since": "from {start}",
        "to": "{start} to {end}",
        "from_on": "takes effect {start}",
        "superseded_by": ", superseded by {v}",
        "version": "Version {v}",
    },
}


def _e(text: object) -> str:
    return html.escape(str(text))


def _label(policy: Policy, number: str, language: str) -> str:
    clause = policy.clause(number)
    return number_label(number, clause.kind.value if clause else "section", language)


def _period(release: Release, w: dict[str, str]) -> str:
    start = release.effective.isoformat()
    if release.status == "upcoming":
        return w["from_on"].format(start=start)
    if release.in_force_to is None:
        return w["since"].format(start=start)
    text = w["to"].format(start=start, end=release.in_force_to.isoformat())
    return text + (w["superseded_by"].format(v=release.superseded_by) if release.status == "superseded" else "")


def _changes(diff: ClauseDiff, old: Policy, new: Policy, language: str, page_uri: str, w: dict[str, str]) -> str:
    """The clause-level changes of one release as a list a reviewer can read top to bottom."""
    if diff.is_empty:
        return f"<p>{w['none']}</p>"
    items = []
    anchors = {c.number: c.anchor for c in new.clauses}
    link = lambda n, text: f'<a href="{_e(page_uri)}#{_e(anchors[n])}">{_e(text)}</a>' if n in anchors else _e(text)  # noqa: E731
    for a in diff.added:
        items.append(
            f'<li class="change change-added"><span class="change-kind">{w["added"]}</span> '
            f"{link(a.new, _label(new, a.new, language))} {_e(a.title or '')}"
            f'<div class="change-text"><ins>{_e(a.text)}</ins></div></li>'
        )
    for r in diff.removed:
        items.append(
            f'<li class="change change-removed"><span class="change-kind">{w["removed"]}</span> '
            f"{_e(_label(old, r.old, language))} {_e(r.title or '')}"
            f'<div class="change-text"><del>{_e(r.text)}</del></div></li>'
        )
    for c in diff.changed:
        was = w["was"].format(old=_label(old, c.old, language)) if c.old != c.new else ""
        items.append(
            f'<li class="change change-changed"><span class="change-kind">{w["changed"]}</span> '
            f"{link(c.new, _label(new, c.new, language))}{_e(was)} {_e(c.title or '')}"
            f'<div class="change-text redline">{redline_html(c.redline)}</div></li>'
        )
    for n in diff.renumbered:
        note = w["text_changed"] if n.changed else w["same_text"]
        items.append(
            f'<li class="change change-renumbered"><span class="change-kind">{w["renumbered"]}</span> '
            f"{_e(_label(old, n.old, language))} → {link(n.new, _label(new, n.new, language))} "
            f"{_e(n.title or '')}{_e(note)}</li>"
        )
    summary = w["summary"].format(a=len(diff.added), r=len(diff.removed), c=len(diff.changed), n=len(diff.renumbered))
    return f'<p class="change-summary">{summary}</p><ul class="policy-changes">{"".join(items)}</ul>'


def history_body(state: VersionState, policy_id: str, page: str, target_uri: Callable[[str], str]) -> str:
    """The HTML of a policy's history page."""
    language = state.languages.get(policy_id, "zh")
    w = WORDS["zh" if language == "zh" else "en"]
    base = target_uri(page)
    releases = state.releases[policy_id]
    texts: list[Policy | None] = []
    for release in releases:
        try:
            texts.append(state.text(policy_id, release.version))
        except PolicyToolError:
            texts.append(None)
    current = next((t for t in reversed(texts) if t is not None), None)
    title = current.meta.title if current else policy_id
    canonical = relative_uri(base, target_uri(state.docs[policy_id]))
    parts = [
        f"<h1>{_e(w['title'].format(title=title))}</h1>",
        f'<p class="policy-history-intro">{_e(w["intro"])} <a href="{_e(canonical)}">{_e(w["current_link"])}</a></p>',
    ]
    for i in range(len(releases) - 1, -1, -1):
        release, text = releases[i], texts[i]
        uri = relative_uri(base, target_uri(state.page(policy_id, release.version)))
        slug = uri.rsplit("/", 1)[-1].removesuffix(".html")
        parts.append(f'<section class="policy-release policy-release-{release.status}" id="{_e(slug)}">')
        parts.append(
            f"<h2>{_e(w['version'].format(v=release.version))} "
            f'<span class="release-status release-status-{release.status}">{_e(w[release.status])}</span></h2>'
        )
        rows = [
            (w["in_force"], _e(_period(release, w))),
            (
                w["released"],
                f"{release.date.date().isoformat()} · {_e(release.author)} · "
                f"<q>{_e(release.message)}</q> <code>{_e(release.short)}</code>",
            ),
        ]
        if release.changes:
            rows.append(
                (
                    w["amended"],
                    "<br>".join(
                        f"{c.date.date().isoformat()} · {_e(c.author)} · <q>{_e(c.message)}</q> "
                        f"<code>{_e(c.short)}</code>"
                        for c in release.changes
                    ),
                )
            )
        parts.append('<dl class="release-facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>")
        parts.append(f'<p><a class="release-read" href="{_e(uri)}">{_e(w["read"].format(v=release.version))}</a></p>')
        previous = next((j for j in range(i - 1, -1, -1) if texts[j] is not None), None)
        if text is None:
            pass
        elif previous is None:
            parts.append(f"<p>{_e(w['first'].format(n=len(text.clauses)))}</p>")
        else:
            old = texts[previous]
            assert old is not None and text is not None
            parts.append(f"<h3>{_e(w['changes'].format(v=releases[previous].version))}</h3>")
            parts.append(_changes(diff_policies(old, text), old, text, language, uri, w))
        parts.append("</section>")
    return "\n".join(parts)


def history_context(state: VersionState, policy_id: str, page: str, target_uri: Callable[[str], str]) -> dict[str, Any]:
    """Template context of the history page (rendered with the theme's ``page.html``)."""
    language = state.languages.get(policy_id, "zh")
    w = WORDS["zh" if language == "zh" else "en"]
    body = history_body(state, policy_id, page, target_uri)
    releases = state.releases[policy_id]
    try:
        title = state.text(policy_id, releases[-1].version).meta.title
    except PolicyToolError:
        title = policy_id
    # "title" is HTML to the theme (Sphinx passes a page's rendered title): escape the policy's
    return {
        "title": _e(w["title"].format(title=title)),
        "body": body,
        "policy_history": policy_id,
        "policy_language": language,
        "metatags": "",
        "display_toc": False,
        "sourcename": "",
    }
