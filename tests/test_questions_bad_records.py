"""One bad record rejects one record: impossible times, overlong lines and questions, cut chat
exports, NUL bytes, bytes invalid in a declared charset — each is counted and reported with its
line, and everything else is kept. Plus: new stores survive concurrent ingests, and a locked
store says so."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from tooling.errors import Code, PolicyToolError
from tooling.questions.formats.common import MAX_LINE_CHARS
from tooling.questions.ingest import MAX_QUESTION_CHARS, ingest_paths
from tooling.questions.store import QuestionStore

ROOT = Path(__file__).resolve().parents[1]


def stored_texts(root: Path) -> list[str]:
    with QuestionStore(root / "questions.db") as store:
        return [r.text for r in store.iter_records()]


def check_invariant(summary) -> None:
    assert summary.read == summary.stored + summary.duplicates + summary.rejected


def jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows), encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    "bad",
    [
        "1e400",
        '"2026-01-05T10:00:00+25:00"',
        "100000000000000000000",
        "true",
        "0",
        '"99999-01-01"',
        '"2026-13-45"',
        '{"$date": 1}',
        "-1e20",
    ],
)
def test_an_impossible_time_rejects_only_its_record(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"text": "返利什么时候到账？", "asked_at": "2026-01-05T10:00:00+08:00"}\n'
        f'{{"text": "差旅补贴怎么算？", "asked_at": {bad}}}\n'
        '{"text": "发票丢了怎么办？", "asked_at": "2026-01-06"}\n',
        encoding="utf-8",
    )
    later = jsonl(tmp_path / "z-later.jsonl", [{"text": "住宿标准是多少？", "asked_at": "2026-02-01"}])
    summary = ingest_paths(tmp_path, [tmp_path])  # a folder: the later file is read too
    check_invariant(summary)
    assert (summary.stored, summary.rejected) == (3, 1) and summary.errors == []
    assert [(r.code, r.line) for r in summary.rejections] == [(Code.QUESTION_TIME, 2)]
    assert "住宿标准是多少？" in stored_texts(tmp_path) and later.exists()


def test_overlong_lines_are_rejected_unread_and_the_rest_kept(tmp_path: Path) -> None:
    huge = "返利" * (MAX_LINE_CHARS // 2 + 10)  # one line of over a million characters, no newline inside
    inputs = {
        "q.jsonl": json.dumps({"text": huge}, ensure_ascii=False) + "\n" + '{"text": "返利什么时候到账？"}\n',
        "q.csv": f"问题\n{huge}\n差旅补贴怎么算？\n",
        "q.txt": f"{huge}\n发票丢了怎么办？\n",
    }
    for name, text in inputs.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    summary = ingest_paths(tmp_path, [tmp_path / n for n in inputs])
    check_invariant(summary)
    assert summary.errors == []  # detected as UTF-8 though the sample ends mid-character
    assert [(Path(r.file).name, r.code, r.line) for r in summary.rejections] == [
        ("q.jsonl", Code.QUESTION_TOO_LONG, 1),
        ("q.csv", Code.QUESTION_TOO_LONG, 2),
        ("q.txt", Code.QUESTION_TOO_LONG, 1),
    ]
    assert sorted(stored_texts(tmp_path)) == sorted(["返利什么时候到账？", "差旅补贴怎么算？", "发票丢了怎么办？"])


def test_a_question_over_the_documented_maximum_is_rejected(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "q.jsonl",
        [
            {"text": "返利" + "很" * MAX_QUESTION_CHARS + "？"},
            {"text": "返利" + "很" * (MAX_QUESTION_CHARS - 10) + "？"},
        ],
    )
    summary = ingest_paths(tmp_path, [path])
    assert summary.stored == 1 and [(r.code, r.line) for r in summary.rejections] == [(Code.QUESTION_TOO_LONG, 1)]
    assert f"{MAX_QUESTION_CHARS:,}" in summary.rejections[0].reason


def test_a_cut_chat_array_keeps_the_messages_before_the_cut(tmp_path: Path) -> None:
    path = tmp_path / "chat.json"
    path.write_text(
        '[\n {"time": "2026-01-05 10:00", "sender": "a", "text": "返利什么时候到账？"},\n'
        ' {"time": "2026-01-05 10:01", "sender": "b", "text": "差旅补贴怎么算？"},\n',
        encoding="utf-8",
    )
    summary = ingest_paths(tmp_path, [path])
    check_invariant(summary)
    assert summary.stored == 2 and summary.errors == []
    assert [r.code for r in summary.rejections] == [Code.INPUT_RECORD] and "cut" in summary.rejections[0].reason


def test_nul_bytes_and_control_characters_never_reach_the_store(tmp_path: Path) -> None:
    (tmp_path / "q.csv").write_bytes("问题\n返利\x00什么时候\x07到账？\n".encode())
    (tmp_path / "q.jsonl").write_text('{"text": "差旅\\u0000补贴怎么算？"}\n', encoding="utf-8")
    summary = ingest_paths(tmp_path, [tmp_path / "q.csv", tmp_path / "q.jsonl"])
    assert summary.stored == 2
    assert sorted(stored_texts(tmp_path)) == ["差旅补贴怎么算？", "返利什么时候到账？"]


def _mail(body: bytes, charset: str, message_id: str) -> bytes:
    message = EmailMessage()
    message["From"], message["Subject"], message["Message-ID"] = "a@corp.example", "返利", message_id
    message["Date"] = "Mon, 02 Mar 2026 10:15:00 +0800"
    message.set_payload(body)
    message["Content-Type"] = f"text/plain; charset={charset}"
    message["Content-Transfer-Encoding"] = "8bit"
    return message.as_bytes()


def test_bytes_invalid_in_a_declared_charset_reject_that_message(tmp_path: Path) -> None:
    good = _mail("返利什么时候到账？".encode("gbk"), "gbk", "<good@x>")
    bad = _mail("返利".encode("gbk") + b"\xff\xff\xff" + "到账？".encode("gbk"), "gbk", "<bad@x>")
    path = tmp_path / "inbox.mbox"
    path.write_bytes(
        b"From a Mon Mar  2 10:15:00 2026\n" + good + b"\n\nFrom b Mon Mar  2 10:16:00 2026\n" + bad + b"\n"
    )
    summary = ingest_paths(tmp_path, [path])
    check_invariant(summary)
    assert summary.stored == 1 and [r.code for r in summary.rejections] == [Code.INPUT_ENCODING]
    assert "gbk" in summary.rejections[0].reason
    assert not any("\ufffd" in t for t in stored_texts(tmp_path))


def test_replacement_characters_already_in_a_file_are_mojibake_not_questions(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "q.jsonl", [{"text": "返利什么时候\ufffd\ufffd账？"}, {"text": "差旅补贴怎么算？"}])
    summary = ingest_paths(tmp_path, [path])
    assert summary.stored == 1 and [(r.code, r.line) for r in summary.rejections] == [(Code.INPUT_ENCODING, 1)]


def test_six_ingests_at_once_on_a_new_store_all_succeed(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "POLICY_ASKER_KEY": "test-key"}
    for round_ in range(6):
        root = tmp_path / f"r{round_}"
        root.mkdir()
        files = []
        for i in range(6):
            files.append(root / f"q{i}.txt")
            files[-1].write_text(f"返利什么时候到账{i}？\n差旅补贴{i}怎么算？\n", encoding="utf-8")
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "tooling", "questions", "ingest", "--root", str(root), str(f)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for f in files
        ]
        results = [(p.wait(), p.stderr.read()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        assert [code for code, _ in results] == [0] * 6, [err for code, err in results if code]
        assert len(stored_texts(root)) == 12


def test_a_locked_store_says_it_is_locked(tmp_path: Path) -> None:
    path = jsonl(tmp_path / "q.jsonl", [{"text": "返利什么时候到账？"}])
    QuestionStore(tmp_path / "questions.db").close()
    holder = sqlite3.connect(tmp_path / "questions.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another command is writing
    try:
        with pytest.raises(PolicyToolError) as err:
            ingest_paths(tmp_path, [path], store=QuestionStore(tmp_path / "questions.db", timeout=0.2))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert err.value.problems[0].code == Code.QUESTION_STORE_LOCKED
    assert "wait for it to finish" in err.value.problems[0].hint
    assert ingest_paths(tmp_path, [path]).stored == 1  # and once it is free, the same command works
