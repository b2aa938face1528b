"""Reviewing drafts before approval, on the dev policies and their real-looking questions:
``policy faq show`` / ``review`` / ``label`` / ``approve`` through the real CLI, with the labels
they leave in faq/labels.jsonl and what ``policy check`` says about them."""

from __future__ import annotations

import difflib
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tooling.catalog import Catalog
from tooling.check import check_repository
from tooling.cli import cli
from tooling.errors import Code
from tooling.faq.draft import draft_faq
from tooling.faqpage import parse_page, read_text
from tooling.questions.labels import check_labels, read_labels, text_key
from tooling.questions.store import QuestionStore

PAGE = "faq/sales-policy.md"
LABELS = "faq/labels.jsonl"


@pytest.fixture(autouse=True)
def _lexical(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICY_MATCHING_SEMANTIC", "off")


@pytest.fixture
def drafted(asked_example_repo: Path) -> Path:
    report = draft_faq(asked_example_repo, "SALES", top=4)
    assert len(report.added) == 4
    return asked_example_repo


def run(root: Path, *args: str) -> object:
    return CliRunner().invoke(cli, [*args, "--root", str(root)])


def entries(root: Path) -> dict:
    return {e.id: e for e in parse_page(read_text(root / PAGE)).entries}


def records(root: Path) -> dict:
    with QuestionStore(root / "questions.db") as store:
        return {r.id: r for r in store.iter_records()}


def labels(root: Path) -> list:
    found, problems = read_labels(root, Catalog.load(root).settings)
    assert problems == []
    return found


def askers(recs: list) -> int:
    return len({r.asker or f"anonymous:{r.id}" for r in recs})


def test_draft_records_member_ids_and_counts_follow_them(drafted: Path) -> None:
    recs = records(drafted)
    source = read_text(drafted / PAGE)
    for e in entries(drafted).values():
        assert e.questions and all(re.fullmatch(r"q[0-9a-f]{20}", q) and q in recs for q in e.questions)
        assert e.asked == len(e.questions) and e.askers == askers([recs[q] for q in e.questions])
        line = source.splitlines()[e.option_line("questions") - 1]
        assert line == ":questions: " + ", ".join(e.questions)  # ids only, never question text


def test_show_lists_members_with_scrubbed_text(drafted: Path) -> None:
    recs = records(drafted)
    first = entries(drafted)["sales-faq-1"]
    result = run(drafted, "faq", "show", "sales-faq-1", "--json")
    assert result.exit_code == 0, result.output
    [view] = json.loads(result.stdout)
    assert view["id"] == "sales-faq-1" and view["status"] == "draft" and view["clauses"] == first.clauses
    assert [q["id"] for q in view["questions"]] == first.questions
    for q in view["questions"]:
        assert q["text"] == recs[q["id"]].text and q["source_id"] == recs[q["id"]].source_id
    everything = json.loads(run(drafted, "faq", "show", "--policy", "sales", "--json").stdout)
    assert [v["id"] for v in everything] == [f"sales-faq-{n}" for n in range(1, 5)]
    text = run(drafted, "faq", "show", "sales-faq-1")
    assert all(q in text.stdout for q in first.questions) and "[draft]" in text.stdout
    assert "policy faq review ENTRY --drop QID" in text.output  # what to do next
    missing = run(drafted, "faq", "show", "sales-faq-99")
    assert missing.exit_code == 1 and "PL404" in missing.output and "sales-faq-99" in missing.output


def test_show_without_the_store_says_so(drafted: Path) -> None:
    for f in drafted.glob("questions.db*"):
        f.unlink()
    result = run(drafted, "faq", "show", "sales-faq-2", "--json")
    assert result.exit_code == 0
    [view] = json.loads(result.stdout)
    assert view["questions"] and all(q["text"] is None for q in view["questions"])
    assert "PL418" in result.stderr and not (drafted / "questions.db").exists()  # no empty store created


def test_review_moves_questions_saves_labels_and_is_idempotent(drafted: Path) -> None:
    recs = records(drafted)
    before = entries(drafted)
    one, two = before["sales-faq-1"], before["sales-faq-2"]
    assert len(one.questions) >= 5
    q_drop, q_nc, q_chat, q_entry, q_clause = one.questions[-5:]
    page_before = read_text(drafted / PAGE)
    args = [
        "faq",
        "review",
        "sales-faq-1",
        "--drop",
        q_drop,
        "--not-covered",
        q_nc,
        "--not-a-question",
        q_chat,
        "--move",
        q_entry,
        "--to",
        "sales-faq-2",
        "--by",
        "张敏",
        "--on",
        "2026-11-20",
    ]
    result = run(drafted, *args)
    assert result.exit_code == 0, result.output
    assert (
        "dropped" in result.stdout and "moved to sales-faq-2" in result.stdout and "3 labels written" in result.stdout
    )
    after = entries(drafted)
    kept = [q for q in one.questions if q not in {q_drop, q_nc, q_chat, q_entry}]
    assert after["sales-faq-1"].questions == kept
    assert after["sales-faq-1"].asked == len(kept) and after["sales-faq-1"].askers == askers([recs[q] for q in kept])
    assert after["sales-faq-2"].questions == two.questions + [q_entry]
    assert after["sales-faq-2"].asked == len(two.questions) + 1
    # only option lines changed: answers, titles and every other byte are as the draft wrote them
    diff = [
        ln
        for ln in difflib.ndiff(page_before.splitlines(), read_text(drafted / PAGE).splitlines())
        if ln.startswith(("- ", "+ "))
    ]
    assert diff and all(ln[2:].startswith(":") for ln in diff)
    got = {lb.id: lb for lb in labels(drafted)}
    assert set(got) == {q_nc, q_chat, q_entry}  # a drop is no label
    assert got[q_nc].answer == "not-covered" and got[q_chat].answer == "not-a-question"
    assert got[q_entry].answer == "sales-faq-2" and got[q_entry].text == recs[q_entry].text
    assert got[q_nc].by == "张敏" and str(got[q_nc].on) == "2026-11-20"
    assert got[q_nc].source_id == recs[q_nc].source_id and got[q_nc].asked_at == recs[q_nc].asked_at
    # a second move of the clause-bound question, in the "many values" spelling
    result = run(drafted, "faq", "review", "sales-faq-1", "--move", q_clause, "--to", "sales §4.2", "--by", "张敏")
    assert result.exit_code == 0, result.output
    assert {lb.id: lb.answer for lb in labels(drafted)}[q_clause] == "SALES 4.2"  # stored canonical
    # the same review again changes nothing
    page, lines = read_text(drafted / PAGE), (drafted / LABELS).read_bytes()
    again = run(drafted, *args)
    assert again.exit_code == 0 and "nothing changed" in again.stdout
    assert read_text(drafted / PAGE) == page and (drafted / LABELS).read_bytes() == lines
    assert check_repository(drafted) == []


def test_many_values_after_one_option(drafted: Path) -> None:
    one = entries(drafted)["sales-faq-1"]
    a, b = one.questions[:2]
    result = run(drafted, "faq", "review", "sales-faq-1", "--not-a-question", a, b, "--by", "李雷")
    assert result.exit_code == 0, result.output
    assert entries(drafted)["sales-faq-1"].questions == one.questions[2:]
    assert {lb.id for lb in labels(drafted)} == {a, b}


def test_bad_reviews_write_nothing(drafted: Path) -> None:
    one, two = entries(drafted)["sales-faq-1"], entries(drafted)["sales-faq-2"]
    run(drafted, "faq", "retire", "sales-faq-4")
    page = read_text(drafted / PAGE)
    q = one.questions[0]
    cases = [
        (["sales-faq-1", "--drop", "q0000000000000000000f"], "PL415"),
        (["sales-faq-1", "--not-covered", q, "--drop", two.questions[0]], "PL416"),
        (["sales-faq-1", "--move", q, "--to", "SALES 99.9"], "PL411"),
        (["sales-faq-1", "--move", q, "--to", "sales-faq-77"], "PL412"),
        (["sales-faq-1", "--move", q, "--to", "sales-faq-4"], "PL414"),
        (["sales-faq-1", "--move", q], "PL417"),
        (["sales-faq-1", "--clauses", "SALES 99.9"], "PL402"),
        (["sales-faq-1", "--drop", q, "--not-covered", q], "PL417"),
        (["sales-faq-4", "--drop", q], "PL807"),
        (["sales-faq-1", "--drop", q, "--by", " "], "PL403"),
    ]
    for args, code in cases:
        by = [] if "--by" in args else ["--by", "张敏"]
        result = run(drafted, "faq", "review", *args, *by)
        assert result.exit_code == 1 and code in result.output, (args, result.output)
        assert "hint:" in result.output
        assert read_text(drafted / PAGE) == page and not (drafted / LABELS).exists(), args
    usage = run(drafted, "faq", "review", "sales-faq-1", "--by", "张敏")
    assert usage.exit_code == 2 and "say what to change" in usage.output


def test_new_clauses_send_an_approved_entry_back_to_draft(drafted: Path) -> None:
    one = entries(drafted)["sales-faq-1"]
    assert run(drafted, "faq", "approve", "sales-faq-1", "--by", "张敏").exit_code == 0
    other = next(c.key for c in Catalog.load(drafted).clauses if c.key.startswith("SALES") and c.key not in one.clauses)
    result = run(drafted, "faq", "review", "sales-faq-1", "--clauses", one.clauses[0], other.lower(), "--by", "王芳")
    assert result.exit_code == 0, result.output
    e = entries(drafted)["sales-faq-1"]
    assert e.clauses == [one.clauses[0], other] and e.status == "draft"
    assert not e.reviewed_by and not e.reviewed_on and e.clause_hashes is None
    assert "draft again" in result.stdout and f"does not cite {other}" in result.stdout
    again = run(drafted, "faq", "review", "sales-faq-1", "--clauses", f"{one.clauses[0]}, {other}", "--by", "王芳")
    assert "nothing changed" in again.stdout


def test_approve_labels_the_questions_an_entry_keeps(drafted: Path) -> None:
    recs = records(drafted)
    one = entries(drafted)["sales-faq-1"]
    own = one.questions[0]
    # a reviewer's own answer for one text comes first and is kept by the approval
    assert run(drafted, "faq", "label", own, "--answer", "not-covered", "--by", "李雷").exit_code == 0
    result = run(drafted, "faq", "approve", "sales-faq-1", "--by", "张敏", "--on", "2026-11-20")
    assert result.exit_code == 0, result.output
    got = labels(drafted)
    texts = {text_key(recs[q].text) for q in one.questions}
    assert {text_key(lb.text) for lb in got} == texts  # one label per text
    by_key = {text_key(lb.text): lb for lb in got}
    assert by_key[text_key(recs[own].text)].answer == "not-covered"
    entry_labels = [lb for lb in got if lb.answer == "sales-faq-1"]
    assert len(entry_labels) == len(texts) - 1 and all(
        lb.by == "张敏" and lb.id in one.questions for lb in entry_labels
    )
    before = (drafted / LABELS).read_bytes()
    assert run(drafted, "faq", "approve", "sales-faq-1", "--by", "张敏", "--on", "2026-11-20").exit_code == 0
    assert (drafted / LABELS).read_bytes() == before  # idempotent
    # a question dropped later no longer carries the entry's label
    gone = next(
        q
        for q in one.questions[1:]
        if sum(text_key(recs[x].text) == text_key(recs[q].text) for x in one.questions) == 1
    )
    assert run(drafted, "faq", "review", "sales-faq-1", "--drop", gone, "--by", "张敏").exit_code == 0
    assert gone not in {lb.id for lb in labels(drafted)}
    assert len(labels(drafted)) == len(texts) - 1


def test_approve_without_the_store_warns_and_labels_nothing(drafted: Path) -> None:
    for f in drafted.glob("questions.db*"):
        f.unlink()
    result = run(drafted, "faq", "approve", "sales-faq-2", "--by", "张敏")
    assert result.exit_code == 0 and "PL418" in result.stderr and "approved" in result.stdout
    assert not (drafted / LABELS).exists()


def test_label_command_texts_ids_and_answers(drafted: Path) -> None:
    recs = records(drafted)
    qid = entries(drafted)["sales-faq-3"].questions[0]
    result = run(
        drafted,
        "faq",
        "label",
        "年终奖什么时候发？我的电话13912345678",
        qid,
        "--answer",
        "sales §4.2",
        "--answer",
        "SALES 4.3",
        "--by",
        " 张敏 ",
        "--on",
        "2026-03-31",
    )
    assert result.exit_code == 0, result.output
    typed, stored = labels(drafted)
    assert "13912345678" not in typed.text and "[电话]" in typed.text and typed.id is None  # scrubbed
    assert stored.text == recs[qid].text and stored.id == qid and stored.source_id == recs[qid].source_id
    assert typed.answer == ["SALES 4.2", "SALES 4.3"] and typed.by == "张敏" and str(typed.on) == "2026-03-31"
    again = run(drafted, "faq", "label", qid, "--answer", "SALES-FAQ-3", "--by", "张敏")
    assert again.exit_code == 0 and "1 earlier answer replaced" in again.stderr
    assert [lb.answer for lb in labels(drafted)] == [["SALES 4.2", "SALES 4.3"], "sales-faq-3"]
    assert run(drafted, "faq", "label", "收到", "--answer", "Not a question", "--by", "a").exit_code == 0
    assert labels(drafted)[-1].answer == "not-a-question"
    before = (drafted / LABELS).read_bytes()
    for answer, code in [
        ("SALES 99.9", "PL411"),
        ("sales-faq-33", "PL412"),
        ("SALES 4.2, sales-faq-3", "PL417"),
        ("not-covered, SALES 4.2", "PL417"),
        ("NOPE 1", "PL411"),
        ("SALES@2.0 4.2", "PL411"),
    ]:
        bad = run(drafted, "faq", "label", "返利怎么算", "--answer", answer, "--by", "张敏")
        assert bad.exit_code == 1 and code in bad.output and "hint:" in bad.output, (answer, bad.output)
    near = run(drafted, "faq", "label", "返利怎么算", "--answer", "sales-faq-33", "--by", "张敏")
    assert "did you mean sales-faq-3" in near.output
    unknown = run(drafted, "faq", "label", "q0001", "--answer", "SALES 4.2", "--by", "张敏")
    assert unknown.exit_code == 1 and "PL415" in unknown.output
    assert (drafted / LABELS).read_bytes() == before


def test_check_reports_every_label_problem_and_keeps_good_lines(drafted: Path) -> None:
    run(drafted, "faq", "retire", "sales-faq-4")
    rows = [
        {"text": "返利什么时候到账？", "answer": "SALES 4.2", "by": "a", "on": "2026-01-01"},  # 1 good
        "{not json",  # 2 PL410
        {"text": "x1", "answer": "SALES 99.9", "by": "a", "on": "2026-01-01"},  # 3 PL411
        {"text": "x2", "answer": "sales-faq-77", "by": "a", "on": "2026-01-01"},  # 4 PL412
        {"text": "返利什么时候到账", "answer": "SALES 4.3", "by": "b", "on": "2026-02-01"},  # 5 PL413
        {"text": "x3", "answer": "sales-faq-4", "by": "a", "on": "2026-01-01"},  # 6 PL414 warning
        {"text": "x4", "answer": ["sales 4.2", "SALES 4.3"], "by": "a", "on": "2026-01-01"},  # 7 good
        {"text": "返利什么时候到账!", "answer": "sales 4.2", "by": "c", "on": "2026-03-01"},  # 8 agrees with 1
    ]
    (drafted / LABELS).write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    catalog = Catalog.load(drafted)
    good, problems = check_labels(catalog)
    assert [lb.line for lb in good] == [1, 6, 7, 8]
    assert [(p.code, p.line) for p in problems] == [
        (Code.LABEL_SYNTAX, 2),
        (Code.LABEL_UNKNOWN_CLAUSE, 3),
        (Code.LABEL_UNKNOWN_ENTRY, 4),
        (Code.LABEL_CONFLICT, 5),
        (Code.LABEL_RETIRED_ENTRY, 6),
    ]
    assert "line 1" in problems[3].message and all(p.file == LABELS for p in problems)
    result = run(drafted, "check")
    assert result.exit_code == 1
    for n, code in [(2, "PL410"), (3, "PL411"), (4, "PL412"), (5, "PL413"), (6, "PL414")]:
        assert f"{LABELS}:{n}: " in result.output and code in result.output


def test_check_flags_a_question_in_two_entries(drafted: Path) -> None:
    e = entries(drafted)
    source = read_text(drafted / PAGE)
    line = f":questions: {', '.join(e['sales-faq-2'].questions)}"
    stolen = e["sales-faq-1"].questions[0]
    (drafted / PAGE).write_text(source.replace(line, f"{line}, {stolen}"), encoding="utf-8")
    problems = [p for p in check_repository(drafted) if p.code == Code.FAQ_QUESTION_TWICE]
    assert len(problems) == 1 and stolen in problems[0].message and "sales-faq-1" in problems[0].message
    assert problems[0].line == entries(drafted)["sales-faq-2"].option_line("questions")


def test_label_file_survives_a_copy_without_store(drafted: Path, tmp_path: Path) -> None:
    """A reviewer's clone has the committed page and labels but no questions.db: show and check
    still work, and a review that needs question texts says why it cannot."""
    one = entries(drafted)["sales-faq-1"]
    assert (
        run(drafted, "faq", "review", "sales-faq-1", "--not-covered", one.questions[0], "--by", "张敏").exit_code == 0
    )
    clone = tmp_path / "clone"
    shutil.copytree(drafted, clone, ignore=shutil.ignore_patterns("questions.db*", ".policy-cache"))
    view = json.loads(run(clone, "faq", "show", "sales-faq-1", "--json").stdout)[0]
    assert all(q["text"] is None for q in view["questions"])
    labeled = run(clone, "faq", "label", one.questions[0], "--answer", "SALES 4.2", "--by", "王芳")
    assert labeled.exit_code == 0, labeled.output  # its text comes from its earlier label
    blocked = run(clone, "faq", "review", "sales-faq-1", "--not-covered", one.questions[1], "--by", "王芳")
    assert blocked.exit_code == 1 and "PL415" in blocked.output and "text" in blocked.output
    dropped = run(clone, "faq", "review", "sales-faq-1", "--drop", one.questions[1], "--by", "王芳")
    assert dropped.exit_code == 0 and one.questions[1] not in entries(clone)["sales-faq-1"].questions
