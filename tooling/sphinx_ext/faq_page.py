"""The FAQ page laid out as a booklet, on screen and in print.

A FAQ page is written as a flat list of ``{faq}`` entries in the order they were drafted. Readers
(and the printed "50问" booklet, which is this page under ``policy-print.css``) need more:

- the real count in the title: an H1 the tool wrote (``…50问``) is rewritten to the number of
  entries the page shows (``…12问``); a title the author changed is left alone;
- entries numbered and grouped by the chapter or top-level section of the clause they cite, with
  a contents list linking to each;
- a cover (print only) with the policy's title, version, effective date, owner and an "as of" date;
- a references list (print only): each cited clause gets a footnote number next to its readable
  citation, and its URL is printed once, at the end, with line breaks only after ``/`` or
  before ``#`` (never mid-word).

Entries inside sections the author made keep the author's order; they are only numbered.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from ..faqpage import with_real_count
from ..models import Clause, Policy
from .safety import html_node
from .state import catalog_of


def faq_policy(env: BuildEnvironment, docname: str) -> Policy | None:
    """The policy whose FAQ page ``docname`` is (``faq/<policy file stem>``), or None."""
    catalog = catalog_of(env)
    prefix = catalog.settings.faq_dir.strip("/") + "/"
    if not docname.startswith(prefix):
        return None
    stem = docname[len(prefix) :]
    return next((p for p in catalog.policies if Path(p.path).stem == stem), None)


def count_in_title(app: Sphinx, docname: str, source: list[str]) -> None:
    """``# …50问`` as the tool wrote it becomes the real count of entries this build shows."""
    policy = faq_policy(app.env, docname)
    if policy is not None:
        source[0] = with_real_count(policy, source[0], app.config.policy_show_drafts)


