"""faq/labels.jsonl: reading (every good line kept, broken ones reported with their line), the
kinds of answer, and appending without duplicates or touching existing lines."""

from __future__ import annotations

import json
from pathlib import Path

from tooling.config import Settings
from tooling.errors import Code
from tooling.questions.labels import Label, append_labels, labels_path, read_labels, text_key


def _write(root: Path, lines: list[str]) -> Path:
    path = labels_path(root, Settings())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_kinds_and_canonical_keys(tmp_path: Path) -> None:
    _write(
        tmp_path,
        [
            json.dumps(
                {"text": "返利什么时候到账？", "answer": "sales §4.3", "by": "张敏", "on": "2026-03-31"},
                ensure_ascii=False,
            ),
            json.dumps(
                {
                    "text": "Hotel cap in Shanghai?",
                    "answer": ["TRAVEL 6.1", "TRAVEL 1.2"],
                    "by": "Lee",
                    "on": "2026-04-01",
                }
            ),
            json.dumps(
                {"text": "返利规则在哪看", "answer": "sales-faq-3", "by": "张敏", "on": "2026-04-02"},
                ensure_ascii=False,
            ),
            json.dumps(
                {"text": "年终奖几号发", "answer": "not-covered", "by": "张敏", "on": "2026-04-02"}, ensure_ascii=False
            ),
            json.dumps(
                {"text": "收到", "answer": "not-a-question", "by": "张敏", "on": "2026-04-02"}, ensure_ascii=False
            ),
        ],
    )
    labels, problems = read_labels(tmp_path, Settings())
    assert problems == []
    assert [label.kind for label in labels] == ["clauses", "clauses", "entry", "not-covered", "not-a-question"]
    assert labels[0].keys == ["SALES 4.3"] and labels[1].keys == ["TRAVEL 6.1", "TRAVEL 1.2"]
    assert labels[2].entry == "sales-faq-3" and labels[2].keys == []
    assert [label.line for label in labels] == [1, 2, 3, 4, 5]


def test_broken_lines_are_reported_and_good_ones_kept(tmp_path: Path) -> None:
    good = json.dumps(
        {"text": "返利什么时候到账？", "answer": "SALES 4.3", "by": "张敏", "on": "2026-03-31"}, ensure_ascii=False
    )
    _write(
        tmp_path,
        [
            good,
            "{not json",
            json.dumps({"text": "x", "answer": "SALES 4.3", "by": "张敏"}),  # no date
            json.dumps({"text": "x", "answer": ["SALES 4.3", "not-covered"], "by": "a", "on": "2026-01-01"}),
            json.dumps({"text": " ", "answer": "SALES 4.3", "by": "a", "on": "2026-01-01"}),
            json.dumps({"text": "x", "answer": "SALES 4.3", "by": "a", "on": "2026-01-01", "colour": "red"}),
            "[1, 2]",
            good,
        ],
    )
    labels, problems = read_labels(tmp_path, Settings())
    assert [label.line for label in labels] == [1, 8]
    assert [(p.code, p.line) for p in problems] == [(Code.LABEL_SYNTAX, n) for n in range(2, 8)]
    assert all(p.file == "faq/labels.jsonl" for p in problems)


def test_append_skips_what_is_there_and_keeps_existing_bytes(tmp_path: Path) -> None:
    path = _write(tmp_path, ['{"text": "返利什么时候到账？", "answer": "SALES 4.3", "by": "张敏", "on": "2026-03-31"}'])
    before = path.read_bytes()
    same = Label(text="返利什么时候到账", answer="sales 4.3", by="李雷", on="2026-05-01")  # same question, same answer
    other = Label(text="返利什么时候到账？", answer="SALES 4.2", by="李雷", on="2026-05-01")  # a different answer
    assert append_labels(tmp_path, Settings(), [same, other, other]) == 1
    after = path.read_bytes()
    assert after.startswith(before)
    labels, _ = read_labels(tmp_path, Settings())
    assert [label.keys for label in labels] == [["SALES 4.3"], ["SALES 4.2"]]
    assert text_key("返利什麼時候到賬？") == text_key("返利什么时候到账")


