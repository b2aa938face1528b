"""JSON-shaped sources: JSON Lines in the dev-set shape (``id, asked_at, channel, asker, text``,
extra keys kept as metadata), the generic chat export (``[{"time", "sender", "text"}…]`` as a JSON
array or JSON Lines), and plain text with one question per line."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

from ...errors import Code
from ..models import RawQuestion, Rejection
from .common import (
    TOO_LONG,
    Item,
    ReadOptions,
    bounded_lines,
    file_time,
    guarded,
    iter_json_array,
    open_text,
    parse_time,
    too_long,
    undecodable,
)

_FIELDS = {
    "text": ("text", "question", "content", "message", "body", "msg", "消息内容", "内容", "问题"),
    "id": ("id", "msg_id", "message_id", "msgid"),
    "time": (
        "asked_at",
        "time",
        "timestamp",
        "date",
        "created_at",
        "create_time",
        "send_time",
        "sent_at",
        "sent",
        "msg_time",
        "发送时间",
        "时间",
    ),
    "asker": ("asker", "sender", "from", "user", "author", "nickname", "发送人", "发送者"),
    "channel": ("channel",),
    "policy": ("policy_hint", "policy"),
}
_BY_NAME = {name: (field, order) for field, names in _FIELDS.items() for order, name in enumerate(names)}


def _field_of(name: str, named: dict[str, str]) -> tuple[str, int] | None:
    """(field, rank) of a JSON key. A key the user named (``--time-column sent``) wins; the usual
    names of a field the user named are then ordinary metadata."""
    if name in named:
        return named[name], -1
    known = _BY_NAME.get(name)
    return None if known is not None and known[0] in named.values() else known


def record_item(path: Path, line: int, obj: object, opts: ReadOptions, fallback: dt.datetime, chat: bool) -> Item:
    """One JSON object -> RawQuestion, or a Rejection."""
    if not isinstance(obj, dict):
        return Rejection(
            file=str(path),
            line=line,
            reason=f"expected a JSON object, got {type(obj).__name__}",
            code=Code.INPUT_RECORD,
        )
    found: dict[str, object] = {}
    rank: dict[str, int] = {}
    key_of: dict[str, str] = {}  # field -> the key its value came from
    named = {name: field for field, name in opts.columns().items() if name}  # --text-column etc. name keys
    for name, value in obj.items():
        known = _field_of(name, named)
        if known is None or value is None or value == "":
            continue
        field, order = known
        if order < rank.get(field, 99):
            found[field], rank[field], key_of[field] = value, order, name
    used = set(key_of.values())
    text = found.get("text")
    if not isinstance(text, str) or not text.strip():
        return Rejection(file=str(path), line=line, reason="no question text (key 'text')", code=Code.QUESTION_EMPTY)
    metadata = {k: v for k, v in obj.items() if k not in used}
    try:
        asked_at = parse_time(found["time"], opts.timezone) if "time" in found else fallback
    except ValueError as exc:
        return Rejection(file=str(path), line=line, reason=str(exc), code=Code.QUESTION_TIME)
    if "time" not in found:
        metadata["time_source"] = "file"
    asker = found.get("asker")
    asker = str(asker) if asker is not None else None
    return RawQuestion(
        text=text,
        line=line,
        source_id=str(found["id"]) if "id" in found else None,
        asked_at=asked_at,
        channel=str(found["channel"]) if "channel" in found else None,
        asker=asker,
        policy=str(found["policy"]) if "policy" in found else None,
        needs_question=chat,
        metadata=metadata,
    )


def _numbered_lines(path: Path, opts: ReadOptions) -> Iterator[tuple[int, str] | Rejection]:
    """Non-blank lines with their numbers; a line the encoding cannot decode is a Rejection."""
    with open_text(path, opts) as handle:
        for number, line in enumerate(bounded_lines(handle), start=1):
            if not line.strip():
                continue
            if line.startswith(TOO_LONG):
                yield too_long(path, number)
                continue
            if undecodable(line):
                yield Rejection(
                    file=str(path),
                    line=number,
                    reason="bytes that are not valid in the file's encoding",
                    code=Code.INPUT_ENCODING,
                )
                continue
            yield number, line


def _lines(path: Path, opts: ReadOptions, chat: bool) -> Iterator[Item]:
    fallback = file_time(path, opts.timezone)
    loads = json.loads
    for item in _numbered_lines(path, opts):
        if isinstance(item, Rejection):
            yield item
            continue
        number, line = item
        try:
            obj = loads(line)
        except json.JSONDecodeError as exc:
            yield Rejection(
                file=str(path),
                line=number,
                reason=f"invalid JSON: {exc.msg} (column {exc.colno})",
                code=Code.INPUT_RECORD,
            )
            continue
        yield guarded(path, number, lambda: record_item(path, number, obj, opts, fallback, chat))


def read_jsonl(path: Path, opts: ReadOptions) -> Iterator[Item]:
    """JSON Lines, one question per line; a bad line is rejected, the rest are read."""
    return _lines(path, opts, chat=False)


def read_chat(path: Path, opts: ReadOptions) -> Iterator[Item]:
    """Generic chat export: a JSON array (or JSON Lines) of ``{"time", "sender", "text"}`` messages;
    optional ``id``, ``channel``. Only messages that ask something are kept unless ``--all``."""
    with open_text(path, opts) as handle:
        head = handle.read(4096).lstrip()
    if not head.startswith("["):
        yield from _lines(path, opts, chat=True)
        return
    fallback = file_time(path, opts.timezone)
    with open_text(path, opts) as handle:
        text = handle.read()
    for line, obj in iter_json_array(path, text):
        yield (
            obj
            if isinstance(obj, Rejection)
            else guarded(path, line, lambda: record_item(path, line, obj, opts, fallback, chat=True))
        )


def read_text(path: Path, opts: ReadOptions) -> Iterator[Item]:
    """Plain text: every non-blank line is one question (time: the file's modification time)."""
    fallback = file_time(path, opts.timezone)
    for item in _numbered_lines(path, opts):
        if isinstance(item, Rejection):
            yield item
            continue
        number, line = item
        yield RawQuestion(text=line.strip(), line=number, asked_at=fallback, metadata={"time_source": "file"})
