"""FAQ pages: parsing, appending and in-place edits keep human text byte for byte; check_faq."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tooling.catalog import Catalog
from tooling.cli import cli
from tooling.errors import Code
from tooling.faq.approve import approve, retire
from tooling.faq.checks import check_faq
from tooling.faqpage import FaqEntry, append_entries, parse_page, read_text, set_options

PAGE = """# 2026年度产品销售政策50问

人工写的导语，保留原样。  

```{faq} 返利什么时候结算？
:id: sales-faq-12
:clauses: SALES 4.3
:status: draft
:asked: 37
返利按季度结算，见 {clause}`SALES 4.3`。<!-- reviewer note -->
```

```{faq} 窜货怎么处罚？
:id: sales-faq-13
:clauses: SALES 3.3, SALES 3.2
:status: approved
:reviewed-by: 张敏
:reviewed-on: 2026-11-20
按次数累计处罚，见 {clause}`SALES 3.3`。
```
"""


def test_parse_page_reads_options_answer_and_lines() -> None:
    page = parse_page(PAGE, "faq/sales-policy.md")
    assert page.title == "2026年度产品销售政策50问"
    first, second = page.entries
    assert (first.id, first.question, first.status, first.asked) == ("sales-faq-12", "返利什么时候结算？", "draft", 37)
    assert first.line == 5 and first.option_line("status") == 8
    assert first.answer.startswith("返利按季度结算")
    assert second.clauses == ["SALES 3.3", "SALES 3.2"] and second.reviewed_by == "张敏"


def test_set_options_changes_only_option_lines_and_keeps_crlf(tmp_path: Path) -> None:
    source = PAGE.replace("\n", "\r\n")
    page = parse_page(source, "faq/x.md")
    edited = set_options(source, page.entries[0], {"status": "approved", "reviewed-by": "李雷", "asked": None})
    assert "\n" not in edited.replace("\r\n", "")  # every line still ends in CRLF
    before, after = source.splitlines(keepends=True), edited.splitlines(keepends=True)
    assert after[:5] == before[:5] and after[-9:] == before[-9:]  # the title, intro, second entry untouched
    reparsed = parse_page(edited).entries[0]
    assert (reparsed.status, reparsed.reviewed_by, reparsed.asked) == ("approved", "李雷", None)
    assert reparsed.answer == page.entries[0].answer


def test_append_keeps_existing_bytes(example_repo: Path) -> None:
    catalog = Catalog.load(example_repo)
    policy = catalog.policy("SALES")
    path = example_repo / "faq" / "sales-policy.md"
    path.write_bytes(PAGE.encode("utf-8"))
    entry = FaqEntry(
        id="sales-faq-14", question="特价`谁`审批?", clauses=["SALES 2.3"], answer="见 {clause}`SALES 2.3`。"
    )
    append_entries(path, policy, [entry])
    text = read_text(path)
    assert text.startswith(PAGE)
    added = parse_page(text).entries[-1]
    assert added.id == "sales-faq-14" and added.question == "特价'谁'审批?" and added.status == "draft"


def test_check_faq_reports_each_problem_with_line(example_repo: Path) -> None:
    bad = PAGE.replace(":clauses: SALES 4.3", ":clauses: SALES 4.3, SALES 99.9").replace(
        ":reviewed-by: 张敏\n", ""
    ) + PAGE.split("\n\n", 2)[2].replace(":status: draft", ":status: maybe")
    (example_repo / "faq" / "sales-policy.md").write_text(bad, encoding="utf-8")
    problems = check_faq(Catalog.load(example_repo))
    by_code = {(p.code, p.line) for p in problems}
    assert (Code.FAQ_UNKNOWN_CLAUSE, 7) in by_code
    assert (Code.FAQ_NO_REVIEWER, 16) in by_code
    assert any(p.code == Code.FAQ_ID_DUPLICATE and "sales-faq-12" in p.message for p in problems)
    assert any(p.code == Code.FAQ_BAD_FIELD and "maybe" in p.message for p in problems)
    assert all(p.file == "faq/sales-policy.md" and p.hint for p in problems)
    result = CliRunner().invoke(cli, ["check", "--root", str(example_repo)])
    assert result.exit_code == 1
    assert "faq/sales-policy.md:7: error PL402" in result.output


def test_check_reports_an_unreadable_faq_page_once(example_repo: Path) -> None:
    (example_repo / "faq" / "broken.md").write_bytes(b"\xff\xfe not utf-8")
    result = CliRunner().invoke(cli, ["check", "--root", str(example_repo)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "PL501" in line]
    assert len(lines) == 1 and "broken.md:1" in lines[0], result.output


def test_approve_and_retire_in_place(example_repo: Path) -> None:
    path = example_repo / "faq" / "sales-policy.md"
    path.write_text(PAGE, encoding="utf-8")
    entry = approve(example_repo, "sales-faq-12", "王芳")
    assert entry.status == "approved" and entry.reviewed_by == "王芳"
    assert entry.clause_hashes and entry.clause_hashes.startswith("SALES@3.0 4.3=")
    text = read_text(path)
    assert "<!-- reviewer note -->" in text and text.endswith(PAGE.split("\n\n", 3)[3])
    assert check_faq(Catalog.load(example_repo)) == []
    assert retire(example_repo, "sales-faq-13").status == "retired"
    result = CliRunner().invoke(cli, ["faq", "approve", "sales-faq-13", "--by", "王芳", "--root", str(example_repo)])
    assert result.exit_code == 1 and "PL807" in result.output


def test_approve_refuses_ungrounded_answer(example_repo: Path) -> None:
    path = example_repo / "faq" / "sales-policy.md"
    path.write_text(PAGE.replace("返利按季度结算，", "返利在季度结束后90天内结算，"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["faq", "approve", "sales-faq-12", "--by", "王芳", "--root", str(example_repo)])
    assert result.exit_code == 1 and "PL801" in result.output and "90天" in result.output
    assert parse_page(read_text(path)).entries[0].status == "draft"
    assert approve(example_repo, "sales-faq-12", "王芳", force=True).status == "approved"


def test_stale_command_after_a_clause_changes(example_repo: Path) -> None:
    (example_repo / "faq" / "sales-policy.md").write_text(PAGE, encoding="utf-8")
    approve(example_repo, "sales-faq-12", "王芳")
    runner = CliRunner()
    assert runner.invoke(cli, ["faq", "stale", "--root", str(example_repo)]).exit_code == 0
    policy = example_repo / "policies" / "sales-policy.md"
    text = policy.read_text("utf-8")
    head, rest = text.split("### 4.3", 1)
    title, body = rest.split("\n", 1)
    policy.write_text(f"{head}### 4.3{title}\n\n本条已修订。\n{body}", encoding="utf-8")
    result = runner.invoke(cli, ["faq", "stale", "--root", str(example_repo)])
    assert result.exit_code == 1 and "sales-faq-12" in result.output and "SALES 4.3" in result.output


def test_example_pages_of_this_repository_are_valid() -> None:
    root = Path(__file__).resolve().parents[1]
    catalog = Catalog.load(root)
    assert check_faq(catalog) == []
    pages = [parse_page(read_text(p)) for p in sorted((root / "faq").glob("*.md"))]
    approved = [e for p in pages for e in p.entries if e.status == "approved"]
    assert len(pages) == 3 and len(approved) >= 10
    assert all(e.reviewed_by and e.clause_hashes and e.asked for e in approved)
