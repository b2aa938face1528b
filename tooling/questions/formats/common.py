"""What every reader shares: options, encoding detection, time parsing, position tracking."""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TypeVar
from zoneinfo import ZoneInfo

import charset_normalizer
from dateutil import parser as dateparser

from ...errors import Code
from ..models import RawQuestion, Rejection

Item = RawQuestion | Rejection
T = TypeVar("T")
SAMPLE = 1 << 20
_ZH_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_EPOCH = re.compile(r"^\d{9,13}(?:\.\d+)?$")


@dataclass
class ReadOptions:
    """Options that readers understand; unset ones are detected."""

    text_column: str | None = None
    time_column: str | None = None
    asker_column: str | None = None
    sheet: str | None = None
    encoding: str | None = None
    timezone: dt.tzinfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    # The binary file currently being read, so ingest can show progress by bytes.
    current: BinaryIO | None = None

    def columns(self) -> dict[str, str | None]:
        """The columns (spreadsheets) or keys (JSON) the user named, by field."""
        return {"text": self.text_column, "time": self.time_column, "asker": self.asker_column}

    def position(self) -> int:
        try:
            return self.current.tell() if self.current is not None and not self.current.closed else 0
        except (OSError, ValueError):
            return 0


class FileError(Exception):
    """The whole file cannot be read (no record of it is counted); carries a Rejection."""

    def __init__(self, rejection: Rejection):
        self.rejection = rejection
        super().__init__(f"{rejection.file}:{rejection.line}: {rejection.reason}")


def file_error(path: Path, reason: str, code: Code = Code.INPUT_UNREADABLE, line: int = 1) -> FileError:
    return FileError(Rejection(file=str(path), line=line, reason=reason, code=code))


def _looks_chinese(text: str) -> bool:
    """Decoded as GB18030, is this everyday Chinese? Real text is mostly GB2312 punctuation and
    level-1 characters; Japanese, Korean or Big5 bytes decoded as GB18030 give rare characters."""
    wide = [c for c in text if ord(c) > 127]
    if not wide:
        return False
    common = 0
    for char in wide:
        with contextlib.suppress(UnicodeEncodeError):
            common += 0xA1 <= char.encode("gb2312")[0] <= 0xD7
    return common >= 0.8 * len(wide)


def detect_encoding(path: Path, head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (GBK/GB2312 are subsets); anything
    else is an error asking for ``--encoding`` rather than a silent wrong guess."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= SAMPLE:  # do not cut a multi-byte character in half
        head = head[: head.rfind(b"\n") + 1] or head
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # a sample that ends inside a character (one long line, no newline in the first MiB)
        if len(head) >= SAMPLE and exc.reason == "unexpected end of data" and exc.start >= len(head) - 3:
            return "utf-8"
    guesses = [m.encoding for m in charset_normalizer.from_bytes(head)]
    try:
        as_gb = head.decode("gb18030")
    except UnicodeDecodeError:
        as_gb = None
    if as_gb is not None and (_looks_chinese(as_gb) or guesses[:1] == ["gb18030"]):
        return "gb18030"
    guess = guesses[0] if guesses else "unknown"
    raise file_error(
        path,
        f"cannot tell the text encoding (not UTF-8 or GBK/GB18030; best guess {guess}); "
        f"pass --encoding {guess} if that is right",
        Code.INPUT_ENCODING,
    )


def open_text(path: Path, opts: ReadOptions) -> io.TextIOWrapper:
    """Open a text file with its detected (or given) encoding. Undecodable bytes become lone
    surrogates (``surrogateescape``) so the reader can reject just that record, with its line."""
    raw = open(path, "rb")  # noqa: SIM115 - the returned wrapper owns it; the caller closes that
    encoding = opts.encoding
    if encoding is None:
        try:
            encoding = detect_encoding(path, raw.read(SAMPLE))
        except FileError:
            raw.close()
            raise
        raw.seek(0)
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raw.close()
        raise file_error(path, f"unknown encoding {encoding!r}", Code.INPUT_ENCODING) from exc
    opts.current = raw
    return io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")


_ESCAPED = re.compile("[\udc80-\udcff]")


def undecodable(text: str) -> bool:
    """True when the text holds bytes that were not valid in its encoding (surrogate escapes)."""
    return _ESCAPED.search(text) is not None


# Times outside this range are typos or broken exports (epoch 0, year 20260, an overflow), not when
# someone asked: the record is rejected (PL507) rather than stored at a wrong time.
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
LATEST_YEAR = 2100


def parse_time(value: object, tz: dt.tzinfo) -> dt.datetime:
    """Parse the times exports write (ISO 8601, ``2026/1/5 10:00``, ``2026年1月5日``, epoch seconds or
    milliseconds, Excel datetimes); times without an offset are in ``tz``. Raises ValueError for
    anything else — booleans, non-finite or overflowing numbers, offsets beyond ±14 h, years
    outside 1990–2100 — so one bad time rejects one record."""
    try:
        when = _parse_time(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=tz)
        offset = when.utcoffset()
        if offset is None or abs(offset) > dt.timedelta(hours=14):
            raise ValueError("UTC offset beyond ±14 hours")
        utc = when.astimezone(dt.UTC)
    except (ValueError, OverflowError, OSError, TypeError, ArithmeticError) as exc:
        raise ValueError(f"cannot read the time {str(value)[:80]!r} ({exc})") from exc
    if not EARLIEST <= utc < dt.datetime(LATEST_YEAR + 1, 1, 1, tzinfo=dt.UTC):
        raise ValueError(f"the time {str(value)[:80]!r} is outside {EARLIEST.year}–{LATEST_YEAR}")
    return when


def _parse_time(value: object) -> dt.datetime:
    if isinstance(value, bool):  # JSON true is not a time (it would be 1970-01-01 00:00:01)
        raise TypeError("a boolean is not a time")
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, (int, float)) or (isinstance(value, str) and _EPOCH.match(value.strip())):
        seconds = float(value)
        if not math.isfinite(seconds):
            raise ValueError("not a finite number")
        return dt.datetime.fromtimestamp(seconds / 1000 if seconds > 1e11 else seconds, dt.UTC)
    if isinstance(value, str) and value.strip():
        text = _ZH_DATE.sub(r"\1-\2-\3 ", value.strip()).strip()
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            return dateparser.parse(text)
    raise ValueError("no time")


