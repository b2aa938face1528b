"""What a team's first real export needs: time, text and asker columns found by the names chat
tools use (or named with --time-column / --text-column / --asker-column), a warning when times
come from the file, a way to list and take back an ingest, chatter recognised in every format,
and order/contract ids scrubbed by default without touching what policies say."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tooling.catalog import Catalog
from tooling.cli import cli
from tooling.errors import Code
from tooling.questions.ingest import ingest_paths
from tooling.questions.scrub import scrub
from tooling.questions.store import QuestionStore

from .conftest import DEV, ROOT

CHAT_CSV = (
    "发送时间,发送人,消息内容\n"
    "2026-11-12 09:01:33,张敏,返利什么时候到账？\n"
    "2026-11-12 09:02:10,李雷,收到\n"
    "2026-11-12 09:03:00,王芳,好的谢谢王经理\n"
    "2026-11-12 09:04:00,王芳,[图片]\n"
    "2026-11-12 09:05:00,周杰,@所有人 明天上午开会\n"
    "2026-11-12 09:06:00,周杰,我想了解一下出差补贴标准\n"
)


def records(root: Path) -> list:
    with QuestionStore(root / "questions.db") as store:
        return list(store.iter_records())


def test_a_gbk_chat_export_keeps_its_times_and_drops_its_chatter(tmp_path: Path) -> None:
    path = tmp_path / "群聊.csv"
    path.write_bytes(CHAT_CSV.encode("gbk"))
    summary = ingest_paths(tmp_path, [path])
    assert summary.warnings == [] and summary.errors == []
    kept = {r.text: r for r in records(tmp_path)}
    assert set(kept) == {"返利什么时候到账？", "我想了解一下出差补贴标准"}  # a question needs no "?"
    assert kept["返利什么时候到账？"].asked_at.isoformat() == "2026-11-12T09:01:33+08:00"
    assert kept["返利什么时候到账？"].asker.startswith("a-")
    assert sorted((r.line, r.code, r.reason) for r in summary.rejections) == [
        (3, Code.QUESTION_NOT_ASKING, "not a question: an acknowledgement"),
        (4, Code.QUESTION_NOT_ASKING, "not a question: an acknowledgement"),
        (5, Code.QUESTION_NOT_ASKING, "not a question: a media placeholder"),
        (6, Code.QUESTION_NOT_ASKING, "not a question: an announcement to everyone"),
    ]
    again = ingest_paths(tmp_path, [path], keep_all=True)  # --all keeps every message
    assert again.stored == 4 and again.duplicates == 2


@pytest.mark.parametrize(
    "name, make",
    [
        ("q.jsonl", lambda: '{"text": "收到"}\n{"text": "[图片]"}\n{"text": "返利什么时候到账？"}\n'),
        ("q.txt", lambda: "好的谢谢王经理\n@所有人 明天上午开会\n返利什么时候到账？\n"),
        (
            "chat.json",
            lambda: json.dumps(
                [{"time": "2026-11-12 09:00", "sender": "a", "text": t} for t in ("收到", "👍", "返利什么时候到账？")],
                ensure_ascii=False,
            ),
        ),
    ],
)
def test_chatter_is_recognised_in_every_format(tmp_path: Path, name: str, make) -> None:
    path = tmp_path / name
    path.write_text(make(), encoding="utf-8")
    summary = ingest_paths(tmp_path, [path])
    assert [r.text for r in records(tmp_path)] == ["返利什么时候到账？"]
    assert summary.rejected == 2 and {r.code for r in summary.rejections} == {Code.QUESTION_NOT_ASKING}
    assert all(r.reason.startswith("not a question: ") for r in summary.rejections)


def test_texts_labeled_as_chatter_are_not_stored_again(tmp_path: Path) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "labels.jsonl").write_text(
        json.dumps(
            {"text": "本周周报已发群里", "answer": "not-a-question", "by": "张敏", "on": "2026-11-01"},
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    path = tmp_path / "form.csv"
    path.write_text("问题\n本周周报已发群里！\n返利什么时候到账？\n", encoding="utf-8")
    summary = ingest_paths(tmp_path, [path])
    assert [r.text for r in records(tmp_path)] == ["返利什么时候到账？"]
    assert [r.reason for r in summary.rejections] == ["not a question: labeled not-a-question by 张敏"]


def test_times_from_the_file_are_warned_about_and_columns_can_be_named(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("最后回复,谁问的,问了什么\n2026-11-12 09:01,张敏,返利什么时候到账？\n", encoding="utf-8")
    summary = ingest_paths(tmp_path, [path])
    assert [e.code for e in summary.errors] == [Code.INPUT_COLUMN]  # no question column: named below
    named = ingest_paths(tmp_path, [path], text_column="问了什么")
    assert [w.code for w in named.warnings] == [Code.QUESTION_TIME_FROM_FILE]
    assert "1 record(s)" in named.warnings[0].reason and "modification time" in named.warnings[0].reason
    batch = named.batch
    with QuestionStore(tmp_path / "questions.db") as store:
        assert store.forget(batch) == 1
    fixed = ingest_paths(tmp_path, [path], text_column="问了什么", time_column="最后回复", asker_column="谁问的")
    assert fixed.warnings == [] and fixed.stored == 1
    (record,) = records(tmp_path)
    assert record.asked_at.isoformat() == "2026-11-12T09:01:00+08:00" and record.asker.startswith("a-")
    wrong = ingest_paths(tmp_path, [path], text_column="问了什么", time_column="发送时间")
    assert [e.code for e in wrong.errors] == [Code.INPUT_COLUMN] and "--time-column" in wrong.errors[0].reason


def test_a_loose_time_header_is_found(tmp_path: Path) -> None:
    path = tmp_path / "form.csv"
    path.write_text("问题描述（必填）,提交时间(北京)\n返利什么时候到账？,2026-11-12 09:01\n", encoding="utf-8")
    summary = ingest_paths(tmp_path, [path])
    assert summary.warnings == [] and records(tmp_path)[0].asked_at.isoformat() == "2026-11-12T09:01:00+08:00"


def test_json_keys_can_be_named_too(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"msg_body": "返利什么时候到账？", "when": "2026-11-12T09:01:00+08:00", "who": "zm"}\n', encoding="utf-8"
    )
    summary = ingest_paths(tmp_path, [path], text_column="msg_body", time_column="when", asker_column="who")
    (record,) = records(tmp_path)
    assert summary.warnings == [] and record.asked_at.isoformat() == "2026-11-12T09:01:00+08:00"
    assert record.asker.startswith("a-") and "msg_body" not in record.metadata


def test_batches_lists_ingests_and_forget_takes_one_back(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("返利什么时候到账？\n差旅补贴怎么算？\n", encoding="utf-8")
    second.write_text("发票丢了怎么办？\n", encoding="utf-8")
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(cli, [*args, "--root", str(tmp_path)], input=input, catch_exceptions=False)

    a = json.loads(run("questions", "ingest", str(first), "--json").stdout)["batch"]
    time.sleep(0.01)
    b = json.loads(run("questions", "ingest", str(second), "--json").stdout)["batch"]
    listed = json.loads(run("questions", "batches", "--json").stdout)
    assert [(x["batch"], x["stored"], x["present"]) for x in listed] == [(a, 2, 2), (b, 1, 1)]
    assert a in run("questions", "batches").output
    refused = run("questions", "forget", "--batch", a, input="n\n")
    assert refused.exit_code == 1 and len(records(tmp_path)) == 3  # asked, said no: nothing removed
    done = run("questions", "forget", "--batch", a, "--yes")
    assert done.exit_code == 0 and "2 question(s) removed" in done.output
    assert [r.text for r in records(tmp_path)] == ["发票丢了怎么办？"]
    assert [x["batch"] for x in json.loads(run("questions", "batches", "--json").stdout)] == [b]
    unknown = run("questions", "forget", "--batch", "nope", "--yes")
    assert unknown.exit_code == 1 and "PL513" in unknown.output


@pytest.mark.parametrize(
    "text, expected",
    [
        ("订单XS20261112008的返利什么时候到？", "订单[单号]的返利什么时候到？"),
        ("合同HT-2026-0042能提前解除吗", "合同[单号]能提前解除吗"),
        ("Is ticket INC0012345 about per diem closed?", "Is ticket [ref] about per diem closed?"),
        ("订单号 PO-2026-11-0001 退货运费谁出？", "订单号 [单号] 退货运费谁出？"),
    ],
)
def test_order_contract_and_ticket_ids_are_scrubbed_by_default(text: str, expected: str) -> None:
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "SALES 4.2和REBATE 12.2(1)怎么理解",
        "RO-800和RO-1000G的价格",
        "我是G8",
        "ISO9001认证的供应商",
        "返利RMB1200000什么时候到",
        "2026-11-12提货",
        "Q1-2026返利",
        "TRAVEL 6.1 cap 1,200 per night",
    ],
)
def test_the_id_pattern_leaves_clause_numbers_dates_amounts_and_models_alone(text: str) -> None:
    assert scrub(text) == text


def test_no_clause_of_the_example_or_dev_policies_loses_anything_to_the_id_pattern(tmp_path: Path) -> None:
    folders = [ROOT] + ([DEV] if DEV.is_dir() else [])
    texts = [c.text + "\n" + (c.title or "") for folder in folders for c in Catalog.load(folder).clauses]
    assert len(texts) > 100
    assert [t for t in texts if "[单号]" in scrub(t) or "[ref]" in scrub(t)] == []