def lay_out(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "html":
        return
    policy = faq_policy(app.env, docname)
    top = doctree.next_node(nodes.section)
    if policy is None or top is None:
        return
    entries = [n for n in top.findall(nodes.container) if "faq-entry" in n["classes"]]
    zh = policy.language == "zh"
    top["classes"].append("faq-page")
    title = top[0].astext() if top.children and isinstance(top[0], nodes.title) else policy.meta.title
    top.insert(1, _cover(app, policy, title, len(entries), zh))
    if not entries:
        return
    catalog = catalog_of(app.env)
    order = {c.key: i for i, c in enumerate(policy.clauses)}
    by_key = {c.key: c for c in policy.clauses}
    flat = all(e.parent is top for e in entries)
    groups: list[tuple[str, list[nodes.container]]] = []
    if flat:
        first = top.index(entries[0])
        for e in entries:
            top.remove(e)
        ranked = sorted(entries, key=lambda e: _place(e, by_key, order))
        for entry in ranked:
            name = _group(entry, by_key, zh)
            if not groups or groups[-1][0] != name:
                groups.append((name, []))
            groups[-1][1].append(entry)
        at = first
        for k, (name, members) in enumerate(groups, 1):
            part = nodes.section(ids=[f"faq-part-{k}"], classes=["faq-part"])
            part += nodes.title(name, name)
            part.extend(members)
            top.insert(at, part)
            at += 1
        entries = [e for _, members in groups for e in members]
    else:
        groups = [("", entries)]
    for n, entry in enumerate(entries, 1):
        head = entry.next_node(nodes.paragraph)
        if head is not None:
            head.insert(0, nodes.inline(f"{n}. ", f"{n}. ", classes=["faq-number"]))
    first_child = entries[0]
    while first_child.parent is not top:
        first_child = first_child.parent
    top.insert(top.index(first_child), _contents(groups, zh))
    top += _references(app, entries, catalog, zh)


def _first_clause(entry: nodes.Element, by_key: dict[str, Clause]) -> Clause | None:
    return next((by_key[k] for k in entry.get("faq_clauses", []) if k in by_key), None)


def _place(entry: nodes.Element, by_key: dict[str, Clause], order: dict[str, int]) -> tuple[int, int]:
    """Entries follow the policy: by the top-level part of their first clause, then the clause."""
    clause = _first_clause(entry, by_key)
    if clause is None:
        return (len(order) + 1, 0)
    top = _top(clause, by_key)
    return (order[top.key] if top.chapter is None else order[_chapter_start(top.chapter, by_key)], order[clause.key])


def _top(clause: Clause, by_key: dict[str, Clause]) -> Clause:
    while clause.parent and clause.parent in by_key:
        clause = by_key[clause.parent]
    return clause


def _chapter_start(chapter: str, by_key: dict[str, Clause]) -> str:
    return next(c.key for c in by_key.values() if c.chapter == chapter)


def _group(entry: nodes.Element, by_key: dict[str, Clause], zh: bool) -> str:
    clause = _first_clause(entry, by_key)
    if clause is None:
        return "其他" if zh else "Other"
    if clause.chapter:
        return clause.chapter
    top = _top(clause, by_key)
    return " ".join(p for p in (top.label, top.title) if p)


def as_of() -> dt.date:
    """The build's date (``SOURCE_DATE_EPOCH`` when set, for reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def _cover(app: Sphinx, policy: Policy, title: str, count: int, zh: bool) -> nodes.container:
    meta = policy.meta
    cover = nodes.container(classes=["faq-cover"])
    cover += nodes.paragraph(title, title, classes=["faq-cover-title"])
    name = f"《{meta.title}》" if zh else meta.title
    cover += nodes.paragraph(name, name, classes=["faq-cover-policy"])
    rows = (
        [
            ("版本", meta.version),
            ("生效日期", meta.effective.isoformat()),
            ("制定部门", meta.owner),
            ("截至", as_of().isoformat()),
            ("问题数", f"{count}"),
        ]
        if zh
        else [
            ("Version", meta.version),
            ("Effective", meta.effective.isoformat()),
            ("Owner", meta.owner),
            ("As of", as_of().isoformat()),
            ("Questions", f"{count}"),
        ]
    )
    facts = nodes.field_list(classes=["faq-cover-facts"])
    for label, value in rows:
        facts += nodes.field("", nodes.field_name(label, label), nodes.field_body("", nodes.paragraph(value, value)))
    cover += facts
    site = app.config.project
    cover += nodes.paragraph(site, site, classes=["faq-cover-site"])
    return cover


def _contents(groups: list[tuple[str, list[nodes.container]]], zh: bool) -> nodes.container:
    box = nodes.container(classes=["faq-contents"])
    heading = "目录" if zh else "Contents"
    box += nodes.paragraph(heading, heading, classes=["faq-contents-title"])
    number = 1
    for name, members in groups:
        if name:
            box += nodes.paragraph(name, name, classes=["faq-contents-part"])
        items = nodes.enumerated_list(enumtype="arabic", prefix="", suffix=".", start=number)
        for entry in members:
            question = entry.next_node(nodes.strong)
            text = question.astext() if question is not None else entry["ids"][0]
            link = (
                nodes.reference(text, text, refid=entry["ids"][0], internal=True) if entry["ids"] else nodes.Text(text)
            )
            items += nodes.list_item("", nodes.paragraph("", "", link))
            number += 1
        box += items
    return box


def _references(app: Sphinx, entries: list[nodes.container], catalog, zh: bool) -> nodes.container:
    """Footnote numbers after each clause citation, and the URLs listed once at the end."""
    anchors = {c.anchor: c for p in catalog.policies for c in p.clauses}
    numbers: dict[str, int] = {}
    cited: list[tuple[str, Clause]] = []
    for entry in entries:
        for ref in list(entry.findall(nodes.reference)):
            anchor = (ref.get("refuri") or "").rpartition("#")[2] or ref.get("refid", "")
            clause = anchors.get(anchor)
            if clause is None or "clause-ref" not in ref.get("classes", []) + _inner_classes(ref):
                continue
            if clause.key not in numbers:
                numbers[clause.key] = len(numbers) + 1
                cited.append((ref.astext(), clause))
            mark = str(numbers[clause.key])
            ref.parent.insert(ref.parent.index(ref) + 1, nodes.superscript(mark, mark, classes=["faq-ref-mark"]))
    box = nodes.container(classes=["faq-references"])
    heading = "条款链接" if zh else "Links to the clauses"
    box += nodes.paragraph(heading, heading, classes=["faq-references-title"])
    items = nodes.enumerated_list(enumtype="arabic", prefix="", suffix=".")
    base = (app.config.html_baseurl or "").rstrip("/")
    for text, clause in cited:
        url = f"{base}/{clause.url}" if base else clause.url
        para = nodes.paragraph("", "")
        para += nodes.inline(text, text, classes=["faq-references-citation"])
        para += nodes.Text(" ")
        para += html_node(f'<span class="faq-references-url">{breakable(url)}</span>')
        items += nodes.list_item("", para)
    box += items
    return box


def _inner_classes(ref: nodes.Element) -> list[str]:
    return [c for child in ref.findall(nodes.inline) for c in child.get("classes", [])]


def breakable(url: str) -> str:
    """The URL as escaped HTML in pieces that may wrap after a ``/`` or before ``#``, ``?`` or
    ``&``, never inside a word (each piece is an inline block; ``<wbr>`` would do, but raw
    ``<wbr>`` is what the safety pass strips from sources)."""
    pieces = re.findall(r"[^/#?&]*/+|[#?&][^/#?&]*/*|[^/#?&]+", url)
    return "".join(f"<span>{html.escape(p)}</span>" for p in pieces)


def setup(app: Sphinx) -> None:
    app.connect("source-read", count_in_title)
    app.connect("doctree-resolved", lay_out, priority=600)  # after the clause links are resolved
