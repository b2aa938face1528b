"""``policy faq propose`` on real git repositories in temp folders (and a bare remote)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import git
import pytest
from click.testing import CliRunner

from tooling.cli import cli
from tooling.errors import Code, PolicyToolError
from tooling.faq.draft import draft_faq
from tooling.faq.propose import propose

from .conftest import ingest_examples

DAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _lexical(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_MATCHING_SEMANTIC", "off")


@pytest.fixture
def repo(example_repo: Path) -> git.Repo:
    (example_repo / ".gitignore").write_text("questions.db*\n.policy-cache/\n", encoding="utf-8")
    r = git.Repo.init(example_repo, initial_branch="main")
    with r.config_writer() as cw:
        cw.set_value("user", "name", "Policy Bot")
        cw.set_value("user", "email", "bot@example.com")
    r.index.add([".gitignore", *(f"policies/{p.name}" for p in sorted((example_repo / "policies").iterdir()))])
    r.index.commit("policies")
    ingest_examples(example_repo)
    draft_faq(example_repo, "SALES", top=3)
    return r


def test_propose_commits_only_the_page_on_a_new_branch(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    proposal = propose(root, "SALES", today=DAY)
    assert proposal.branch == "faq/sales-2026-11-20" and repo.active_branch.name == proposal.branch
    commit = repo.head.commit
    assert commit.hexsha == proposal.commit and list(commit.stats.files) == ["faq/sales-policy.md"]
    assert commit.message.startswith("faq(SALES): 3 new entries for review")
    assert repo.heads.main.commit != commit and not repo.is_dirty(untracked_files=True)
    text = proposal.description
    for entry in proposal.new:
        assert f"`{entry.id}` {entry.question}" in text and ", ".join(entry.clauses) in text
    assert text.count("  - `q") >= 3  # member questions: id, scrubbed text
    assert "未覆盖的问题" in text and proposal.gaps and proposal.gaps[0].question[:20] in text
    assert "@" not in text  # e-mail addresses were scrubbed


def test_refuses_dirty_tree_and_existing_branch(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    policy = root / "policies" / "sales-policy.md"
    policy.write_text(policy.read_text("utf-8") + "\n", encoding="utf-8")
    with pytest.raises(PolicyToolError) as err:
        propose(root, "SALES", today=DAY)
    assert err.value.problems[0].code == Code.FAQ_DIRTY_TREE and "policies/sales-policy.md" in str(err.value)
    repo.git.checkout("--", "policies/sales-policy.md")
    repo.create_head("faq/sales-2026-11-20")
    result = CliRunner().invoke(
        cli, ["faq", "propose", "--policy", "SALES", "--root", str(root), "--branch", "faq/sales-2026-11-20"]
    )
    assert result.exit_code == 1 and "PL805" in result.output
    assert repo.active_branch.name == "main"


def test_push_to_remote_and_description_file(repo: git.Repo, tmp_path: Path) -> None:
    root = Path(repo.working_tree_dir)
    bare = git.Repo.init(tmp_path / "remote.git", bare=True)
    repo.create_remote("origin", str(bare.working_dir if bare.working_tree_dir else tmp_path / "remote.git"))
    out = tmp_path / "pr.md"
    result = CliRunner().invoke(
        cli, ["faq", "propose", "--policy", "SALES", "--push", "--out", str(out), "--root", str(root)]
    )
    assert result.exit_code == 0, result.output
    branch = repo.active_branch.name
    assert branch in [h.name for h in bare.heads] and "pushed to origin" in result.output
    assert out.read_text("utf-8").startswith("# FAQ 更新: SALES (3 条新条目)")
    again = CliRunner().invoke(cli, ["faq", "propose", "--policy", "SALES", "--root", str(root)])
    assert again.exit_code == 1 and "PL809" in again.output


def test_description_shows_untrusted_question_text_literally() -> None:
    """Questions are people's words: in a PR description they must not ping, link, embed or break tables."""
    from tooling.faq.gaps import Gap
    from tooling.faq.propose import Proposal, describe
    from tooling.faqpage import FaqEntry

    evil = "@all see [here](http://evil.example) ![x](http://evil.example/x.png) <img src=x> a|b"
    entry = FaqEntry(id="sales-faq-9", question=evil, clauses=["SALES 4.2"], asked=2, askers=2)
    gap = Gap(
        cluster_id="c1",
        policy="SALES",
        question=evil,
        asked=3,
        askers=2,
        first_asked="2026-01-01",
        last_asked="2026-02-01",
    )
    text = describe(
        Proposal(
            policy="SALES", branch="faq/sales-x", commit="abc", page="faq/sales-policy.md", new=[entry], gaps=[gap]
        ),
        "zh",
        {"sales-faq-9": [evil]},
    )
    for raw in ["@all", "[here]", "![x]", "<img", "|b"]:  # each only ever with a backslash before it
        assert not re.search(r"(?<!\\)" + re.escape(raw), text), raw
    assert "\\@all see \\[here\\]\\(http://evil.example\\)" in text
    table_row = next(line for line in text.splitlines() if line.startswith("| \\@all"))
    assert table_row.count(" | ") == 3  # four cells: the question did not add a column


def test_labels_ride_along_and_description_lists_member_questions(repo: git.Repo) -> None:
    from tooling.faqpage import parse_page, read_text

    root = Path(repo.working_tree_dir)
    page = parse_page(read_text(root / "faq" / "sales-policy.md"))
    qid = page.entries[0].questions[0]
    result = CliRunner().invoke(
        cli, ["faq", "label", qid, "--answer", "not-covered", "--by", "张敏", "--root", str(root)]
    )
    assert result.exit_code == 0, result.output
    proposal = propose(root, "SALES", today=DAY)
    assert sorted(repo.head.commit.stats.files) == ["faq/labels.jsonl", "faq/sales-policy.md"]
    text = proposal.description
    for entry in page.entries:
        assert f"({len(entry.questions)}):" in text and all(f"`{q}`" in text for q in entry.questions[:20])
    assert "- 状态: draft" in text and "policy faq review ID" in text


def test_description_escapes_member_questions() -> None:
    from tooling.faq.propose import Proposal, describe
    from tooling.faq.review import EntryView, QuestionView
    from tooling.faqpage import FaqEntry

    evil = "@all see [here](http://evil.example) <img src=x> `code` a|b"
    entry = FaqEntry(
        id="sales-faq-9", question="返利？", clauses=["SALES 4.2"], asked=2, askers=2, questions=["q1", "q2"]
    )
    view = EntryView(
        id="sales-faq-9",
        question="返利？",
        status="draft",
        clauses=["SALES 4.2"],
        file="f",
        line=1,
        questions=[QuestionView(id="q1", source_id="<@boss>", text=evil), QuestionView(id="q2")],
    )
    text = describe(
        Proposal(policy="SALES", branch="b", commit="c", page="p", new=[entry]), "en", {}, {"sales-faq-9": view}
    )
    for raw in ["@all", "[here]", "<img", "`code`", "<@boss>"]:
        assert not re.search(r"(?<!\\)" + re.escape(raw), text), raw
    assert "- Questions (2):" in text and "(not in this copy's question store)" in text