def test_write_labels_one_answer_per_text_broken_lines_kept(tmp_path: Path) -> None:
    from tooling.questions.labels import write_labels

    path = _write(
        tmp_path,
        [
            '{"text": "返利什么时候到账？", "answer": "SALES 4.3", "by": "张敏", "on": "2026-03-31"}',
            "{broken, the author's to fix",
            '{"text": "收到", "answer": "not-a-question", "by": "张敏", "on": "2026-03-31"}',
            '{"text": "Hotel cap?", "answer": "TRAVEL 6.1", "by": "Lee", "on": "2026-03-31"}',
        ],
    )
    newer = Label(text="返利什么时候到账", answer="SALES 4.2", by="李雷", on="2026-05-01")
    change = write_labels(tmp_path, Settings(), [newer], remove=lambda lb: lb.kind == "not-a-question")
    assert [lb.line for lb in change.replaced] == [1] and [lb.line for lb in change.removed] == [3]
    lines = path.read_text("utf-8").splitlines()
    assert lines[0] == "{broken, the author's to fix" and "TRAVEL 6.1" in lines[1] and "SALES 4.2" in lines[2]
    assert len(lines) == 3 and "replaced (line 1: SALES 4.3)" in change.summary()
    before = path.read_bytes()
    assert not write_labels(tmp_path, Settings(), [newer]).changed and path.read_bytes() == before  # idempotent
    # replace=False (approval): a text that has its own answer keeps it
    group = Label(text="返利什么时候到账？", answer="sales-faq-3", by="张敏", on="2026-06-01")
    fresh = Label(text="返利到账要多久", answer="sales-faq-3", by="张敏", on="2026-06-01")
    change = write_labels(tmp_path, Settings(), [group, fresh], replace=False)
    assert [lb.text for lb in change.written] == ["返利到账要多久"] and len(change.kept) == 1
    assert path.read_bytes().startswith(before)


def test_resolve_answer_canonical_and_near_names(tmp_path: Path) -> None:
    import pytest

    from tooling.catalog import Catalog
    from tooling.errors import PolicyToolError
    from tooling.faqpage import FaqEntry
    from tooling.questions.labels import resolve_answer

    root = tmp_path / "repo"
    (root / "policies").mkdir(parents=True)
    (root / "policies" / "rebate.md").write_text(
        '---\npolicy: REBATE\ntitle: 渠道返利管理办法\nversion: "1.0"\neffective: 2026-01-01\nowner: 财务部\n---\n\n'
        "# 渠道返利管理办法\n\n## 第一章 总则\n\n**第一条** 目的。\n\n**第十二条** 返利按季度结算。\n\n（一）季度结束后15日内核算；\n",
        encoding="utf-8",
    )
    catalog = Catalog.load(root)
    entries = {
        "rebate-faq-1": FaqEntry(id="rebate-faq-1", question="q", status="draft"),
        "rebate-faq-2": FaqEntry(id="rebate-faq-2", question="q", status="retired", file="faq/r.md", line=3),
    }
    assert resolve_answer(["REBATE 第十二条"], catalog, entries) == "REBATE 12"
    assert resolve_answer(["rebate 第十二条第（一）项, REBATE 1"], catalog, entries) == ["REBATE 12(1)", "REBATE 1"]
    assert resolve_answer(["REBATE-FAQ-1"], catalog, entries) == "rebate-faq-1"
    assert resolve_answer(["Not_Covered"], catalog, entries) == "not-covered"
    for values, code in [
        (["REBATE 13"], Code.LABEL_UNKNOWN_CLAUSE),
        (["rebate-faq-9"], Code.LABEL_UNKNOWN_ENTRY),
        (["rebate-faq-2"], Code.LABEL_RETIRED_ENTRY),
        (["REBATE 1", "rebate-faq-1"], Code.LABEL_BAD_ANSWER),
        ([" "], Code.LABEL_BAD_ANSWER),
    ]:
        with pytest.raises(PolicyToolError) as err:
            resolve_answer(values, catalog, entries)
        assert err.value.problems[0].code == code, values
    with pytest.raises(PolicyToolError) as err:
        resolve_answer(["REBATE 13", "rebate-faq-9"], catalog, entries)
    assert [p.code for p in err.value.problems] == [Code.LABEL_UNKNOWN_CLAUSE, Code.LABEL_UNKNOWN_ENTRY]  # all at once
    assert "did you mean" in err.value.problems[0].message and "REBATE 12" in err.value.problems[0].message
