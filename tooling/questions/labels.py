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
import difflib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..citations import KeySyntaxError, ParsedKey, parse_key
from ..config import Settings
from ..errors import Code, PolicyToolError, Problem, Severity, problem
from ..faqpage import read_pages
from ..paths import source_problem
from ..text import normalize

if TYPE_CHECKING:  # the catalogue and FAQ pages are needed only to validate answers
    from ..catalog import Catalog
    from ..faqpage import FaqEntry, FaqPage
    from .models import QuestionRecord

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
    id: str | None = None  # the question's id in the store
    source_id: str | None = None
    asked_at: dt.datetime | None = None
    line: int = Field(default=0, exclude=True)  # where it was read (1-based), for problems

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
            raise ValueError(
                "answer must be a clause key, a list of clause keys, an FAQ entry id, "
                f"'{NOT_COVERED}' or '{NOT_A_QUESTION}'"
            )
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
        label = _parse_line(line, n, path, problems)
        if label is not None:
            labels.append(label)
    return labels, problems


def _parse_line(line: str, n: int, path: Path | str, problems: list[Problem]) -> Label | None:
    """One line as a label; None for a blank line or a broken one (reported into ``problems``)."""
    if not line.strip():
        return None
    try:
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        label = Label.model_validate({**data, "line": n})
        label.keys  # noqa: B018 - a key that cannot be parsed is a broken line, not a crash later
    except (json.JSONDecodeError, ValueError, ValidationError) as exc:
        problems.append(problem(Code.LABEL_SYNTAX, f"bad label: {_reason(exc)}", path, n))
        return None
    return label


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
    if not path.is_file() and not path.is_symlink():
        return [], []

    linked = source_problem(root, settings, path)  # a link out of the repository is never read
    if linked is not None:
        return [], [linked]
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


# --- answers given on the command line, validated against the catalogue and the FAQ pages -----

_WORD = re.compile(r"[\s_]+")
_LIST = re.compile(r"\s*[,;，；]\s*")


def answer_word(value: str) -> str | None:
    """``not-covered`` / ``not-a-question`` in any casing or spacing (``Not covered``), else None."""
    word = _WORD.sub("-", value.strip().lower())
    return word if word in (NOT_COVERED, NOT_A_QUESTION) else None


def resolve_answer(values: Sequence[str], catalog: Catalog, entries: Mapping[str, FaqEntry]) -> str | list[str]:
    """What ``--answer`` says, in the canonical form a label stores: ``SALES 4.3`` for ``sales §4.3``,
    a list for several keys, the entry id as written in its page. Every unknown key or id is
    reported at once (PL411/PL412, with the nearest names); a mix of kinds is PL417."""
    items = [v for value in values for v in _LIST.split(value.strip()) if v]
    if not items:
        raise PolicyToolError(problem(Code.LABEL_BAD_ANSWER, "no answer given"))
    words = [answer_word(v) for v in items]
    if any(words):
        if len(items) > 1:
            raise PolicyToolError(
                problem(
                    Code.LABEL_BAD_ANSWER,
                    f"{' + '.join(items)}: '{next(w for w in words if w)}' is an answer on its own",
                )
            )
        return words[0]  # type: ignore[return-value]
    by_lower = {k.lower(): e for k, e in entries.items()}
    keys: list[str] = []
    found_entries: list[FaqEntry] = []
    problems: list[Problem] = []
    for value in items:
        if value.lower() in by_lower:
            found_entries.append(by_lower[value.lower()])
            continue
        if _entry_like(value):
            near = difflib.get_close_matches(value.lower(), list(by_lower), n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(by_lower[n].id for n in near)}?)" if near else ""
            problems.append(
                problem(Code.LABEL_UNKNOWN_ENTRY, f"{value!r} is neither a clause key nor the id of an FAQ entry{hint}")
            )
            continue
        parsed = parse_key(value)
        clause = catalog.get(parsed) if parsed.version is None else None
        if clause is None:
            problems.append(problem(Code.LABEL_UNKNOWN_CLAUSE, unknown_clause(value, parsed, catalog)))
            continue
        keys.append(clause.key)
    if problems:
        raise PolicyToolError(problems)
    if found_entries and (keys or len(found_entries) > 1):
        raise PolicyToolError(
            problem(Code.LABEL_BAD_ANSWER, f"{' + '.join(items)}: an FAQ entry id is an answer on its own")
        )
    if found_entries:
        entry = found_entries[0]
        if entry.status == "retired":
            raise PolicyToolError(
                problem(
                    Code.LABEL_RETIRED_ENTRY,
                    f"{entry.id} is retired",
                    entry.file,
                    entry.option_line("status"),
                    severity=Severity.error,
                )
            )
        return entry.id
    keys = list(dict.fromkeys(keys))
    return keys[0] if len(keys) == 1 else keys


