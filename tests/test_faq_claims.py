"""Sentence-level grounding: each claim of an answer (a figure, a duty, a permission, a
prohibition, who decides) must be what one sentence of a cited clause says. Drafted by the real
``openai`` client against a local server, flagged, shown to the reviewer with the nearest clause
sentence, and not approved until a person confirms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tooling.catalog import Catalog
from tooling.errors import PolicyToolError
from tooling.faq.approve import approve
from tooling.faq.claims import entry_claims, unsupported_claims
from tooling.faq.draft import draft_faq
from tooling.faq.propose import Proposal, describe
from tooling.faqpage import parse_page, read_page, read_text

from .llm_server import Server

RULE = "折扣在5%以内的由区域经理审批；超过5%的须经销售总监审批。折扣批复自审批通过之日起30天内有效。"
TRIP = "Taxis are reimbursed between the airport and the hotel. Parking at the airport is not reimbursed."


@pytest.mark.parametrize(
    "answer",
    [
        "超过5%的折扣须经销售总监审批。见{clause}`QD 2.1`。",  # the clause's words, reordered
        "需要。超过5%的须经销售总监审批。",  # a bare yes/no belongs to the next sentence
        "折扣批复的有效期是30天。",
    ],
)
def test_what_a_clause_sentence_says_is_supported(answer: str) -> None:
    assert unsupported_claims(answer, [RULE]) == []


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("超过5%的折扣须经总经理审批。", "who: 总经理"),  # the wrong approver
        ("折扣批复12个月内有效。", "figure 12个月"),  # a figure the sentence does not state
        ("不能。折扣超过5%不得审批。", "a prohibition"),  # a rule the clause does not make
    ],
)
def test_a_claim_no_clause_sentence_makes_is_flagged_with_the_nearest(answer: str, reason: str) -> None:
    [claim] = unsupported_claims(answer, [RULE])
    assert claim.number == 1 and claim.reason == reason and claim.nearest in RULE


def test_support_comes_from_the_sentence_about_the_same_thing() -> None:
    assert unsupported_claims("Yes. Taxis are reimbursed between the airport and the hotel.", [TRIP]) == []
    [claim] = unsupported_claims("Yes. Parking at the airport is reimbursed.", [TRIP])
    assert claim.reason == "a permission" and claim.nearest.startswith("Parking")
    [claim] = unsupported_claims("No. Taxis are not reimbursed.", [TRIP])
    assert claim.reason == "a prohibition" and claim.nearest.startswith("Taxis")


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.close()


def test_an_llm_answer_with_an_invented_approver_is_flagged_shown_and_held(
    server: Server, asked_example_repo: Path, monkeypatch
) -> None:
    monkeypatch.setenv("POLICY_MATCHING_SEMANTIC", "off")
    monkeypatch.setenv("TEST_LLM_KEY", "sk-test")
    monkeypatch.setenv("POLICY_LLM_BASE_URL", server.url)
    monkeypatch.setenv("POLICY_LLM_MODEL", "test-model")
    monkeypatch.setenv("POLICY_LLM_API_KEY_ENV", "TEST_LLM_KEY")

    def invents(request: dict) -> tuple[int, dict, float]:
        user = request["messages"][1]["content"]
        key, text = re.search(r"<clauses>\n\[([^\]]+)\][^\n]*\n([^。.\n]+)", user).groups()
        # the clause's first sentence, word for word, then a rule nobody wrote
        answer = f"{text}。此类情况须经董事长书面审批。见 {{clause}}`{key}`。"
        return 200, {"question": "这个怎么办？", "answer": answer, "clauses": [key]}, 0

    server.default = invents
    report = draft_faq(asked_example_repo, "SALES", top=2, drafter="openai")
    page_file = asked_example_repo / "faq" / "sales-policy.md"
    entries = parse_page(read_text(page_file)).entries
    assert len(entries) == 2 and all(e.unsupported_claims == ["2"] for e in entries)  # the second sentence only
    assert set(report.flagged) >= {e.id for e in entries}

    catalog = Catalog.load(asked_example_repo)
    entry = entries[0]
    claims = entry_claims(entry.answer, entry.clauses, catalog)
    text = describe(
        Proposal(policy="SALES", branch="b", commit="c", page="faq/sales-policy.md", new=[entry]),
        "zh",
        {},
        None,
        {entry.id: claims},
    )
    assert "第2句与条款原文不符" in text and "董事长" in text and "最接近的条款原文" in text
    assert claims[0].nearest and claims[0].nearest in catalog.get(entry.clauses[0]).text

    with pytest.raises(PolicyToolError) as err:
        approve(asked_example_repo, entry.id, "张敏")
    problem = err.value.problems[0]
    assert problem.code == "PL813" and problem.line == entry.option_line("unsupported-claims")
    # the reviewer confirms by deleting the flag line (or fixes the sentence); then it is approved
    source = read_text(page_file)
    lines = source.splitlines(keepends=True)
    del lines[entry.option_line("unsupported-claims") - 1]
    page_file.write_text("".join(lines), encoding="utf-8")
    approve(asked_example_repo, entry.id, "张敏")
    approved = read_page(page_file, asked_example_repo).get(entry.id)
    assert approved.status == "approved" and not approved.unsupported_claims
