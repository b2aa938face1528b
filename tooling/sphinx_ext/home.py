"""The ``{policy-index}`` directive: the home page's cards, one per policy with its FAQ page.

Cards (not a table): on a 375 px phone a six-column table squeezes the titles to one character
a line; a card stacks its title, facts and FAQ link and is as readable at any width.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

from .state import catalog_of
from .translations import is_zh, translate


class PolicyIndex(SphinxDirective):
    """Lists policies with id, owner, version, effective date, clause count and FAQ page."""

    has_content = False

    def _ref(self, doc: str, text: str | None, classes: list[str]) -> addnodes.pending_xref:
        """A link to ``doc``; without ``text`` Sphinx writes the page's own title."""
        ref = addnodes.pending_xref(
            "",
            refdomain="std",
            reftype="doc",
            reftarget="/" + doc,
            refexplicit=text is not None,
            refdoc=self.env.docname,
            classes=classes,
        )
        ref += nodes.inline(text or doc, text or doc)
        return ref

    def run(self) -> list[nodes.Node]:
        catalog = catalog_of(self.env)
        language = self.config.language

        def w(message: str) -> str:
            return translate(language, message)

        faq_docs = self._faq_docs(catalog)
        cards = nodes.container(classes=["policy-cards"])
        order: list[str] = []
        for policy in sorted(catalog.policies, key=lambda p: p.doc):
            self.env.note_dependency(policy.path)
            card = nodes.container(classes=["policy-card"])
            card["ids"] = [f"policy-card-{nodes.make_id(policy.id)}"]
            title = nodes.paragraph(classes=["policy-card-title"])
            title += self._ref(policy.doc, policy.meta.title, ["policy-card-link"])
            card += title
            facts = nodes.paragraph(classes=["policy-card-facts"])
            values = [
                (None, policy.id),
                ("Owner", policy.meta.owner),
                ("Version", policy.meta.version),
                ("Effective", policy.meta.effective.isoformat()),
                ("Clauses", str(len(policy.clauses))),
            ]
            for i, (label, value) in enumerate(values):
                fact = nodes.inline(classes=["policy-card-fact", f"policy-card-{(label or 'id').lower()}"])
                if label:
                    fact += nodes.inline(w(label), w(label), classes=["policy-card-label"])
                    fact += nodes.Text(" ")
                fact += nodes.Text(value)
                if i < len(values) - 1:  # the dot stays with its fact: a line never starts with one
                    fact += nodes.inline(" ·", " ·", classes=["policy-card-sep"])
                    facts += fact
                    facts += nodes.Text(" ")
                else:
                    facts += fact
            card += facts
            faq = nodes.paragraph(classes=["policy-card-faq"])
            faq += nodes.inline(w("FAQ"), w("FAQ"), classes=["policy-card-label"])
            faq += nodes.Text("：" if is_zh(language) else ": ")
            faq_doc = f"{catalog.settings.faq_dir.strip('/')}/{PurePosixPath(policy.doc).name}"
            order.append(policy.doc)
            if faq_doc in faq_docs:
                faq += self._ref(faq_doc, None, ["policy-card-faq-link"])
                faq_docs.remove(faq_doc)
                order.append(faq_doc)
            else:
                faq += nodes.inline(w("No FAQ yet"), w("No FAQ yet"), classes=["policy-card-none"])
            card += faq
            cards += card
        result: list[nodes.Node] = [cards]
        if faq_docs:  # FAQ pages of no policy (a general FAQ): listed after the cards
            others = nodes.bullet_list(classes=["policy-other-faq"])
            for doc in sorted(faq_docs):
                item = nodes.list_item()
                para = nodes.paragraph()
                para += self._ref(doc, None, ["policy-card-faq-link"])
                item += para
                others += item
                order.append(doc)
            result.append(others)
        return [*result, self._toctree(order)]

    def _faq_docs(self, catalog) -> set[str]:
        faq_dir = catalog.settings.faq_dir.strip("/") + "/"
        return {d for d in self.env.found_docs if d.startswith(faq_dir)}

    def _toctree(self, docs: list[str]) -> nodes.Node:
        """A hidden toctree of every policy and FAQ page (each policy then its FAQ), so no page is
        orphaned and the theme's navigation lists them in that order."""
        toc = addnodes.toctree()
        toc.update_all_atts(
            {
                "parent": self.env.docname,
                "entries": [(None, d) for d in docs],
                "includefiles": docs,
                "maxdepth": 1,
                "caption": None,
                "glob": False,
                "hidden": True,
                "includehidden": False,
                "numbered": 0,
                "titlesonly": False,
                "rawentries": [],
            }
        )
        wrapper = nodes.compound(classes=["toctree-wrapper"])
        wrapper += toc
        return wrapper