def unknown_clause(value: str, parsed: ParsedKey, catalog: Catalog) -> str:
    """Why a key names no current clause, with the nearest keys of its policy (a typo, a renumbering)."""
    if parsed.version is not None:
        return f"{value!r}: a label answers with the clause in force, without @{parsed.version}"
    policy = catalog.policy(parsed.policy)
    if policy is None:
        known = ", ".join(p.id for p in catalog.policies) or "none"
        return f"unknown clause {parsed.key!r}: no policy with id {parsed.policy} (known: {known})"
    near = difflib.get_close_matches(parsed.key, [c.key for c in policy.clauses], n=3, cutoff=0.5)
    return f"unknown clause {parsed.key!r}" + (f" (did you mean {', '.join(near)}?)" if near else "")


def label_for(question: QuestionRecord, answer: str | list[str], by: str, on: dt.date) -> Label:
    """The label of a stored question: its scrubbed text, ids and time come from the store."""
    return Label(
        text=question.text,
        answer=answer,
        by=" ".join(by.split()),
        on=on,
        id=question.id,
        source_id=question.source_id,
        asked_at=question.asked_at,
    )


# --- writing: one answer per question ---------------------------------------------------------


class LabelChange(BaseModel):
    """What a write did to ``faq/labels.jsonl``."""

    path: str
    written: list[Label] = Field(default_factory=list)
    replaced: list[Label] = Field(default_factory=list)  # earlier answers to the same text
    kept: list[Label] = Field(default_factory=list)  # earlier answers kept (replace=False)
    removed: list[Label] = Field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.written or self.replaced or self.removed)

    def summary(self) -> str:
        """``faq/labels.jsonl: 2 labels written, 1 earlier answer replaced (line 4: SALES 4.2)``."""
        if not self.changed:
            why = (
                f"{len(self.kept)} question text(s) already had their own answer"
                if self.kept
                else "every label was already there"
            )
            return f"{self.path}: unchanged ({why})"
        parts = [f"{len(self.written)} label{'' if len(self.written) == 1 else 's'} written"]
        if self.replaced:
            shown = "; ".join(f"line {lb.line}: {_answer_text(lb.answer)}" for lb in self.replaced[:3])
            more = " …" if len(self.replaced) > 3 else ""
            parts.append(
                f"{len(self.replaced)} earlier answer{'' if len(self.replaced) == 1 else 's'} replaced ({shown}{more})"
            )
        if self.removed:
            parts.append(f"{len(self.removed)} removed")
        if self.kept:
            parts.append(f"{len(self.kept)} question text(s) kept their own earlier answer")
        return f"{self.path}: " + ", ".join(parts)


def _answer_text(answer: str | list[str]) -> str:
    return answer if isinstance(answer, str) else ", ".join(answer)


