"""``policy faq draft`` / ``gaps`` on the dev policies and their 412 real-looking questions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tooling.catalog import Catalog
from tooling.cli import cli
from tooling.errors import Code, PolicyToolError
from tooling.faq.approve import approve, retire
from tooling.faq.checks import check_faq
from tooling.faq.draft import draft_faq, load_clusters
from tooling.faq.gaps import find_gaps
from tooling.faqpage import parse_page, read_text, set_options


@pytest.fixture(autouse=True)
def _lexical(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_MATCHING_SEMANTIC", "off")  # fast and deterministic on any machine


@pytest.fixture
def asked_repo(asked_example_repo: Path) -> Path:
    return asked_example_repo


def test_draft_fills_page_to_top_and_rerun_adds_nothing(asked_repo: Path) -> None:
    report = draft_faq(asked_repo, "SALES", top=6)
    assert len(report.added) == 6
    path = asked_repo / "faq" / "sales-policy.md"
    page = parse_page(read_text(path))
    assert page.title == "2026年度产品销售政策50问"
    assert [e.id for e in page.entries] == [f"sales-faq-{n}" for n in range(1, 7)]
    catalog = Catalog.load(asked_repo)
    for e in page.entries:
        assert e.status == "draft" and e.drafter == "offline" and e.clusters and e.asked >= e.askers >= 1
        assert e.clauses and all(catalog.get(k) for k in e.clauses)
        assert f"{{clause}}`{e.clauses[0]}`" in e.answer
        assert e.question.endswith(("？", "?")) and not e.question.startswith(("您好", "你好"))
        assert "[" not in e.question and e.unsupported == []  # offline drafts quote their clause
    asked = [e.askers for e in page.entries]
    assert asked[0] >= asked[-1]  # most asked first
    assert check_faq(catalog) == []
    before = path.read_bytes()
    again = draft_faq(asked_repo, "SALES", top=6)
    assert again.added == [] and path.read_bytes() == before


def test_human_edits_survive_and_ids_are_never_reused(asked_repo: Path) -> None:
    draft_faq(asked_repo, "SALES", top=3)
    path = asked_repo / "faq" / "sales-policy.md"
    source = read_text(path)
    first = parse_page(source).entries[0]
    edited = set_options(source, first, {"asked": "999"}).replace(
        first.answer, first.answer + "\n\n（人工补充：请以CRM为准。）"
    )
    path.write_text(edited, encoding="utf-8")
    approve(asked_repo, "sales-faq-1", "张敏")
    retire(asked_repo, "sales-faq-3")
    kept = read_text(path)
    report = draft_faq(asked_repo, "SALES", top=4)
    text = read_text(path)
    assert text.startswith(kept)  # every earlier byte, in order
    new_ids = [e.id for e in report.added]
    assert new_ids == ["sales-faq-4", "sales-faq-5"]  # 3 is retired: taken, not live
    retired_clusters = parse_page(kept).entries[2].clusters
    assert not any(set(e.clusters) & set(retired_clusters) for e in report.added)


def test_gaps_are_not_drafted_and_are_reported(asked_repo: Path) -> None:
    clusters, records, matcher = load_clusters(asked_repo, Catalog.load(asked_repo))
    everywhere = find_gaps(clusters, records, None, matcher)  # annual leave, CRM passwords, bonuses…
    assert {g.policy for g in everywhere} <= {"SALES", "TRAVEL", None}  # None: the injection texts
    policy = next(g.policy for g in everywhere if g.policy)
    report = draft_faq(asked_repo, policy, top=50)
    gap_clusters = {g.cluster_id for g in report.gaps}
    assert gap_clusters == {g.cluster_id for g in everywhere if g.policy == policy}
    assert all(g.policy == policy and g.asked >= 1 and g.samples for g in report.gaps)
    assert not any(set(e.clusters) & gap_clusters for e in report.added)
    result = CliRunner().invoke(cli, ["faq", "gaps", "--policy", policy, "--json", "--root", str(asked_repo)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {g["cluster_id"] for g in data} == gap_clusters


def test_cli_draft_and_errors(asked_repo: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["faq", "draft", "--policy", "sales", "--top", "2", "--root", str(asked_repo)])
    assert result.exit_code == 0, result.output
    assert "sales-faq-1" in result.stdout and "2 draft(s) added" in result.output
    result = runner.invoke(cli, ["faq", "draft", "--policy", "NOPE", "--root", str(asked_repo)])
    assert result.exit_code == 1 and "PL107" in result.output and "SALES" in result.output
    empty = tmp_path / "empty"
    (empty / "policies").mkdir(parents=True)
    (empty / "policies" / "sales-policy.md").write_text(
        (asked_repo / "policies" / "sales-policy.md").read_text("utf-8"), encoding="utf-8"
    )
    with pytest.raises(PolicyToolError) as err:
        draft_faq(empty, "SALES")
    assert err.value.problems[0].code == Code.FAQ_NO_QUESTIONS
