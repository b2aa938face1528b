"""faq/labels.jsonl: reading (every good line kept, broken ones reported with their line), the
kinds of answer, and appending without duplicates or touching existing lines."""

from __future__ import annotations

import json
from pathlib import Path

from tooling.config import Settings
from tooling.errors import Code
from tooling.faq.labels import Label, append_labels, labels_path, read_labels, text_key


def _write(root: Path, lines: list[str]) -> Path:
    path = labels_path(root, Settings())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_kinds_and_canonical_keys(tmp_path: Path) -> None:
    _write(tmp_path, [
        json.dumps({"text": "返利什么时候到账？", "answer": "sales §4.3", "by": "张敏", "on": "2026-03-31"}, ensure_ascii=False),
        json.dumps({"text": "Hotel cap in Shanghai?", "answer": ["TRAVEL 6.1", "TRAVEL 1.2"], "by": "Lee", "on": "2026-04-01"}),
        json.dumps({"text": "返利规则在哪看", "answer": "sales-faq-3", "by": "张敏", "on": "2026-04-02"}, ensure_ascii=False),
        json.dumps({"text": "年终奖几号发", "answer": "not-covered", "by": "张敏", "on": "2026-04-02"}, ensure_ascii=False),
        json.dumps({"text": "收到", "answer": "not-a-question", "by": "张敏", "on": "2026-04-02"}, ensure_ascii=False),
    ])
    labels, problems = read_labels(tmp_path, Settings())
    assert problems == []
    assert [label.kind for label in labels] == ["clauses", "clauses", "entry", "not-covered", "not-a-question"]
    assert labels[0].keys == ["SALES 4.3"] and labels[1].keys == ["TRAVEL 6.1", "TRAVEL 1.2"]
    assert labels[2].entry == "sales-faq-3" and labels[2].keys == []
    assert [label.line for label in labels] == [1, 2, 3, 4, 5]


def test_broken_lines_are_reported_and_good_ones_kept(tmp_path: Path) -> None:
    good = json.dumps({"text": "返利什么时候到账？", "answer": "SALES 4.3", "by": "张敏", "on": "2026-03-31"},
                      ensure_ascii=False)
    _write(tmp_path, [
        good,
        "{not json",
        json.dumps({"text": "x", "answer": "SALES 4.3", "by": "张敏"}),                       # no date
        json.dumps({"text": "x", "answer": ["SALES 4.3", "not-covered"], "by": "a", "on": "2026-01-01"}),
        json.dumps({"text": " ", "answer": "SALES 4.3", "by": "a", "on": "2026-01-01"}),
        json.dumps({"text": "x", "answer": "SALES 4.3", "by": "a", "on": "2026-01-01", "colour": "red"}),
        "[1, 2]",
        good,
    ])
    labels, problems = read_labels(tmp_path, Settings())
    assert [label.line for label in labels] == [1, 8]
    assert [(p.code, p.line) for p in problems] == [(Code.LABEL_SYNTAX, n) for n in range(2, 8)]
    assert all(p.file == "faq/labels.jsonl" for p in problems)


def test_append_skips_what_is_there_and_keeps_existing_bytes(tmp_path: Path) -> None:
    path = _write(tmp_path, ['{"text": "返利什么时候到账？", "answer": "SALES 4.3", "by": "张敏", "on": "2026-03-31"}'])
    before = path.read_bytes()
    same = Label(text="返利什么时候到账", answer="sales 4.3", by="李雷", on="2026-05-01")       # same question, same answer
    other = Label(text="返利什么时候到账？", answer="SALES 4.2", by="李雷", on="2026-05-01")    # a different answer
    assert append_labels(tmp_path, Settings(), [same, other, other]) == 1
    after = path.read_bytes()
    assert after.startswith(before)
    labels, _ = read_labels(tmp_path, Settings())
    assert [label.keys for label in labels] == [["SALES 4.3"], ["SALES 4.2"]]
    assert text_key("返利什麼時候到賬？") == text_key("返利什么时候到账")
