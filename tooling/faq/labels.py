"""Labels: the repository's own answers to real questions, ``faq/labels.jsonl``.

Every answer a reviewer gives is worth keeping: a label says "this question (scrubbed) is
answered by that clause / entry", or "the policies do not cover it", or "this is chatter". The
file is committed with the FAQ and reviewed in the same pull request; matching, the site search
and clustering learn from it. One JSON object per line::

    {"text": "返利什么时候到账？", "answer": "SALES 4.3", "by": "张敏", "on": "2026-03-31"}

``answer`` is a clause key, a list of clause keys, an FAQ entry id, ``"not-covered"`` or
``"not-a-question"``. Optional: ``id`` and ``source_id`` (the question in the store) and
``asked_at``. A broken line is reported with its line number and skipped; every good line is
kept, and lines are appended without touching what is already there.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..citations import KeySyntaxError, parse_key
from ..config import Settings
from ..errors import Code, PolicyToolError, Problem, problem
from ..questions.normalize import normalize

LABELS_FILE = "labels.jsonl"
NOT_COVERED = "not-covered"
NOT_A_QUESTION = "not-a-question"
LabelKind = Literal["clauses", "entry", "not-covered", "not-a-question"]
_PUNCT = re.compile(r"[\W_]+", re.U)


class Label(BaseModel):
    """One reviewed answer to one (scrubbed) question."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    answer: str | list[str]
    by: str = Field(min_length=1)
    on: dt.date
    id: str | None = None            # the question's id in the store
    source_id: str | None = None
    asked_at: dt.datetime | None = None
    line: int = Field(default=0, exclude=True)   # where it was read (1-based), for problems

    @field_validator("text", "by")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("answer")
    @classmethod
    def _answer_shape(cls, value: str | list[str]) -> str | list[str]:
        items = [value] if isinstance(value, str) else value
        if not items or any(not isinstance(v, str) or not v.strip() for v in items):
            raise ValueError("answer must be a clause key, a list of clause keys, an FAQ entry id, "
                             f"'{NOT_COVERED}' or '{NOT_A_QUESTION}'")
        if isinstance(value, list) and len(value) > 1:
            for v in value:
                if v in (NOT_COVERED, NOT_A_QUESTION) or _entry_like(v):
                    raise ValueError("a list may only hold clause keys")
        return value

    @property
    def kind(self) -> LabelKind:
        first = self.answer if isinstance(self.answer, str) else self.answer[0]
        if first in (NOT_COVERED, NOT_A_QUESTION):
            return first  # type: ignore[return-value]
        return "entry" if _entry_like(first) else "clauses"

    @property
    def keys(self) -> list[str]:
        """The clause keys of a ``clauses`` label, canonical (``sales §4.3`` -> ``SALES 4.3``)."""
        if self.kind != "clauses":
            return []
        items = [self.answer] if isinstance(self.answer, str) else self.answer
        return list(dict.fromkeys(parse_key(v).key for v in items))

    @property
    def entry(self) -> str | None:
        """The FAQ entry id of an ``entry`` label."""
        return (self.answer if isinstance(self.answer, str) else self.answer[0]) if self.kind == "entry" else None

    @property
    def answer_key(self) -> tuple[str, ...]:
        """The answer in a comparable form (two labels agree when these are equal)."""
        if self.kind == "clauses":
            return tuple(sorted(self.keys))
        return (self.kind, self.entry or "")

    def json_line(self) -> str:
        data = self.model_dump(mode="json", exclude_none=True)
        return json.dumps(data, ensure_ascii=False)


def _entry_like(value: str) -> bool:
    """A FAQ entry id (``sales-faq-12``) rather than a clause key (``SALES 4.2``)."""
    try:
        parse_key(value)
    except KeySyntaxError:
        return True
    return False


def text_key(text: str) -> str:
    """The same question for labels: normalised (NFKC, simplified, lowercase), no punctuation."""
    norm = normalize(text)
    return _PUNCT.sub("", norm) or norm


def labels_path(root: Path, settings: Settings) -> Path:
    return Path(root) / settings.faq_dir / LABELS_FILE


def parse_labels(source: str, path: Path | str) -> tuple[list[Label], list[Problem]]:
    """Every good line of a labels file; a problem (PL410) for each broken one."""
    labels: list[Label] = []
    problems: list[Problem] = []
    for n, line in enumerate(source.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
            label = Label.model_validate({**data, "line": n})
            label.keys  # noqa: B018 - a key that cannot be parsed is a broken line, not a crash later
        except (json.JSONDecodeError, ValueError, ValidationError) as exc:
            problems.append(problem(Code.LABEL_SYNTAX, f"bad label: {_reason(exc)}", path, n))
            continue
        labels.append(label)
    return labels, problems


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "line"
        return f"{where}: {err['msg'].removeprefix('Value error, ')}"
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON ({exc.msg}, column {exc.colno})"
    return str(exc)


def read_labels(root: Path, settings: Settings) -> tuple[list[Label], list[Problem]]:
    """The repository's labels (none when the file does not exist) and the broken lines."""
    path = labels_path(root, settings)
    if not path.is_file():
        return [], []
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [problem(Code.INPUT_UNREADABLE, f"cannot read labels: {exc}", path, 1)]
    return parse_labels(source, path.relative_to(root).as_posix() if path.is_relative_to(root) else path)


def append_labels(root: Path, settings: Settings, new: list[Label]) -> int:
    """Append labels not already in the file (same text, same answer); returns how many were
    written. Existing lines are kept byte for byte; the file is replaced atomically."""
    path = labels_path(root, settings)
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    have, _ = parse_labels(old, path)
    seen = {(text_key(label.text), label.answer_key) for label in have}
    lines = []
    for label in new:
        key = (text_key(label.text), label.answer_key)
        if key not in seen:
            seen.add(key)
            lines.append(label.json_line())
    if not lines:
        return 0
    text = old if not old or old.endswith("\n") else old + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise PolicyToolError(problem(Code.INPUT_UNREADABLE, f"cannot write labels: {exc}", path, 1)) from exc
    return len(lines)
