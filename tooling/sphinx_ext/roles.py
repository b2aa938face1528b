"""The ``{clause}`` role: ``{clause}`SALES 4.2``` or ``{clause}`结算规则 <SALES 4.2>```.

Resolved at read time against the shared catalogue, so an unknown key is reported with the
page and line; the link itself is a ``std:ref`` cross-reference to the clause anchor, which
Sphinx turns into a correct relative URL from any page.
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxRole

from ..citations import citation_text
from ..errors import Problem
from ..markdown import role_parts
from .state import catalog_of
from .versions import versioned_reference
from .warnings import warn


class ClauseRole(SphinxRole):
    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        text, target = role_parts(self.text)
        explicit = text != target
        if "@" in target:  # SALES@2.0 4.2: the clause as that release worded it, on its own page
            versioned = versioned_reference(self, text, target, explicit)
            if versioned is not None:
                return [versioned], []
        catalog = catalog_of(self.env)
        clause = catalog.resolve(target, self.env.doc2path(self.env.docname), self.lineno)
        if isinstance(clause, Problem):
            warn(self.config, clause, self.get_location())
            return [nodes.inline(self.rawtext, self.text, classes=["clause-ref", "clause-ref-unknown"])], []
        policy = catalog.require(clause.policy)
        same_policy = policy.doc == self.env.docname
        if not explicit:
            label = citation_text(policy.meta.title, clause.number, clause.kind.value, policy.language, clause.title)
            if same_policy:  # inside its own policy, the policy title is noise
                label = label.split("》", 1)[-1] if policy.language == "zh" else label[len(policy.meta.title) + 1 :]
            text = label
        ref = addnodes.pending_xref(
            self.rawtext,
            refdomain="std",
            reftype="ref",
            reftarget=clause.anchor,
            refexplicit=True,
            refwarn=True,
            refdoc=self.env.docname,
        )
        ref += nodes.inline(text, text, classes=["xref", "clause-ref"])
        ref["classes"] = ["clause-ref"]
        ref["reftitle"] = clause.key
        return [ref], []
