"""Slack export folders: ``users.json`` plus one folder per channel of daily ``YYYY-MM-DD.json``
files. Each message is a record (source id: its ``ts``, unique within its channel); only those that
ask something are kept unless ``--all``."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from pathlib import Path

from ...errors import Code
from ..models import RawQuestion, Rejection
from .common import Item, ReadOptions, guarded, iter_json_array

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_MENTION = re.compile(r"<[@!](?:[^>|]+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<(?:mailto:)?([^>|]+)(?:\|([^>]*))?>")
# System messages (joins, topic changes, bots); they are read and rejected, never questions.
_SYSTEM = {
    "channel_join",
    "channel_leave",
    "channel_topic",
    "channel_purpose",
    "channel_name",
    "bot_message",
    "pinned_item",
    "unpinned_item",
    "channel_archive",
    "tombstone",
    "group_join",
    "group_leave",
}


def is_slack_export(folder: Path) -> bool:
    return folder.is_dir() and (
        (folder / "channels.json").is_file()
        or (folder / "users.json").is_file()
        or any(p.is_dir() and any(_DAY.match(f.name) for f in p.iterdir()) for p in folder.iterdir())
    )


def slack_text(text: str) -> str:
    """Slack markup -> plain text: mentions become ``@user`` (names are personal data), links their label."""
    text = _MENTION.sub("@user", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return html.unescape(text)


def read_slack(folder: Path, opts: ReadOptions) -> Iterator[Item]:
    """Every channel folder's daily files, in channel and date order."""
    channels = sorted(p for p in folder.iterdir() if p.is_dir())
    for channel in channels:
        for day in sorted(f for f in channel.iterdir() if _DAY.match(f.name)):
            with open(day, "rb") as handle:
                opts.current = handle
                data = handle.read()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                yield Rejection(file=str(day), line=1, reason=f"not UTF-8: {exc}", code=Code.INPUT_ENCODING)
                continue
            for line, message in iter_json_array(day, text):
                yield (
                    message
                    if isinstance(message, Rejection)
                    else guarded(day, line, lambda: _message(day, line, channel.name, message))
                )


def _message(path: Path, line: int, channel: str, message: object) -> Item:
    if not isinstance(message, dict) or "ts" not in message:
        return Rejection(file=str(path), line=line, reason="not a Slack message (no 'ts')", code=Code.INPUT_RECORD)
    subtype = message.get("subtype")
    if subtype in _SYSTEM:
        return Rejection(
            file=str(path), line=line, reason=f"Slack system message ({subtype})", code=Code.QUESTION_NOT_ASKING
        )
    text = slack_text(str(message.get("text") or "")).strip()
    if not text:
        return Rejection(file=str(path), line=line, reason="message without text", code=Code.QUESTION_EMPTY)
    try:
        asked_at = dt.datetime.fromtimestamp(float(message["ts"]), dt.UTC)
    except (TypeError, ValueError):
        return Rejection(file=str(path), line=line, reason=f"bad ts {message['ts']!r}", code=Code.QUESTION_TIME)
    metadata = {"slack_channel": channel}
    if message.get("thread_ts") and message.get("thread_ts") != message["ts"]:
        metadata["thread_ts"] = str(message["thread_ts"])
    return RawQuestion(
        text=text,
        line=line,
        source_id=str(message["ts"]),
        scope=f"slack:{channel}",
        asked_at=asked_at,
        channel="slack",
        asker=str(message.get("user") or "") or None,
        needs_question=True,
        metadata=metadata,
    )
