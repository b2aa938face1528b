"""Give every clause of a policy page its stable anchor, permalink and copy-citation control.

Runs on ``doctree-read`` for policy pages. Clauses come from the shared parser
(:mod:`tooling.clauses`) and are matched to doctree nodes by source line, so the Sphinx page
and ``policy clauses`` always agree. Heading clauses get the anchor as the section's first id
(Sphinx's ``id1``/``id2`` stay as extra ids but are never what we link to). Article and item
clauses (第十二条, （一）, Article 7) are wrapped in a ``div.clause`` with the anchor as id, so
``:target`` highlights the whole clause.
"""

from __future__ import annotations

import re

from docutils import nodes

from ..citations import citation_text
from ..clauses import ITEM_RE
from ..models import Clause, ClauseKind, Policy
from .safety import safe_id


class clause_tools(nodes.Inline, nodes.Element):
    """Permalink + copy-citation button; rendered by HTML builders only."""


def visit_clause_tools_html(self, node: clause_tools) -> None:
    esc = self.attval
    parts = ['<span class="clause-tools">']
    if node["permalink"]:
        parts.append(
            f'<a class="headerlink clause-permalink" href="#{esc(node["anchor"])}" '
            f'title="{esc(node["permalink_title"])}">¶</a>'
        )
    parts.append(
        f'<button type="button" class="copy-citation" data-citation="{esc(node["citation"])}" '
        f'data-url="{esc(node["url"])}" data-anchor="{esc(node["anchor"])}" data-key="{esc(node["key"])}" '
        f'title="{esc(node["button_title"])}">{esc(node["button_text"])}</button></span>'
    )
    self.body.append("".join(parts))
    raise nodes.SkipNode


def skip_node(self, node: nodes.Node) -> None:
    raise nodes.SkipNode


def absolute_url(baseurl: str, clause: Clause) -> str:
    """The URL a citation carries: ``html_baseurl`` + the clause's relative URL (or empty)."""
    return f"{baseurl.rstrip('/')}/{clause.url}" if baseurl else ""


def tools_for(clause: Clause, policy: Policy, baseurl: str, permalink: bool) -> clause_tools:
    zh = policy.language == "zh"
    node = clause_tools()
    node.update_all_atts(
        {
            "anchor": clause.anchor,
            "key": clause.key,
            "permalink": permalink,
            "citation": citation_text(
                policy.meta.title, clause.number, clause.kind.value, policy.language, clause.title
            ),
            "url": absolute_url(baseurl, clause),
            "button_text": "复制引用" if zh else "Copy citation",
            "button_title": f"复制 {clause.key} 的引用" if zh else f"Copy a citation of {clause.key}",
            "permalink_title": "本条链接" if zh else "Link to this clause",
        }
    )
    return node


def apply_anchors(doctree: nodes.document, policy: Policy, baseurl: str) -> None:
    """Attach anchors and tools to each clause of ``policy`` found in ``doctree``."""
    by_line = {c.source.line: c for c in policy.clauses}
    heading_lines: set[int] = set()
    for section in list(doctree.findall(nodes.section)):
        line = _title_line(section)
        clause = by_line.get(line)
        if clause is None:
            continue
        heading_lines.add(line)
        aliases = [a for a in clause.aliases if safe_id(a)]  # a (target)= name is source text
        ids = [i for i in section["ids"] if i not in (clause.anchor, *aliases)]
        section["ids"] = [clause.anchor, *aliases, *ids]
        section["classes"] += ["clause", f"clause-{clause.kind.value}"]
        section.insert(
            1, nodes.paragraph("", "", tools_for(clause, policy, baseurl, permalink=False), classes=["clause-toolbar"])
        )
    paragraph_clauses = {line: c for line, c in by_line.items() if line not in heading_lines}
    if not paragraph_clauses:
        return
    for paragraph in list(doctree.findall(nodes.paragraph)):
        _split_item_lines(paragraph, paragraph_clauses)
    for parent in list(doctree.findall(nodes.Element)):
        if any(isinstance(ch, nodes.paragraph) and ch.line in paragraph_clauses for ch in parent.children):
            _wrap(parent, paragraph_clauses, policy, baseurl)


def _title_line(section: nodes.section) -> int:
    title = section[0] if section.children and isinstance(section[0], nodes.title) else None
    return (title.line or section.line or -1) if title is not None else -1


def _split_item_lines(paragraph: nodes.paragraph, clauses: dict[int, Clause]) -> None:
    """Split a paragraph whose later lines start items （一） into one paragraph per item line."""
    if paragraph.line is None or not isinstance(paragraph.parent, nodes.Element):
        return
    chunks: list[list[nodes.Node]] = [[]]
    lines = [paragraph.line]
    line = paragraph.line
    for child in list(paragraph.children):
        if isinstance(child, nodes.Text) and "\n" in child:
            pieces = re.split(r"(\n)", str(child))
            for piece in pieces:
                if piece == "\n":
                    line += 1
                    chunks[-1].append(nodes.Text("\n"))
                    chunks.append([])
                    lines.append(line)
                elif piece:
                    chunks[-1].append(nodes.Text(piece))
        else:
            chunks[-1].append(child)
    # Keep only breaks that start a clause line; merge the rest back.
    merged: list[tuple[int, list[nodes.Node]]] = []
    for start, chunk in zip(lines, chunks):
        text = "".join(n.astext() for n in chunk)
        if merged and not (start in clauses and ITEM_RE.match(text)):
            merged[-1][1].extend(chunk)
        else:
            merged.append((start, chunk))
    if len(merged) < 2:
        return
    parent = paragraph.parent
    index = parent.index(paragraph)
    new_paragraphs = []
    for start, chunk in merged:
        if chunk and isinstance(chunk[-1], nodes.Text) and str(chunk[-1]) == "\n":
            chunk = chunk[:-1]
        para = nodes.paragraph("", "", *chunk)
        para.line, para.source = start, paragraph.source
        new_paragraphs.append(para)
    new_paragraphs[0]["ids"] = paragraph["ids"]
    parent[index : index + 1] = new_paragraphs


_RANK = {ClauseKind.article: 1, ClauseKind.item: 2}


def _wrap(parent: nodes.Element, clauses: dict[int, Clause], policy: Policy, baseurl: str) -> None:
    """Regroup ``parent``'s children so each clause is a container holding its own blocks."""
    children = list(parent.children)
    parent.clear()
    stack: list[tuple[nodes.container, int]] = []
    for child in children:
        clause = clauses.get(child.line) if isinstance(child, nodes.paragraph) else None
        if clause is not None:
            rank = _RANK.get(clause.kind, 1)
            while stack and stack[-1][1] >= rank:
                stack.pop()
            box = nodes.container(classes=["clause", f"clause-{clause.kind.value}"])
            box["ids"] = [clause.anchor]  # author-given (target)= anchors stay where MyST put them
            child.insert(0, tools_for(clause, policy, baseurl, permalink=True))
            box += child
            (stack[-1][0] if stack else parent).append(box)
            stack.append((box, rank))
        elif isinstance(child, (nodes.section, nodes.transition)):
            stack.clear()
            parent.append(child)
        elif (
            stack
            and isinstance(child, nodes.paragraph)
            and not ITEM_RE.match(child.astext())
            and stack[-1][1] == _RANK[ClauseKind.item]
        ):
            stack.pop()  # a new 款 paragraph ends the item list
            stack[-1][0].append(child) if stack else parent.append(child)
        else:
            (stack[-1][0] if stack else parent).append(child)