def write_labels(
    root: Path,
    settings: Settings,
    new: Sequence[Label],
    remove: Callable[[Label], bool] | None = None,
    replace: bool = True,
) -> LabelChange:
    """Record reviewers' answers: one answer per question text.

    A new label replaces the earlier lines that answer the same text (``text_key``) differently
    (the later decision wins, so the file never contradicts itself) — or, with ``replace=False``,
    is skipped for a text that already has an answer (``kept``); a label already there is not
    written twice; ``remove`` drops the good lines it selects. Every other line — broken
    ones included, they are the author's to fix — stays byte for byte, and the file is replaced
    atomically, so a re-run is a no-op and an interrupted one leaves the old file."""
    path = labels_path(root, settings)
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    change = LabelChange(path=shown)
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    latest = {text_key(label.text): label for label in new}
    kept: list[str] = []
    present: set[tuple[str, tuple[str, ...]]] = set()
    for n, line in enumerate(old.splitlines(keepends=True), start=1):
        label = _parse_line(line, n, shown, [])
        if label is not None:
            key = text_key(label.text)
            if remove is not None and remove(label):
                change.removed.append(label)
                continue
            if key in latest and latest[key].answer_key != label.answer_key:
                if replace:
                    change.replaced.append(label)
                    continue
                change.kept.append(label)
                latest.pop(key)
            present.add((key, label.answer_key))
        kept.append(line if line.endswith(("\n", "\r")) else line + "\n")
    for key, label in latest.items():
        if (key, label.answer_key) not in present:
            present.add((key, label.answer_key))
            change.written.append(label)
            kept.append(label.json_line() + "\n")
    if not change.changed:
        return change
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text("".join(kept), encoding="utf-8", newline="")
        tmp.replace(path)
    except OSError as exc:
        raise PolicyToolError(problem(Code.INPUT_UNREADABLE, f"cannot write labels: {exc}", path, 1)) from exc
    return change


# --- policy check -----------------------------------------------------------------------------


def check_labels(catalog: Catalog, pages: Sequence[FaqPage] | None = None) -> tuple[list[Label], list[Problem]]:
    """The labels matching may use, and every problem of ``faq/labels.jsonl`` as file:line.

    Broken lines (PL410), clause keys the catalogue does not know (PL411), entry ids no FAQ page
    has (PL412), and a text answered differently by an earlier line (PL413, reported at the later
    line, which is left out). A label of a retired entry is a warning (PL414). Every good line is
    returned: one bad line never stops the others from being used."""
    root = Path(catalog.root)
    labels, problems = read_labels(root, catalog.settings)
    # a link out of the repository is reported once, by the listing of source files (PL111)
    problems = [p for p in problems if p.code != Code.SOURCE_OUTSIDE]
    if not labels:
        return [], problems
    path = labels_path(root, catalog.settings)
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    if pages is None:
        pages, _ = read_pages(root, catalog)
    entries = {e.id: e for page in pages for e in page.entries if e.id}
    good: list[Label] = []
    first: dict[str, Label] = {}
    for label in labels:
        if label.kind == "clauses":
            unknown = [k for k in label.keys if catalog.get(k) is None]
            if unknown:
                problems += [
                    problem(Code.LABEL_UNKNOWN_CLAUSE, unknown_clause(k, parse_key(k), catalog), shown, label.line)
                    for k in unknown
                ]
                continue
        elif label.kind == "entry":
            entry = entries.get(label.entry or "")
            if entry is None:
                problems.append(
                    problem(
                        Code.LABEL_UNKNOWN_ENTRY,
                        f"no FAQ entry with id {label.entry!r} under {catalog.settings.faq_dir}/",
                        shown,
                        label.line,
                    )
                )
                continue
            if entry.status == "retired":
                problems.append(
                    problem(
                        Code.LABEL_RETIRED_ENTRY,
                        f"{entry.id} is retired ({entry.file}:{entry.option_line('status')})",
                        shown,
                        label.line,
                    )
                )
        key = text_key(label.text)
        earlier = first.setdefault(key, label)
        if earlier is not label and earlier.answer_key != label.answer_key:
            problems.append(
                problem(
                    Code.LABEL_CONFLICT,
                    f"{_quote(label.text)} is answered "
                    f"{_answer_text(label.answer)} here but {_answer_text(earlier.answer)} at line "
                    f"{earlier.line}",
                    shown,
                    label.line,
                )
            )
            continue
        good.append(label)
    return good, problems


def _quote(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "…")
