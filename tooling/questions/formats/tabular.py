"""Spreadsheets: CSV/TSV (any delimiter, detected encoding) and Excel .xlsx. The question column
is found by its header (text, question, 内容, 问题, …) or named with ``--text-column``."""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path

from ...errors import Code
from ..models import RawQuestion, Rejection
from .common import (
    MAX_LINE_CHARS,
    TOO_LONG,
    Item,
    ReadOptions,
    bounded_lines,
    file_error,
    file_time,
    guarded,
    open_text,
    parse_time,
    too_long,
    undecodable,
)

# Header names per field, best first (compared after NFKC + casefold + stripping).
COLUMNS: dict[str, list[str]] = {
    "text": [
        "text",
        "question",
        "questions",
        "question text",
        "content",
        "message",
        "message text",
        "body",
        "query",
        "msg",
        "问题",
        "内容",
        "提问",
        "问题内容",
        "提问内容",
        "咨询内容",
        "问题描述",
        "留言",
        "消息",
        "消息内容",
        "聊天内容",
        "发言内容",
        "正文",
        "文本",
        "咨询问题",
    ],
    "id": [
        "id",
        "message_id",
        "message id",
        "msg_id",
        "msgid",
        "question_id",
        "编号",
        "序号",
        "问题编号",
        "工单号",
        "消息id",
        "消息编号",
    ],
    "time": [
        "asked_at",
        "time",
        "timestamp",
        "datetime",
        "date",
        "date/time",
        "created",
        "created_at",
        "submitted",
        "submitted_at",
        "sent",
        "sent_at",
        "send time",
        "send_time",
        "提问时间",
        "时间",
        "日期",
        "提交时间",
        "创建时间",
        "咨询时间",
        "发送时间",
        "消息时间",
        "发言时间",
        "记录时间",
        "日期时间",
    ],
    "asker": [
        "asker",
        "user",
        "sender",
        "from",
        "name",
        "email",
        "author",
        "提问人",
        "姓名",
        "发送人",
        "发送者",
        "发言人",
        "发件人",
        "昵称",
        "提交人",
        "用户",
        "用户名",
        "咨询人",
        "联系人",
    ],
    "channel": ["channel", "source", "渠道", "来源"],
    "policy": ["policy", "policy_id", "制度", "政策"],
}
# Headers are compared without what is in brackets or marks a required field ("问题描述（必填）",
# "发送时间(北京时间)", "*内容"). When no header names a time, one that holds one of these words is
# the time column ("最后发送时间").
LOOSE_TIME = ("时间", "日期", "time", "date")
_DECORATION = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]|[*:：]")
DELIMITERS = [",", "\t", ";", "|"]


def _key(name: object) -> str:
    text = unicodedata.normalize("NFKC", str(name or "")).strip().casefold()
    return _DECORATION.sub("", text).strip() or text


def map_columns(
    header: Sequence[object], path: Path, line: int, named: dict[str, str | None] | None = None
) -> dict[str, int]:
    """Field -> column index, by header name (``named``: columns the user named, e.g.
    ``{"text": "消息内容", "time": "发送时间"}``, which must exist). The text column must exist."""
    keys = [_key(h) for h in header]
    named = {f: n for f, n in (named or {}).items() if n}
    found: dict[str, int] = {}
    for field, wanted in named.items():
        if _key(wanted) not in keys:
            shown = ", ".join(str(h) for h in header if h is not None) or "(empty)"
            raise file_error(
                path, f"no column named {wanted!r} (--{field}-column) in the header: {shown}", Code.INPUT_COLUMN, line
            )
        found[field] = keys.index(_key(wanted))
    for field, names in COLUMNS.items():
        if field in found:
            continue
        taken = set(found.values())
        exact = next((keys.index(n) for n in names if n in keys and keys.index(n) not in taken), None)
        if exact is None and field == "time":
            exact = next((i for i, k in enumerate(keys) if i not in taken and any(w in k for w in LOOSE_TIME)), None)
        if exact is not None:
            found[field] = exact
    if "text" not in found:
        shown = ", ".join(str(h) for h in header if h is not None) or "(empty)"
        raise file_error(
            path,
            f"no question column (text, question, 内容, 问题, 消息内容…) in the header: {shown}",
            Code.INPUT_COLUMN,
            line,
        )
    return found


