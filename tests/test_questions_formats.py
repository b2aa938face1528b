"""Every input format, from real files the tests write: encodings, e-mail bodies, Slack exports."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest

from tooling.config import Settings
from tooling.errors import Code
from tooling.questions.formats import detect_format
from tooling.questions.ingest import ingest_paths
from tooling.questions.scrub import pseudonym, public_source_id
from tooling.questions.store import QuestionStore


def stored(root: Path) -> list:
    with QuestionStore(root / "questions.db") as store:
        return list(store.iter_records())


def check_invariant(summary) -> None:
    assert summary.read == summary.stored + summary.duplicates + summary.rejected
    assert summary.rejected == len(summary.rejections)


CSV_ROWS = [
    ("编号", "提问时间", "提问人", "问题", "渠道"),
    ("101", "2026/3/2 9:15", "张伟", "季度返利什么时候到账？联系电话13906172283", "企业微信"),
    ("102", "2026年3月3日 14:00", "李娜", "窜货第一次怎么处罚", "电话"),
    ("103", "not a time", "王强", "价格保护的期限是多久？", "表单"),
    ("104", "2026-03-05 10:00", "赵磊", "", "表单"),
]


def write_csv(path: Path, encoding: str, delimiter: str = ",") -> Path:
    text = "\r\n".join(delimiter.join(row) for row in CSV_ROWS) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_the_encodings_chinese_offices_write(tmp_path, encoding):
    path = write_csv(tmp_path / "questions.csv", encoding)
    summary = ingest_paths(tmp_path, [path])
    check_invariant(summary)
    assert (summary.read, summary.stored, summary.rejected) == (4, 2, 2)
    records = {r.source_id: r for r in stored(tmp_path)}
    assert records["101"].text == "季度返利什么时候到账？联系电话[电话]"
    assert records["101"].channel == "企业微信"
    assert records["101"].asked_at.isoformat() == "2026-03-02T09:15:00+08:00"
    assert records["102"].asked_at.isoformat() == "2026-03-03T14:00:00+08:00"
    assert records["101"].asker.startswith("a-") and "张" not in records["101"].asker
    rejected = {(r.line, r.code) for r in summary.rejections}
    assert rejected == {(4, Code.QUESTION_TIME), (5, Code.QUESTION_EMPTY)}


def test_tsv_and_semicolon_delimiters_and_named_text_column(tmp_path):
    tsv = write_csv(tmp_path / "a.tsv", "utf-8", "\t")
    semi = tmp_path / "b.csv"
    semi.write_text("when;who;Frage\n2026-04-01 10:00;anna;Is the hotel cap per night?\n", encoding="utf-8")
    summary = ingest_paths(tmp_path, [tsv])
    assert summary.stored == 2
    summary = ingest_paths(tmp_path, [semi], text_column="Frage")
    assert summary.stored == 1 and stored(tmp_path)[-1].text == "Is the hotel cap per night?"


def test_missing_question_column_is_a_file_error_with_a_hint(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    summary = ingest_paths(tmp_path, [path])
    assert summary.read == 0 and [e.code for e in summary.errors] == [Code.INPUT_COLUMN]


def test_an_encoding_that_is_neither_utf8_nor_gbk_is_not_guessed(tmp_path):
    path = tmp_path / "sjis.csv"
    path.write_bytes("質問\n出張の日当はいくらですか？ホテルの上限は？\n".encode("shift_jis"))
    summary = ingest_paths(tmp_path, [path])
    assert [e.code for e in summary.errors] == [Code.INPUT_ENCODING] and summary.read == 0
    summary = ingest_paths(tmp_path, [path], encoding="shift_jis", text_column="質問")
    assert summary.stored == 1 and stored(tmp_path)[0].text == "出張の日当はいくらですか？ホテルの上限は？"


def test_bytes_outside_the_encoding_reject_only_their_row(tmp_path):
    path = tmp_path / "mixed.csv"
    good = "问题\n季度返利什么时候到账？\n".encode()
    path.write_bytes(good + b"bad \xff\xfe row\n" + "窜货怎么处罚？\n".encode())
    summary = ingest_paths(tmp_path, [path], encoding="utf-8")
    check_invariant(summary)
    assert summary.stored == 2 and [(r.line, r.code) for r in summary.rejections] == [(3, Code.INPUT_ENCODING)]


def test_xlsx_first_sheet_or_named_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["这一页不是问题"])
    sheet = book.create_sheet("问题")
    sheet.append(["序号", "时间", "问题"])
    sheet.append([1, "2026-02-01 09:00", "退货运费谁承担？"])
    sheet.append([2, None, "发票抬头写错了怎么办"])
    path = tmp_path / "q.xlsx"
    book.save(path)
    assert [e.code for e in ingest_paths(tmp_path, [path]).errors] == [Code.INPUT_COLUMN]
    summary = ingest_paths(tmp_path, [path], sheet="问题")
    assert summary.stored == 2
    records = {r.source_id: r for r in stored(tmp_path)}
    assert records["1"].asked_at.isoformat() == "2026-02-01T09:00:00+08:00"
    assert records["2"].metadata["time_source"] == "file"


def test_jsonl_in_the_dev_shape_keeps_ids_and_extra_keys_and_survives_bad_lines(tmp_path, dev_dir):
    lines = (dev_dir / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:20]
    lines.insert(5, '{"id": "broken", "text": ')
    lines.insert(9, '["not", "an", "object"]')
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = ingest_paths(tmp_path, [path])
    check_invariant(summary)
    assert (summary.read, summary.stored, summary.rejected) == (22, 20, 2)
    assert [r.line for r in summary.rejections] == [6, 10]
    first = json.loads(lines[0])
    record = next(r for r in stored(tmp_path) if r.source_id == first["id"])
    # askers are always pseudonymised, however id-like they look (a login can be a name)
    assert record.asker == pseudonym(first["asker"], Settings().asker_key) and record.channel == first["channel"]
    assert record.metadata == {"intent": first["intent"], "clauses": first["clauses"]}
    assert "@" not in record.text


def mail(
    subject: str,
    body: str | None = None,
    html: str | None = None,
    sender: str = "Lisa Chen <lisa@corp.example>",
    message_id: str = "<m1@corp.example>",
    date: str = "Mon, 02 Mar 2026 10:15:00 +0800",
) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "policy@corp.example", subject
    message["Date"], message["Message-ID"] = date, message_id
    if body is not None:
        message.set_content(body)
    if html is not None:
        if body is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return message


REPLY = """Hi team,