# Lines longer than this (characters) are not read into memory: a question is at most a few
# thousand characters (ingest.MAX_QUESTION_CHARS), so such a line is rejected (PL510) unread.
MAX_LINE_CHARS = 1 << 20
TOO_LONG = "\ue000policy-tooling: line too long\ue000"  # stands in for such a line (CSV rows)


def bounded_lines(handle: io.TextIOBase) -> Iterator[str]:
    """The lines of a text stream, NUL bytes removed; a line over ``MAX_LINE_CHARS`` is consumed in
    chunks (memory stays flat) and yielded as ``TOO_LONG``."""
    while True:
        line = handle.readline(MAX_LINE_CHARS)
        if not line:
            return
        if len(line) == MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            while True:
                chunk = handle.readline(MAX_LINE_CHARS)
                if not chunk or chunk.endswith(("\n", "\r")):
                    break
            yield TOO_LONG + "\n"
            continue
        yield line.replace("\x00", "") if "\x00" in line else line


def too_long(path: Path, line: int) -> Rejection:
    return Rejection(
        file=str(path),
        line=line,
        code=Code.QUESTION_TOO_LONG,
        reason=f"a line of over {MAX_LINE_CHARS:,} characters (not read)",
    )


def guarded(path: Path, line: int, make: Callable[[], T]) -> T | Rejection:
    """One record built by ``make``, or a Rejection saying what went wrong: a record a reader did not
    foresee must reject that record, never end the file (KeyboardInterrupt still stops)."""
    try:
        return make()
    except Exception as exc:
        return Rejection(
            file=str(path),
            line=line,
            code=Code.INPUT_RECORD,
            reason=f"cannot read the record ({type(exc).__name__}: {str(exc)[:160]})",
        )


def file_time(path: Path, tz: dt.tzinfo) -> dt.datetime:
    """When the source has no times: the file's modification time."""
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz)


def iter_json_array(path: Path, text: str) -> Iterator[tuple[int, object]]:
    """Yield ``(line, element)`` for each element of a top-level JSON array. A syntax error yields a
    Rejection at its line and ends the array (JSON cannot resynchronise); earlier elements count."""

    decoder = json.JSONDecoder()
    pos = text.find("[")
    if pos < 0:
        raise file_error(path, "expected a JSON array", Code.INPUT_FORMAT)
    pos += 1
    line = text.count("\n", 0, pos) + 1
    last = pos
    length = len(text)
    while True:
        while pos < length and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= length:  # cut after an element: keep the elements read, report the cut
            yield (
                line,
                Rejection(
                    file=str(path),
                    line=line + text.count("\n", last, pos),
                    code=Code.INPUT_RECORD,
                    reason="the JSON array ends without ']' (the file was cut); the messages before the cut were read",
                ),
            )
            return
        if text[pos] == "]":
            return
        line += text.count("\n", last, pos)
        last = pos
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield (
                exc.lineno,
                Rejection(
                    file=str(path),
                    line=exc.lineno,
                    code=Code.INPUT_RECORD,
                    reason=f"invalid JSON ({exc.msg}); the rest of the array was not read",
                ),
            )
            return
        yield line, value
        pos = end