def _cell(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.strip() if isinstance(value, str) else value


def row_item(
    path: Path,
    line: int,
    header: Sequence[object],
    row: Sequence[object],
    cols: dict[str, int],
    opts: ReadOptions,
    fallback_time: dt.datetime,
) -> Item:
    """One spreadsheet row -> RawQuestion, or a Rejection saying what is wrong with it."""
    values = [_cell(v) for v in row]

    def get(field: str) -> object:
        index = cols.get(field)
        return values[index] if index is not None and index < len(values) else None

    text = get("text")
    if any(isinstance(v, str) and undecodable(v) for v in values):
        return Rejection(
            file=str(path),
            line=line,
            reason="bytes that are not valid in the file's encoding",
            code=Code.INPUT_ENCODING,
        )
    if not text or not str(text).strip():
        return Rejection(file=str(path), line=line, reason="no question text", code=Code.QUESTION_EMPTY)
    when = get("time")
    try:
        asked_at = parse_time(when, opts.timezone) if when not in (None, "") else fallback_time
    except ValueError as exc:
        return Rejection(file=str(path), line=line, reason=str(exc), code=Code.QUESTION_TIME)
    used = set(cols.values())
    metadata = {
        str(header[i]): v if isinstance(v, (str, int, float, bool)) else str(v)
        for i, v in enumerate(values)
        if i not in used and i < len(header) and v not in (None, "")
    }
    if when in (None, ""):
        metadata["time_source"] = "file"
    source_id = get("id")
    return RawQuestion(
        text=str(text),
        line=line,
        source_id=str(source_id) if source_id not in (None, "") else None,
        asked_at=asked_at,
        channel=str(get("channel") or "") or None,
        asker=str(get("asker") or "") or None,
        policy=str(get("policy") or "") or None,
        metadata=metadata,
    )


def read_csv(path: Path, opts: ReadOptions) -> Iterator[Item]:
    """CSV or TSV with a header row; delimiter from the header line, encoding detected. Lines over
    ``MAX_LINE_CHARS`` are never held in memory; a bad row rejects that row only."""
    csv.field_size_limit(4 * MAX_LINE_CHARS)  # a quoted field spanning many lines
    fallback = file_time(path, opts.timezone)
    with open_text(path, opts) as handle:
        lines = bounded_lines(handle)
        first, header_line = next(lines, ""), 1
        while first and not first.strip():
            first, header_line = next(lines, ""), header_line + 1
        if not first:
            return
        counts = {d: first.count(d) for d in DELIMITERS}
        delimiter = (
            max(DELIMITERS, key=lambda d: counts[d])
            if any(counts.values())
            else ("\t" if path.suffix.lower() in (".tsv", ".tab") else ",")
        )
        header = next(csv.reader([first], delimiter=delimiter))
        cols = map_columns(header, path, header_line, opts.columns())
        reader = csv.reader(lines, delimiter=delimiter)
        start = header_line + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a field over the limit: that row only
                yield Rejection(
                    file=str(path),
                    line=start,
                    reason=f"not a CSV row: {exc}",
                    code=Code.QUESTION_TOO_LONG if "field larger" in str(exc) else Code.INPUT_RECORD,
                )
            else:
                if any(TOO_LONG in cell for cell in row):
                    yield too_long(path, start)
                elif any(cell.strip() for cell in row):
                    yield guarded(path, start, lambda: row_item(path, start, header, row, cols, opts, fallback))
            start = header_line + reader.line_num + 1


def read_xlsx(path: Path, opts: ReadOptions) -> Iterator[Item]:
    """The first sheet (or ``--sheet``) of an Excel workbook; the header is the first non-empty row."""
    import openpyxl  # on first use: importing the module stays cheap

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile/openpyxl raise many types for a broken workbook
        raise file_error(path, f"not a readable .xlsx workbook: {exc}") from exc
    try:
        if opts.sheet:
            if opts.sheet not in book.sheetnames:
                raise file_error(
                    path, f"no sheet {opts.sheet!r}; sheets: {', '.join(book.sheetnames)}", Code.INPUT_FORMAT
                )
            sheet = book[opts.sheet]
        else:
            sheet = book.worksheets[0]
        fallback = file_time(path, opts.timezone)
        header: Sequence[object] | None = None
        cols: dict[str, int] = {}
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if not any(v not in (None, "") for v in row):
                continue
            if header is None:
                header, cols = row, map_columns(row, path, number, opts.columns())
                continue
            yield guarded(path, number, lambda: row_item(path, number, header, row, cols, opts, fallback))
    finally:
        book.close()
