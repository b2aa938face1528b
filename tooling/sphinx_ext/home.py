"""The ``{policy-index}`` directive: the home page's table of every policy."""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from .state import catalog_of
from sphinx.util.docutils import SphinxDirective


def _cell(content: nodes.Node | str) -> nodes.entry:
    entry = nodes.entry()
    entry += nodes.paragraph("", "", content if isinstance(content, nodes.Node) else nodes.Text(content))
    return entry


class PolicyIndex(SphinxDirective):
    """Lists policies with owner, version, effective date and clause count."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        catalog = catalog_of(self.env)
        zh = self.config.language and str(self.config.language).startswith("zh")
        headers = (["制度", "编号", "负责部门", "版本", "生效日期", "条款数"] if zh else
                   ["Policy", "Id", "Owner", "Version", "Effective", "Clauses"])
        table = nodes.table(classes=["policy-index"])
        group = nodes.tgroup(cols=len(headers))
        table += group
        group.extend(nodes.colspec(colwidth=1) for _ in headers)
        head = nodes.thead()
        row = nodes.row()
        row.extend(_cell(h) for h in headers)
        head += row
        body = nodes.tbody()
        for policy in sorted(catalog.policies, key=lambda p: p.doc):
            self.env.note_dependency(policy.path)
            ref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget="/" + policy.doc,
                                        refexplicit=True, refdoc=self.env.docname)
            ref += nodes.inline(policy.meta.title, policy.meta.title)
            row = nodes.row()
            row += _cell(ref)
            for value in (policy.id, policy.meta.owner, policy.meta.version, policy.meta.effective.isoformat(),
                          str(len(policy.clauses))):
                row += _cell(value)
            body += row
        group += head
        group += body
        return [table, self._toctree(catalog)]

    def _toctree(self, catalog) -> nodes.Node:
        """A hidden toctree of every policy and FAQ page, so no page is orphaned."""
        faq_dir = catalog.settings.faq_dir.rstrip("/") + "/"
        docs = sorted(p.doc for p in catalog.policies)
        docs += sorted(d for d in self.env.found_docs if d.startswith(faq_dir))
        toc = addnodes.toctree()
        toc.update_all_atts({
            "parent": self.env.docname, "entries": [(None, d) for d in docs], "includefiles": docs,
            "maxdepth": 1, "caption": None, "glob": False, "hidden": True, "includehidden": False,
            "numbered": 0, "titlesonly": False, "rawentries": []})
        wrapper = nodes.compound(classes=["toctree-wrapper"])
        wrapper += toc
        return wrapper
