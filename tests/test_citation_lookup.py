"""Citations pasted or typed in any of the site's own forms name the right clause (the lookup
that ``policy answer`` and the site search share), and texts that are not citations name none."""

from __future__ import annotations

import shutil

import pytest

from tooling.catalog import Catalog
from tooling.citations import citation_text, read_citation
from tooling.matching.citing import cited

from .conftest import ROOT, citation_cases, citation_site_source


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(ROOT)


@pytest.fixture(scope="module")
def site_catalog(tmp_path_factory):
    """The catalog of a citation case's site (a copy: loading writes a parse cache)."""
    catalogs: dict[str, Catalog] = {}

    def _load(name: str) -> Catalog:
        if name not in catalogs:
            source = citation_site_source(name)
            if source == ROOT:
                catalogs[name] = Catalog.load(ROOT)
            else:
                dest = tmp_path_factory.mktemp(name) / "repo"
                shutil.copytree(source, dest)
                catalogs[name] = Catalog.load(dest)
        return catalogs[name]

    return _load


@pytest.mark.parametrize("site, text, expect", citation_cases())
def test_every_form_names_its_clause(site_catalog, site: str, text: str, expect: list[str]) -> None:
    """tests/fixtures/citation_cases.json: the same cases drive the site search's browser test."""
    assert [c.url for c in cited(site_catalog(site), text)] == expect


def test_the_copy_citation_text_of_every_clause_names_that_clause(catalog: Catalog) -> None:
    """What the copy button puts on the clipboard, with and without its link, finds its clause."""
    for clause in catalog.clauses:
        policy = catalog.policy(clause.policy)
        bare = citation_text(policy.meta.title, clause.number, clause.kind.value, policy.language, clause.title)
        linked = f"{bare} https://policies.example.com/{clause.url}"
        assert cited(catalog, linked) == [clause], linked
        assert clause in cited(catalog, bare), bare


def test_read_citation_keeps_the_written_style() -> None:
    assert read_citation("第4.3条").language == "zh" and read_citation("§ 4.3").language == "en"
    assert read_citation("第十二条").article and not read_citation("第4.3条").article
    assert read_citation("x https://h/p.html#sales-4-2").anchor == "sales-4-2"