Does the hotel cap for Tier 1 cities apply per night including breakfast?

Thanks,
Lisa

--
Lisa Chen | Sales Ops | +1 415 555 0132

On Mon, Mar 2, 2026 at 9:00 AM Finance <finance@corp.example> wrote:
> The caps are in section 5.
> Regards
"""
REPLY_ZH = """王经理好，请问二季度返利什么时候入账？客户在催。

谢谢
华东区 刘洋

-----原始邮件-----
发件人: 市场部 <market@corp.example>
主题: 返利

返利按季度结算。
"""


def test_mbox_keeps_subject_and_new_text_only(tmp_path):
    path = tmp_path / "inbox.mbox"
    messages = [
        mail("Hotel cap question", REPLY, message_id="<a@x>"),
        mail("回复: 返利入账", REPLY_ZH, sender="刘洋 <liuyang@corp.example>", message_id="<b@x>"),
        mail(
            "Fwd: per diem",
            "Can you answer this one?\n\n---------- Forwarded message ---------\n"
            "From: A <a@b.example>\nSubject: per diem\n\nWhat is the per diem in Paris?\n",
            message_id="<c@x>",
        ),
    ]
    with open(path, "wb") as handle:
        for m in messages:
            handle.write(
                b"From MAILER-DAEMON Mon Mar  2 10:15:00 2026\n" + m.as_bytes().replace(b"\r\n", b"\n") + b"\n"
            )
    assert detect_format(path) == "mbox"
    summary = ingest_paths(tmp_path, [path])
    check_invariant(summary)
    assert summary.stored == 3
    # Message-IDs hold addresses: stored and exported as keyed hashes, the same on every re-ingest
    records = {
        mid: next(r for r in stored(tmp_path) if r.source_id == public_source_id(mid, Settings().asker_key))
        for mid in ("<a@x>", "<b@x>", "<c@x>")
    }
    assert not any("@" in (r.source_id or "") + r.source for r in stored(tmp_path))
    en = records["<a@x>"].text
    assert en == "Hotel cap question\nDoes the hotel cap for Tier 1 cities apply per night including breakfast?"
    assert "wrote" not in en and "section 5" not in en and "Sales Ops" not in en and "[phone]" not in en
    zh = records["<b@x>"].text
    assert zh == "返利入账\n王经理好，请问二季度返利什么时候入账？客户在催。"
    assert records["<c@x>"].text == "per diem\nCan you answer this one?"
    assert records["<a@x>"].channel == "email" and records["<a@x>"].asked_at.isoformat() == "2026-03-02T10:15:00+08:00"
    # The mailbox line of each message is its source.
    assert records["<a@x>"].source.endswith(f"inbox.mbox:1#{records['<a@x>'].source_id}")


def test_html_only_eml_is_converted_to_text(tmp_path):
    html = (
        "<html><body><p>您好，</p><p>请问<b>电汇</b>付款的账期是<i>30天</i>还是60天？</p>"
        "<div>电话：0571-87654321</div><blockquote>之前的邮件内容</blockquote></body></html>"
    )
    path = tmp_path / "q.eml"
    path.write_bytes(mail("账期", html=html).as_bytes())
    assert detect_format(path) == "eml"
    summary = ingest_paths(tmp_path, [path])
    assert summary.stored == 1
    text = stored(tmp_path)[0].text
    assert "<" not in text and "*" not in text and "之前的邮件内容" not in text  # quote removed, no markup
    # The greeting and the trailing contact line go with the courtesy text.
    assert text == "账期\n请问电汇付款的账期是30天还是60天？"


SLACK_DAY = [
    {
        "type": "message",
        "user": "U01ANNA",
        "text": "Does anyone know the per diem for Shanghai?",
        "ts": "1772420100.000100",
        "user_profile": {"real_name": "Anna Schmidt"},
    },
    {"type": "message", "user": "U02BEN", "text": "thanks, got it", "ts": "1772420200.000200"},
    {
        "type": "message",
        "subtype": "channel_join",
        "user": "U03CAT",
        "text": "<@U03CAT> has joined the channel",
        "ts": "1772420300.000300",
    },
    {
        "type": "message",
        "user": "U01ANNA",
        "text": "<@U02BEN> is the hotel cap &amp; breakfast one limit? mail me at "
        "<mailto:anna@corp.example|anna@corp.example>",
        "ts": "1772420400.000400",
        "thread_ts": "1772420100.000100",
    },
]


def write_slack(folder: Path) -> Path:
    (folder / "travel").mkdir(parents=True)
    (folder / "users.json").write_text(json.dumps([{"id": "U01ANNA", "real_name": "Anna Schmidt"}]), encoding="utf-8")
    (folder / "channels.json").write_text(json.dumps([{"name": "travel"}]), encoding="utf-8")
    (folder / "travel" / "2026-03-02.json").write_text(json.dumps(SLACK_DAY, indent=4), encoding="utf-8")
    (folder / "travel" / "2026-03-03.json").write_text(
        '[\n  {"type": "message", "ts": "1772500000.1", "text": "ok?"', encoding="utf-8"
    )
    return folder


def test_slack_export_keeps_questions_with_their_ts(tmp_path):
    folder = write_slack(tmp_path / "export")
    assert detect_format(folder) == "slack"
    summary = ingest_paths(tmp_path, [folder])
    check_invariant(summary)
    assert (summary.read, summary.stored, summary.rejected) == (5, 2, 3)
    codes = sorted(r.code.value for r in summary.rejections)
    assert codes == [Code.INPUT_RECORD.value, Code.QUESTION_NOT_ASKING.value, Code.QUESTION_NOT_ASKING.value]
    records = {r.source_id: r for r in stored(tmp_path)}
    reply = records["1772420400.000400"]
    assert reply.text == "@user is the hotel cap & breakfast one limit? mail me at [email]"
    assert reply.metadata == {"slack_channel": "travel", "thread_ts": "1772420100.000100"}
    assert reply.asker == records["1772420100.000100"].asker != "U01ANNA"
    assert ingest_paths(tmp_path, [folder], keep_all=True).stored == 1  # "thanks, got it"


def test_generic_chat_json_array_and_lines(tmp_path):
    messages = [
        {"time": "2026-03-04 09:00:00", "sender": "王芳", "text": "好的收到"},
        {"time": "2026-03-04 09:01:00", "sender": "王芳", "text": "那第二次窜货罚多少钱"},
        {"time": "2026-03-04 09:02:00", "sender": "李雷", "text": "请问住宿标准上海是多少？"},
    ]
    array = tmp_path / "wecom.json"
    array.write_text(json.dumps(messages, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = tmp_path / "dingtalk.jsonl"
    lines.write_text("\n".join(json.dumps(m, ensure_ascii=False) for m in messages), encoding="utf-8")
    assert detect_format(array) == detect_format(lines) == "chat"
    summary = ingest_paths(tmp_path, [array], channel="wecom")
    assert (summary.stored, summary.rejected) == (2, 1)
    assert summary.rejections[0].line == 2 and summary.rejections[0].code == Code.QUESTION_NOT_ASKING
    again = ingest_paths(tmp_path, [lines], channel="wecom")  # the same messages, other export shape
    assert (again.stored, again.duplicates, again.rejected) == (0, 2, 1)
    assert {r.channel for r in stored(tmp_path)} == {"wecom"}


def test_plain_text_one_question_per_line(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("季度返利怎么算？\n\n  Hotel cap in Beijing?  \n季度返利怎么算？\n", encoding="utf-8")
    summary = ingest_paths(tmp_path, [path], policy="sales")
    check_invariant(summary)
    assert (summary.read, summary.stored, summary.duplicates) == (3, 2, 1)
    assert {r.policy_hint for r in stored(tmp_path)} == {"SALES"}
    assert [r.line for r in summary.rejections] == []
