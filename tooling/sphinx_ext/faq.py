"""The ``{faq}`` directive and "questions about this clause" back-links.

An entry renders as a box with its id as HTML anchor (``#sales-faq-12``), the question, a
copy-citation control (the clause tools node, so the same script copies it), the answer, and
links to its clauses made by the ``{clause}`` role itself. Only approved entries appear, unless
``policy_show_drafts`` is on (reviewer builds): then drafts show with a visible draft badge and
flagged figures. Retired entries never appear. Each clause of a policy page lists the approved
entries that cite it, linked back; those lists come from the FAQ files, and policy pages are
re-read whenever a FAQ page changes.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from ..faqpage import OPTION_ORDER, read_pages, split_list
from ..text import is_chinese
from .anchors import clause_tools
from .state import catalog_of

_BACKLINKS: dict[int, dict[str, list[tuple[str, str, str]]]] = {}


class FaqDirective(SphinxDirective):
    """```{faq} QUESTION`` with ``:id:``, ``:clauses:``, ``:status:``… and the answer as body."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = {name: directives.unchanged for name in OPTION_ORDER}

    def run(self) -> list[nodes.Node]:
        status = self.options.get("status", "draft").strip().lower()
        if status == "retired" or (status != "approved" and not self.config.policy_show_drafts):
            return []
        entry_id = (self.options.get("id") or "").strip()
        question = self.arguments[0] if self.arguments else ""
        keys = split_list(self.options.get("clauses") or "")
        catalog = catalog_of(self.env)
        clause = next((c for c in map(catalog.get, keys) if c), None)
        policy = catalog.policy(clause.policy) if clause else None
        zh = policy.language == "zh" if policy else is_chinese(question)

        box = nodes.container(classes=["faq-entry", f"faq-{status}"])
        box["faq_clauses"] = keys  # for the page layout (faq_page.py): groups and references
        if entry_id:
            box["ids"] = [entry_id]
            std = self.env.domains.standard_domain
            std.labels[entry_id] = (self.env.docname, entry_id, question)
            std.anonlabels[entry_id] = (self.env.docname, entry_id)
        head = nodes.paragraph(classes=["faq-question"])
        head += nodes.strong(question, question)
        if status != "approved":
            label = "草稿" if zh else "Draft"
            head += nodes.inline(label, label, classes=["faq-badge", "faq-badge-draft"])
        flagged = split_list(self.options.get("unsupported") or "") + split_list(
            self.options.get("unsupported-topic") or ""
        )
        flagged += [
            ("第" + n + "句" if zh else f"sentence {n}")
            for n in split_list(self.options.get("unsupported-claims") or "")
        ]
        if flagged:
            text = ("待核实：" if zh else "Check: ") + ", ".join(flagged)
            head += nodes.inline(text, text, classes=["faq-badge", "faq-badge-flag"])
        if entry_id:
            head += self._tools(entry_id, question, policy, zh)
        box += head
        box += self.parse_content_to_nodes()
        if keys:
            refs = nodes.paragraph(classes=["faq-clauses"])
            label = "依据：" if zh else "Based on: "
            refs += nodes.inline(label, label, classes=["faq-clauses-label"])
            parsed = self.parse_text_to_nodes("　".join(f"{{clause}}`{k}`" for k in keys))
            for node in parsed:
                refs.extend(node.children if isinstance(node, nodes.paragraph) else [node])
            box += refs
        asked = (self.options.get("asked") or "").strip()
        if asked.isdigit():
            text = f"{asked} 次提问" if zh else f"asked {asked} times"
            box += nodes.paragraph(text, text, classes=["faq-meta"])
        return [box]

    def _tools(self, entry_id: str, question: str, policy, zh: bool) -> clause_tools:
        # the policy's title, not the page's: the page title carries a count that changes
        title = policy.meta.title if policy else self.config.project
        citation = f"《{title}》常见问题：{question}" if zh else f"{title}, FAQ: “{question}”"
        base = (self.config.html_baseurl or "").rstrip("/")
        node = clause_tools()
        node.update_all_atts(
            {
                "anchor": entry_id,
                "key": entry_id,
                "permalink": True,
                "citation": citation,
                "url": f"{base}/{self.env.docname}.html#{entry_id}" if base else "",
                "button_text": "复制引用" if zh else "Copy citation",
                "button_title": f"复制 {entry_id} 的引用" if zh else f"Copy a citation of {entry_id}",
                "permalink_title": "本问链接" if zh else "Link to this question",
            }
        )
        return node


def backlinks(app: Sphinx) -> dict[str, list[tuple[str, str, str]]]:
    """Clause key -> [(FAQ docname, entry id, question)] of approved entries, read once per build."""
    env = app.env
    if id(env) not in _BACKLINKS:
        catalog = catalog_of(env)
        root = Path(catalog.root)
        links: dict[str, list[tuple[str, str, str]]] = {}
        pages, _ = read_pages(root, catalog)  # an unreadable page is reported by the check
        for page in pages:
            doc = str(Path(page.path).with_suffix("").as_posix())
            for e in page.entries:
                if e.status != "approved" or not e.id:
                    continue
                for key in e.clauses:
                    clause = catalog.get(key)
                    if clause is not None:
                        links.setdefault(clause.key, []).append((doc, e.id, e.question))
        _BACKLINKS[id(env)] = links
    return _BACKLINKS[id(env)]


def reset_backlinks(app: Sphinx) -> None:
    _BACKLINKS.pop(id(app.env), None)


def add_clause_questions(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Append "questions about this clause" to each clause with approved FAQ entries."""
    if app.builder.format != "html":
        return
    catalog = catalog_of(app.env)
    policy = catalog.policy_by_doc(docname)
    if policy is None:
        return
    links = backlinks(app)
    by_anchor = {c.anchor: links[c.key] for c in policy.clauses if c.key in links}
    if not by_anchor:
        return
    zh = policy.language == "zh"
    for node in list(doctree.findall(nodes.Element)):
        ids = node.get("ids") or []
        if not ids or ids[0] not in by_anchor or not isinstance(node, (nodes.section, nodes.container)):
            continue
        para = nodes.paragraph(classes=["clause-faq"])
        label = "关于本条的问题：" if zh else "Questions about this clause: "
        para += nodes.inline(label, label, classes=["clause-faq-label"])
        for k, (doc, entry_id, question) in enumerate(by_anchor[ids[0]]):
            if k:
                para += nodes.Text("　" if zh else " · ")
            uri = app.builder.get_relative_uri(docname, doc) + "#" + entry_id
            para += nodes.reference(question, question, refuri=uri, internal=True, classes=["clause-faq-link"])
        sub = next((i for i, ch in enumerate(node.children) if isinstance(ch, nodes.section)), len(node.children))
        node.insert(sub, para)


def reread_policies_on_faq_change(app: Sphinx, env, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    """A changed FAQ page changes the back-links on policy pages: re-read (and re-write) them."""
    faq_dir = catalog_of(env).settings.faq_dir.rstrip("/") + "/"
    if any(d.startswith(faq_dir) for d in added | changed | removed):
        return [p.doc for p in catalog_of(env).policies]
    return []


def setup(app: Sphinx) -> None:
    """Called from the extension's ``setup()``."""
    app.add_directive("faq", FaqDirective)
    app.connect("builder-inited", reset_backlinks)
    app.connect("env-get-outdated", reread_policies_on_faq_change)
    app.connect("doctree-resolved", add_clause_questions)
    app.add_css_file("policy-faq.css")
