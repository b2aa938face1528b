"""One reader per input format, and format detection from extension and content.

A reader is ``read(path, opts) -> Iterator[RawQuestion | Rejection]``: it streams records with
their line numbers and turns a bad record into a Rejection instead of stopping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ...errors import Code
from .common import FileError, Item, ReadOptions, file_error
from .mail import read_eml, read_mbox
from .records import read_chat, read_jsonl, read_text
from .slack import is_slack_export, read_slack
from .tabular import read_csv, read_xlsx

Reader = Callable[[Path, ReadOptions], Iterator[Item]]
READERS: dict[str, Reader] = {
    "csv": read_csv,
    "xlsx": read_xlsx,
    "jsonl": read_jsonl,
    "eml": read_eml,
    "mbox": read_mbox,
    "slack": read_slack,
    "chat": read_chat,
    "text": read_text,
}
FORMATS = tuple(READERS)
_BY_SUFFIX = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".eml": "eml",
    ".mbox": "mbox",
    ".mbx": "mbox",
}
_MAIL_HEADERS = (
    b"received:",
    b"from:",
    b"to:",
    b"subject:",
    b"message-id:",
    b"date:",
    b"mime-version:",
    b"return-path:",
    b"delivered-to:",
    b"content-type:",
)


def detect_format(path: Path) -> str:
    """The format of ``path``: a Slack export folder, else by content, then by extension."""
    if path.is_dir():
        if is_slack_export(path):
            return "slack"
        raise file_error(
            path,
            "a folder that is not a Slack export (no channels.json, users.json or "
            "channel folders of YYYY-MM-DD.json files)",
            Code.INPUT_FORMAT,
        )
    with open(path, "rb") as handle:
        head = handle.read(8192)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"From ") and path.suffix.lower() != ".csv":
        return "mbox"
    if text[:1] == b"[":
        return "chat"
    if text[:1] == b"{":
        first = text.split(b"\n", 1)[0]
        chatty = b'"sender"' in first and b'"asker"' not in first
        return "chat" if chatty else "jsonl"
    if any(text[:64].lower().startswith(h) for h in _MAIL_HEADERS) and path.suffix.lower() not in (".csv", ".tsv"):
        return "eml"
    suffix = path.suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix in (".txt", ".text", ".log", ""):
        return "text"
    raise file_error(path, f"cannot tell the format of {path.name}", Code.INPUT_FORMAT)


def read(path: Path, fmt: str, opts: ReadOptions) -> Iterator[Item]:
    return READERS[fmt](path, opts)


__all__ = ["FORMATS", "FileError", "Item", "ReadOptions", "detect_format", "read"]
