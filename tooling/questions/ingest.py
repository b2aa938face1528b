"""Ingest: read question files, scrub and normalise each record, store it once.

Every record read ends up counted exactly once (stored, duplicate or rejected with file:line), each
file is written in one transaction, and record ids are keyed hashes of the source's message id (or
of asker + time + text), so re-running on the same or overlapping exports stores nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..config import Settings, load_settings
from ..errors import Code, PolicyToolError, problem
from ..models import POLICY_ID_RE
from ..text import normalize
from .asking import chatter, is_question
from .formats import FORMATS, FileError, ReadOptions, detect_format, read
from .formats.common import file_time, guarded
from .formats.slack import is_slack_export
from .labels import NOT_A_QUESTION, read_labels, text_key
from .models import FileSummary, IngestSummary, QuestionRecord, RawQuestion, Rejection
from .scrub import is_pseudonym, pseudonym, public_source_id, scrub, scrub_value
from .store import StoreBase, open_store, store_location

CHUNK = 2000
# The longest question kept (characters, after cleaning): an e-mail's new text runs to a few
# hundred, a rambling one to a couple of thousand; beyond this it is a pasted document or a log,
# and one of those would make clustering and drafting hold gigabytes. Longer records: PL510.
MAX_QUESTION_CHARS = 4000
# Control characters never carry meaning in a question (NUL bytes come from broken exports).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """The question as stored before scrubbing: control characters removed, ends stripped."""
    return _CONTROL.sub("", text).strip()


DEFAULT_CHANNEL = {
    "csv": "sheet",
    "xlsx": "sheet",
    "jsonl": "unknown",
    "eml": "email",
    "mbox": "email",
    "slack": "slack",
    "chat": "chat",
    "text": "text",
}


class Recorder:
    """Turns RawQuestions into QuestionRecords with one site's settings and one command's options."""

    def __init__(
        self,
        settings: Settings,
        batch: str,
        channel: str | None,
        policy: str | None,
        keep_all: bool,
        root: Path | None = None,
    ):
        self.key = settings.asker_key
        # Record ids are keyed hashes (BLAKE2b's keyed mode, a MAC like HMAC but one call).
        self.id_key = hashlib.sha256(settings.asker_key.encode()).digest()
        self.extra = settings.scrub_patterns
        self.batch, self.channel, self.policy, self.keep_all = batch, channel, policy, keep_all
        # texts reviewers labeled as chatter (faq/labels.jsonl): never stored as questions again
        self.chatter_labels: dict[str, str] = {}
        if root is not None and not keep_all:
            self._text_key = text_key
            labels, _ = read_labels(root, settings)  # broken lines are `policy check`'s to report
            self.chatter_labels = {
                text_key(label.text): f"labeled {NOT_A_QUESTION} by {label.by}"
                for label in labels
                if label.kind == NOT_A_QUESTION
            }

    def record(self, path: Path, fmt: str, item: RawQuestion) -> QuestionRecord | Rejection:
        text = clean_text(item.text)
        if len(text) > MAX_QUESTION_CHARS:
            return Rejection(
                file=str(path),
                line=item.line,
                code=Code.QUESTION_TOO_LONG,
                reason=f"{len(text):,} characters; a question is at most {MAX_QUESTION_CHARS:,}",
            )
        if not text:
            return Rejection(file=str(path), line=item.line, reason="no question text", code=Code.QUESTION_EMPTY)
        if "\ufffd" in text:
            return Rejection(
                file=str(path),
                line=item.line,
                code=Code.INPUT_ENCODING,
                reason="the text holds U+FFFD replacement characters: bytes that were not valid in "
                "its declared encoding were lost",
            )
        if not self.keep_all:
            why = chatter(text) or (self.chatter_labels.get(self._text_key(text)) if self.chatter_labels else None)
            if why is None and item.needs_question and not is_question(text):
                why = "asks nothing"
            if why:
                return Rejection(
                    file=str(path), line=item.line, reason=f"not a question: {why}", code=Code.QUESTION_NOT_ASKING
                )
        hint = (self.policy or item.policy or "").strip().upper() or None
        if hint and not POLICY_ID_RE.match(hint):
            return Rejection(
                file=str(path),
                line=item.line,
                reason=f"policy hint {hint!r} is not a policy id",
                code=Code.INPUT_RECORD,
            )
        asker = item.asker.strip() if item.asker else None
        if asker and not is_pseudonym(asker):  # a login, a phone number or a name: never stored as such
            asker = pseudonym(asker, self.key)
        asked_at = item.asked_at
        assert asked_at is not None  # every reader sets it (source time or file time)
        plain = normalize(text)
        if item.source_id:
            parts = ["id", item.scope, item.source_id, plain]
        else:
            when = "" if item.metadata.get("time_source") == "file" else asked_at.astimezone(dt.UTC).isoformat()
            parts = ["content", asker or "", when, plain]
        digest = hashlib.blake2b("\x1f".join(parts).encode(), key=self.id_key, digest_size=10).hexdigest()
        scrubbed = scrub(text, self.extra)
        source_id = public_source_id(item.source_id, self.key, self.extra)
        source = f"{path}:{item.line}" + (f"#{source_id}" if source_id else "")
        return QuestionRecord(
            id="q" + digest,
            source_id=source_id,
            source=source,
            channel=self.channel or item.channel or DEFAULT_CHANNEL[fmt],
            asker=asker,
            asked_at=asked_at,
            text=scrubbed,
            normalized=normalize(scrubbed) if scrubbed != text else plain,
            policy_hint=hint,
            batch=self.batch,
            metadata=scrub_value(item.metadata, self.extra),  # type: ignore[arg-type]  # a dict stays a dict
        )


def _sources(paths: Iterable[Path | str], summary: IngestSummary, store: Path | None) -> list[Path]:
    """Files and Slack export folders to read; other folders are walked for files (leaving out
    hidden files and the question store itself, with its -wal/-shm files)."""
    found: list[Path] = []
    own = store.resolve() if store is not None else None
    for path in map(Path, paths):
        if not path.exists():
            summary.errors.append(
                Rejection(file=str(path), line=1, reason="no such file or folder", code=Code.INPUT_UNREADABLE)
            )
        elif path.is_dir() and not is_slack_export(path):
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and not p.name.startswith(".")
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                    and not _is_store(p, own)
                )
            )
        else:
            found.append(path)
    return found


def _is_store(path: Path, store: Path | None) -> bool:
    if store is None:  # a database server: no file of its own here
        return False
    resolved = path.resolve()
    return resolved.parent == store.parent and resolved.name in (
        store.name,
        f"{store.name}-wal",
        f"{store.name}-shm",
        f"{store.name}-journal",
    )


def _records(path: Path, fmt: str, opts: ReadOptions) -> Iterator[RawQuestion | Rejection]:
    """The reader's records; if the reader itself fails half-way (a case no reader foresaw), what
    it read is kept and the rest of the file is one Rejection saying why — never a traceback."""
    line = 0
    items = read(path, fmt, opts)
    while True:
        try:
            item = next(items)
        except StopIteration:
            return
        except FileError:
            raise
        except Exception as exc:
            yield Rejection(
                file=str(path),
                line=line + 1,
                code=Code.INPUT_RECORD,
                reason=f"the rest of the file could not be read ({type(exc).__name__}: {str(exc)[:160]})",
            )
            return
        line = item.line
        yield item


def ingest_file(
    store: StoreBase,
    path: Path,
    fmt: str,
    opts: ReadOptions,
    recorder: Recorder,
    keep_raw: bool = False,
    on_record: Callable[[int], None] | None = None,
) -> tuple[FileSummary, list[Rejection]]:
    """Read one file into the store in one transaction; returns its counts and rejections."""
    part = FileSummary(file=str(path), format=fmt)
    rejections: list[Rejection] = []
    pending: list[QuestionRecord] = []
    raw: dict[str, str] = {}
    undated = 0

    def flush() -> None:
        stored = store.insert(pending, raw if keep_raw else None)
        part.stored += stored
        part.duplicates += len(pending) - stored
        pending.clear()
        raw.clear()

    with store.transaction():
        for item in _records(path, fmt, opts):
            part.read += 1
            result: QuestionRecord | Rejection = (
                guarded(path, item.line, lambda: recorder.record(path, fmt, item))
                if isinstance(item, RawQuestion)
                else item
            )
            if isinstance(result, Rejection):
                part.rejected += 1
                rejections.append(result)
            else:
                pending.append(result)
                undated += result.metadata.get("time_source") == "file"
                if keep_raw:
                    raw[result.id] = item.text.strip()  # type: ignore[union-attr]
                if len(pending) >= CHUNK:
                    flush()
            if on_record is not None:
                on_record(part.read)
        flush()
        store.record_file(recorder.batch, part)
    part.undated = undated
    return part, rejections


def ingest_paths(
    root: Path,
    paths: Sequence[Path | str],
    fmt: str | None = None,
    channel: str | None = None,
    policy: str | None = None,
    keep_all: bool = False,
    keep_raw: bool = False,
    text_column: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    time_column: str | None = None,
    asker_column: str | None = None,
    store: StoreBase | None = None,
    progress: bool = False,
    on_record: Callable[[int], None] | None = None,
) -> IngestSummary:
    """Ingest files (and Slack export folders) into the root's question store.

    ``on_record(n)`` is called after each record of a file (progress hooks; raising there, as a
    Ctrl-C does, rolls that file back)."""
    root = Path(root)
    settings = load_settings(root)
    if fmt is not None and fmt not in FORMATS:
        raise PolicyToolError(problem(Code.INPUT_FORMAT, f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}"))
    if policy and not POLICY_ID_RE.match(policy.upper()):
        raise PolicyToolError(problem(Code.INPUT_RECORD, f"--policy {policy!r} is not a policy id such as SALES"))
    try:
        tz = ZoneInfo(settings.questions_timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise PolicyToolError(
            problem(
                Code.CONFIG,
                f"questions_timezone: unknown time zone {settings.questions_timezone!r}",
                root / "pyproject.toml",
                1,
            )
        ) from exc
    batch = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    summary = IngestSummary(batch=batch)
    recorder = Recorder(settings, batch, channel, policy, keep_all, root)
    own_store = store is None
    store = store or open_store(store_location(root, settings.questions_db))
    try:
        sources = _sources(paths, summary, store.path)
        with _Progress(progress, sources) as bar:
            for path in sources:
                opts = ReadOptions(
                    text_column=text_column,
                    time_column=time_column,
                    asker_column=asker_column,
                    sheet=sheet,
                    encoding=encoding,
                    timezone=tz,
                )
                hook = bar.hook(path, opts, on_record)
                try:
                    part, rejections = ingest_file(
                        store, path, fmt or detect_format(path), opts, recorder, keep_raw, hook
                    )
                except FileError as exc:
                    summary.errors.append(exc.rejection)
                    continue
                except OSError as exc:
                    summary.errors.append(
                        Rejection(file=str(path), line=1, reason=f"cannot read: {exc}", code=Code.INPUT_UNREADABLE)
                    )
                    continue
                except store.errors as exc:  # e.g. another ingest held the write lock too long
                    raise store.error(exc) from exc
                finally:
                    bar.done(path)
                summary.add(part)
                summary.rejections.extend(rejections)
                if part.undated:
                    stamp = file_time(path, tz).strftime("%Y-%m-%d %H:%M")
                    summary.warnings.append(
                        Rejection(
                            file=str(path),
                            line=1,
                            code=Code.QUESTION_TIME_FROM_FILE,
                            reason=f"{part.undated} record(s) have no time of their own and were stamped with the "
                            f"file's modification time ({stamp})",
                        )
                    )
    finally:
        if own_store:
            store.close()
    return summary


class _Progress:
    """A rich progress bar over the bytes of all inputs, only on a terminal."""

    def __init__(self, enabled: bool, sources: list[Path]):
        self.enabled = enabled
        self.sizes = (
            {
                p: (p.stat().st_size if p.is_file() else sum(f.stat().st_size for f in p.rglob("*.json")))
                for p in sources
            }
            if enabled
            else {}
        )
        self.base = 0

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )  # on first use: importing the module stays cheap

            self.bar = Progress(
                TextColumn("[bold]ingest[/] {task.description}"),
                BarColumn(),
                DownloadColumn(),
                TextColumn("{task.fields[records]} records"),
                TimeRemainingColumn(),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("", total=sum(self.sizes.values()) or 1, records=0)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.bar.stop()

    def hook(self, path: Path, opts: ReadOptions, inner: Callable[[int], None] | None) -> Callable[[int], None] | None:
        if not self.enabled:
            return inner

        def update(count: int) -> None:
            if count % 500 == 0:
                self.bar.update(self.task, completed=self.base + opts.position(), description=path.name, records=count)
            if inner is not None:
                inner(count)

        return update

    def done(self, path: Path) -> None:
        if self.enabled:
            self.base += self.sizes.get(path, 0)
            self.bar.update(self.task, completed=self.base)
