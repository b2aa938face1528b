"""Citations pasted or typed in any of the site's own forms name the right clause (the lookup
that ``policy answer`` and the site search share), and texts that are not citations name none."""

from __future__ import annotations

import pytest

from tooling.catalog import Catalog
from tooling.citations import citation_text, read_citation

from .conftest import ROOT


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(ROOT)


@pytest.mark.parametrize("text, keys", [
    ("《2026年度产品销售政策》第4.3条", ["SALES 4.3"]),
    ("第4.3条", ["SALES 4.3"]),                  # written the Chinese way: the Chinese policy
    ("4.3条", ["SALES 4.3"]),
    ("SALES 4.3", ["SALES 4.3"]),
    ("sales §4.3", ["SALES 4.3"]),
    ("销售政策 4.2", ["SALES 4.2"]),
    ("第十二条", ["REBATE 12"]),
    ("第12条", ["REBATE 12"]),
    ("12条", ["REBATE 12"]),
    ("《渠道返利管理办法》第十二条之一", ["REBATE 12-1"]),
    ("《渠道返利管理办法》第十二条第二款第（一）项", ["REBATE 12.2(1)"]),
    ("§3.1", ["TRAVEL 3.1"]),
    ("TRAVEL 6.1", ["TRAVEL 6.1"]),
    ("4.3", ["SALES 4.3", "TRAVEL 4.3"]),        # no policy, no style: both candidates
])
def test_every_form_names_its_clause(catalog: Catalog, text: str, keys: list[str]) -> None:
    assert [c.key for c in catalog.cited(text)] == keys


def test_the_copy_citation_text_of_every_clause_names_that_clause(catalog: Catalog) -> None:
    """What the copy button puts on the clipboard, with and without its link, finds its clause."""
    for clause in catalog.clauses:
        policy = catalog.policy(clause.policy)
        bare = citation_text(policy.meta.title, clause.number, clause.kind.value, policy.language, clause.title)
        linked = f"{bare} https://policies.example.com/{clause.url}"
        assert catalog.cited(linked) == [clause], linked
        assert clause in catalog.cited(bare), bare


@pytest.mark.parametrize("text", ["返利什么时候到账", "返利 4.2", "《某某管理办法》第4.3条", "Q1 返利比例是4.5%吗",
                                  "提货620万元", "2026-01-05", ""])
def test_texts_that_are_not_citations_name_nothing(catalog: Catalog, text: str) -> None:
    assert catalog.cited(text) == []


def test_read_citation_keeps_the_written_style() -> None:
    assert read_citation("第4.3条").language == "zh" and read_citation("§ 4.3").language == "en"
    assert read_citation("第十二条").article and not read_citation("第4.3条").article
    assert read_citation("x https://h/p.html#sales-4-2").anchor == "sales-4-2"
