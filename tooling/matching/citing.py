"""Which clauses a pasted or typed citation names: the answerer's first check (a question that
is a citation is answered with that clause) and the site search's examples."""

from __future__ import annotations

from ..catalog import FIRST_PARA_ITEM, Catalog
from ..citations import read_citation
from ..models import Clause
from ..text import normalize


def cited(catalog: Catalog, text: str) -> list[Clause]:
    """The clauses a pasted or typed citation names (``《标题》第4.3条``, ``第4.3条``, ``SALES 4.3``,
    the copy-citation text with its link, ``第十二条``…), or [] when the text is not a citation.
    Without a policy name, every policy with that number is a candidate."""
    cited = read_citation(text)
    if cited is None:
        return []
    if cited.anchor:
        clause = catalog.clause_by_anchor(cited.anchor)
        return [clause] if clause else []
    name = normalize(cited.policy)
    policies = [
        p
        for p in catalog.policies
        if not name
        or p.id.lower() == name
        or (len(name) >= 2 and name in normalize(p.meta.title))
        or normalize(p.meta.title) in name
    ]
    numbers = [cited.number]
    first = FIRST_PARA_ITEM.match(cited.number)  # 第十二条第一款第（一）项 = 12(1)
    if first:
        numbers.append(f"{first['art']}({first['item']})")
    found = [c for p in policies for c in p.clauses if c.number in numbers]
    if cited.article:
        articles = [c for c in found if c.kind.value != "section"]
        found = articles or found
    if cited.language:
        in_language = [c for c in found if c.language == cited.language]
        found = in_language or found
    return found
