"""E-mail: ``.eml`` files and ``.mbox`` mailboxes. The question is the subject plus the new text of
the body; quoted replies, forwarded history and signatures are removed (mail-parser-reply), and
HTML-only mail is converted to text (html2text)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import re
from collections.abc import Iterator
from email.message import EmailMessage, Message
from functools import lru_cache
from pathlib import Path

import html2text
from mailparser_reply import EmailReplyParser

from ...errors import Code
from ..asking import is_question
from ..models import RawQuestion, Rejection
from .common import Item, ReadOptions, file_time

_SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|sv|答复|回复|转发)\s*[:：]\s*)+", re.IGNORECASE)
# Cut markers the reply parser does not know (forwarded history, Chinese/Outlook reply headers).
_CUT = re.compile(
    r"^\s*(?:-{2,}\s*(?:forwarded message|original message|原始邮件|转发邮件|邮件原件)\s*-{2,}.*"
    r"|_{10,}\s*|(?:发件人|from)\s*[:：].*|在\s.{0,80}写道[:：]?|on\s.{0,120}wrote:|(?:sent from my|发自我的).*"
    r"|--\s*)$",
    re.IGNORECASE | re.MULTILINE,
)

_GREETING = re.compile(
    r"^(?:(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))\b[^\n]{0,40}|[^\n]{0,12}(?:您好|你好|好)"
    r"|各位[^\n]{0,10})[,，!！。:：]?$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^(?:thanks|thank you|many thanks|cheers|best|regards|kind regards|br|谢谢|多谢|感谢|祝好|此致)\b", re.IGNORECASE
)


@lru_cache(maxsize=1)
def _replies() -> EmailReplyParser:
    return EmailReplyParser(languages=["zh", "en"])


@lru_cache(maxsize=1)
def _html() -> html2text.HTML2Text:
    converter = html2text.HTML2Text()
    converter.ignore_links = True
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.body_width = 0
    return converter


def new_text(body: str) -> str:
    """The part of a body its sender wrote now: no quotes, forwarded history or signature."""
    body = body.replace("\r\n", "\n")
    replies = _replies().read(body).replies
    text = replies[0].body if replies else body
    cut = _CUT.search(text)
    if cut:
        text = text[: cut.start()]
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(_trim_courtesy(_paragraphs("\n".join(lines))))


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _trim_courtesy(paragraphs: list[str]) -> list[str]:
    """Drop a leading greeting (``Hi Finance,`` / ``您好，``) and trailing sign-offs and names
    (``Thanks,\nLisa``) that the reply parser left, but never the only paragraph or a question."""
    if len(paragraphs) > 1 and _GREETING.match(paragraphs[0]):
        paragraphs = paragraphs[1:]
    while len(paragraphs) > 1:
        last = paragraphs[-1]
        short = len(last) <= 60 and last.count("\n") <= 2 and not is_question(last)
        if short and (_SIGN_OFF.match(last) or (len(last) <= 24 and "\n" not in last)):
            paragraphs = paragraphs[:-1]
        else:
            break
    return paragraphs


def message_item(path: Path, line: int, data: bytes, opts: ReadOptions) -> Item:
    """One e-mail -> RawQuestion (subject + new body text), or a Rejection (never an exception:
    a broken message must not stop the mailbox)."""
    try:
        return _message_item(path, line, _parse(data), opts)
    except Exception as exc:  # the email package raises many types on malformed headers/parts
        return Rejection(file=str(path), line=line, reason=f"malformed e-mail: {exc}", code=Code.INPUT_RECORD)


def _message_item(path: Path, line: int, message: EmailMessage, opts: ReadOptions) -> Item:
    subject = _SUBJECT_PREFIX.sub("", str(message.get("Subject", "") or "")).strip()
    part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if part is not None:
        content = _decoded_body(part)
        if isinstance(content, str) and content.startswith(_UNDECODABLE):
            return Rejection(file=str(path), line=line, reason=content[len(_UNDECODABLE) :], code=Code.INPUT_ENCODING)
        if part.get_content_subtype() == "html":
            content = _html().handle(content)
        body = new_text(content)
    if body and subject and body.startswith(subject):
        subject = ""
    text = "\n".join(t for t in (subject, body) if t)
    if not text:
        return Rejection(
            file=str(path), line=line, reason="the e-mail has no subject and no new text", code=Code.QUESTION_EMPTY
        )
    asked_at: dt.datetime | None = None
    if message.get("Date"):
        try:
            asked_at = email.utils.parsedate_to_datetime(str(message["Date"]))
        except (TypeError, ValueError):
            return Rejection(
                file=str(path), line=line, reason=f"cannot read the Date {message['Date']!r}", code=Code.QUESTION_TIME
            )
    metadata: dict[str, object] = {}
    if asked_at is None:
        asked_at, metadata["time_source"] = file_time(path, opts.timezone), "file"
    elif asked_at.tzinfo is None:
        asked_at = asked_at.replace(tzinfo=opts.timezone)
    sender = email.utils.parseaddr(str(message.get("From", "")))
    message_id = str(message.get("Message-ID", "")).strip() or None
    return RawQuestion(
        text=text,
        line=line,
        source_id=message_id,
        asked_at=asked_at,
        channel="email",
        asker=(sender[1] or sender[0]) or None,
        metadata=metadata,
    )


_UNDECODABLE = "\x00undecodable:"


def _decoded_body(part: Message) -> str:
    """The text of a body part, decoded strictly in its declared charset (the email package would
    put U+FFFD in place of invalid bytes: mojibake stored as if it were the question). An
    undeclared charset is read as UTF-8. Failures come back prefixed with ``_UNDECODABLE``."""
    payload = part.get_payload(decode=True) or b""
    if not isinstance(payload, bytes):  # decode=True gives bytes for a leaf part
        payload = str(payload).encode()
    declared = part.get_content_charset()
    charset = declared or "utf-8"
    try:
        return payload.decode(charset)
    except LookupError:
        return f"{_UNDECODABLE}unknown charset {charset!r} declared for the body"
    except UnicodeDecodeError as exc:
        what = f"the declared charset {declared}" if declared else "UTF-8 (no charset declared)"
        return f"{_UNDECODABLE}the body has bytes that are not valid in {what} (at byte {exc.start})"


def _parse(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def read_eml(path: Path, opts: ReadOptions) -> Iterator[Item]:
    """One message per ``.eml`` file."""
    with open(path, "rb") as handle:
        opts.current = handle
        data = handle.read()
    yield message_item(path, 1, data, opts)


def read_mbox(path: Path, opts: ReadOptions) -> Iterator[Item]:
    """An mbox mailbox, streamed message by message (``From `` separator lines), with line numbers."""
    with open(path, "rb") as handle:
        opts.current = handle
        chunk: list[bytes] = []
        start = 0
        previous_blank = True
        for number, line in enumerate(handle, start=1):
            if line.startswith(b"From ") and previous_blank:
                if chunk:
                    yield message_item(path, start, b"".join(chunk), opts)
                chunk, start = [], number
                previous_blank = False
                continue
            if start == 0 and line.strip():
                start = number  # a mailbox without a leading From line: treat the file as one message
            chunk.append(line[1:] if line.startswith(b">From ") else line)
            previous_blank = not line.strip()
        if chunk and any(c.strip() for c in chunk):
            yield message_item(path, start or 1, b"".join(chunk), opts)
