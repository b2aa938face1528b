"""Reviewing FAQ entries: which questions an entry answers, and fixing that before approval.

An entry lists its member questions by id (``:questions:``, written by ``policy faq draft``);
their scrubbed text lives in the question store (``questions.db``: local, never committed), never
in the page. ``show_entries`` joins the two for reviewers (``policy faq show``, the pull-request
description); ``review_entry`` drops, moves and relabels member questions and changes the cited
clauses (``policy faq review``); ``label_members`` turns the questions an approved entry keeps into
labels. Every decision is saved in ``faq/labels.jsonl``; page edits touch only the option lines of
the entries concerned (``set_options``), so human edits elsewhere survive, and a re-run is a no-op.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from ..catalog import Catalog
from ..citations import KeySyntaxError, parse_key
from ..errors import Code, PolicyToolError, Problem, problem
from ..faqpage import FaqEntry, find_entry, page_path, read_page, read_pages, read_text, set_options, write_text
from ..markdown import clause_citations, roles
from ..questions.labels import (
    NOT_A_QUESTION,
    NOT_COVERED,
    Label,
    LabelChange,
    label_for,
    read_labels,
    resolve_answer,
    text_key,
    unknown_clause,
    write_labels,
)
from ..questions.models import QuestionRecord
from ..questions.scrub import scrub
from ..questions.store import is_url, open_store, store_location

Action = Literal["drop", "move", "not-covered", "not-a-question"]


class QuestionView(BaseModel):
    """A member question as a reviewer sees it: ids, scrubbed text, and its own label if any."""

    id: str
    source_id: str | None = None
    text: str | None = None  # None: this copy's question store does not hold it
    asked_at: dt.datetime | None = None
    label: str | list[str] | None = None  # the answer its label gives (labels are per text)


class EntryView(BaseModel):
    """An entry with its member questions, clauses and status (``policy faq show``)."""

    id: str
    question: str
    status: str
    clauses: list[str]
    file: str
    line: int
    asked: int | None = None
    askers: int | None = None
    reviewed_by: str | None = None
    reviewed_on: str | None = None
    questions: list[QuestionView] = Field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(1 for q in self.questions if q.text is None)


class Questions:
    """The member questions' records (from the store, when this copy has one) and their labels."""

    def __init__(self, root: Path, catalog: Catalog):
        location = store_location(Path(root), catalog.settings.questions_db)
        self.store_path = location
        # never create an empty store file (a database server's store is opened as it is)
        self.store = open_store(location) if is_url(location) or Path(location).is_file() else None
        labels, _ = read_labels(Path(root), catalog.settings)
        self.by_id = {label.id: label for label in labels if label.id}
        self.by_text = {text_key(label.text): label for label in labels}  # the latest line wins
        self._records: dict[str, QuestionRecord | None] = {}

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> Questions:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, qid: str) -> QuestionRecord | None:
        if qid not in self._records:
            self._records[qid] = self.store.get(qid) if self.store is not None else None
        return self._records[qid]

    def known(self, qid: str) -> bool:
        return self.record(qid) is not None or qid in self.by_id

    def text(self, qid: str) -> str | None:
        record = self.record(qid)
        if record is not None:
            return record.text
        label = self.by_id.get(qid)
        return label.text if label is not None else None

    def label(self, qid: str) -> Label | None:
        text = self.text(qid)
        found = self.by_text.get(text_key(text)) if text is not None else None
        return found or self.by_id.get(qid)

    def labeled(self, qid: str, answer: str | list[str], by: str, on: dt.date) -> Label | None:
        """A label of the question with ``answer``; None when its text is nowhere to be found."""
        record = self.record(qid)
        if record is not None:
            return label_for(record, answer, by, on)
        label = self.by_id.get(qid)
        if label is None:
            return None
        return label.model_copy(update={"answer": answer, "by": " ".join(by.split()), "on": on})

    def view(self, qid: str) -> QuestionView:
        record = self.record(qid)
        label = self.label(qid)
        return QuestionView(
            id=qid,
            source_id=record.source_id if record else (label.source_id if label else None),
            text=self.text(qid),
            asked_at=record.asked_at if record else None,
            label=label.answer if label else None,
        )

    def counts(self, qids: Sequence[str], old_askers: int | None) -> tuple[int, int]:
        """(:asked:, :askers:) of a set of questions. Askers are counted as the clustering counts
        them (a question without an asker is its own person); when some records are missing from
        this copy's store, the old figure is kept, capped at the number of questions."""
        records = [self.record(q) for q in qids]
        if all(r is not None for r in records):
            return len(qids), len({r.asker or f"anonymous:{r.id}" for r in records if r is not None})
        return len(qids), min(old_askers if old_askers is not None else len(qids), len(qids))

    def missing_problem(self, count: int, what: str, consequence: str) -> Problem:
        where = "" if self.store is not None else f" (there is no {Path(self.store_path).name})"
        return problem(
            Code.QUESTION_NOT_STORED,
            f"{count} question(s) {what} are not in this copy's question store{where}: {consequence}",
            Path(self.store_path).name,
            1,
        )


def display(text: str | None, limit: int = 120) -> str:
    """Untrusted text on one terminal line: control characters (escape sequences) removed,
    whitespace collapsed, long texts cut."""
    if text is None:
        return "(not in this copy's questions.db)"
    clean = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    flat = " ".join(clean.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --- policy faq show ----------------------------------------------------------------------------


def entry_view(entry: FaqEntry, questions: Questions) -> EntryView:
    return EntryView(
        id=entry.id,
        question=entry.question,
        status=entry.status,
        clauses=entry.clauses,
        file=entry.file,
        line=entry.line,
        asked=entry.asked,
        askers=entry.askers,
        reviewed_by=entry.reviewed_by,
        reviewed_on=entry.reviewed_on,
        questions=[questions.view(q) for q in entry.questions],
    )


def select_entries(
    root: Path, catalog: Catalog, ids: Sequence[str] = (), policy: str | None = None
) -> tuple[list[FaqEntry], list[Problem]]:
    """The named entries (any status), or the live entries of one policy's page or of all pages."""
    pages, problems = read_pages(Path(root), catalog)
    everything = [e for page in pages for e in page.entries if e.id]
    if policy is not None:
        rel = page_path(root, catalog, catalog.require(policy)).relative_to(root).as_posix()
        everything = [e for e in everything if e.file == rel]
    if not ids:
        return [e for e in everything if e.live], problems
    by_id = {e.id.lower(): e for e in everything}
    chosen, unknown = [], []
    for entry_id in ids:
        entry = by_id.get(entry_id.lower())
        (chosen.append(entry) if entry is not None else unknown.append(entry_id))
    if unknown:
        scope = f" on the {policy.upper()} page" if policy else ""
        raise PolicyToolError(
            [
                problem(
                    Code.FAQ_BAD_FIELD,
                    f"no FAQ entry with id {i!r}{scope} under "
                    f"{catalog.settings.faq_dir}/ ('policy faq show' lists them)",
                    Path(root) / catalog.settings.faq_dir,
                    1,
                )
                for i in unknown
            ]
        )
    return chosen, problems


def show_entries(
    root: Path, ids: Sequence[str] = (), policy: str | None = None, catalog: Catalog | None = None
) -> tuple[list[EntryView], list[Problem]]:
    """Entries with their member questions (scrubbed text from the store), clauses and status."""
    root = Path(root)
    catalog = catalog or Catalog.load(root)
    entries, problems = select_entries(root, catalog, ids, policy)
    with Questions(root, catalog) as questions:
        views = [entry_view(e, questions) for e in entries]
        missing = sum(v.missing for v in views)
        if missing:
            problems.append(questions.missing_problem(missing, "of these entries", "their text is not shown"))
    return views, problems


# --- policy faq review ----------------------------------------------------------------------


class Decision(BaseModel):
    """One question decision of a review."""

    question: QuestionView
    action: Action
    to: str | list[str] | None = None  # the answer saved in its label (None for a drop)
    done: bool = True  # False: it already was so (a re-run)


class ReviewResult(BaseModel):
    """What ``review_entry`` did; ``changed`` is False when the review was already applied."""

    entry: EntryView
    asked_before: int | None = None
    askers_before: int | None = None
    decisions: list[Decision] = Field(default_factory=list)
    clauses_before: list[str] = Field(default_factory=list)
    back_to_draft: bool = False
    target: EntryView | None = None  # the entry questions were moved into
    notes: list[str] = Field(default_factory=list)
    labels: LabelChange
    pages_changed: list[str] = Field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.pages_changed) or self.labels.changed


def _canonical_clauses(values: Iterable[str], catalog: Catalog) -> list[str]:
    keys, problems = [], []
    for value in (v for raw in values for v in re.split(r"\s*[,;，；]\s*", raw.strip()) if v):
        try:
            parsed = parse_key(value)
        except KeySyntaxError as exc:
            problems.append(problem(Code.FAQ_UNKNOWN_CLAUSE, f"--clauses {value!r}: {exc}"))
            continue
        clause = catalog.get(parsed) if parsed.version is None else None
        if clause is None:
            problems.append(problem(Code.FAQ_UNKNOWN_CLAUSE, f"--clauses: {unknown_clause(value, parsed, catalog)}"))
        else:
            keys.append(clause.key)
    if problems:
        raise PolicyToolError(problems)
    return list(dict.fromkeys(keys))


def _current_keys(keys: Iterable[str], catalog: Catalog) -> list[str]:
    """Keys as written, canonical where they resolve (to compare with a review's)."""
    return [clause.key if (clause := catalog.get(key)) is not None else key for key in keys]


def review_entry(
    root: Path,
    entry_id: str,
    by: str,
    *,
    drop: Sequence[str] = (),
    move: Sequence[str] = (),
    to: str | None = None,
    clauses: Sequence[str] | None = None,
    not_covered: Sequence[str] = (),
    not_a_question: Sequence[str] = (),
    on: dt.date | None = None,
    catalog: Catalog | None = None,
) -> ReviewResult:
    """Fix a drafted entry: every action is checked first (nothing is written on a bad one), then
    saved as labels and as the entry's option lines; counts follow its questions."""
    root = Path(root)
    catalog = catalog or Catalog.load(root)
    on = on or dt.date.today()
    path, page, entry = find_entry(root, catalog, entry_id)
    by = " ".join(by.split())
    if not by:
        raise PolicyToolError(
            problem(Code.FAQ_NO_REVIEWER, f"reviewing {entry.id} needs a reviewer name (--by)", page.path, entry.line)
        )
    if entry.status == "retired":
        raise PolicyToolError(
            problem(
                Code.FAQ_TRANSITION,
                f"{entry.id} is retired; review a live entry (retired entries answer nobody)",
                page.path,
                entry.option_line("status"),
            )
        )
    if move and not to:
        raise PolicyToolError(problem(Code.LABEL_BAD_ANSWER, "--move needs --to KEY|ENTRY: where the questions go"))
    if to and not move:
        raise PolicyToolError(problem(Code.LABEL_BAD_ANSWER, "--to needs --move QID…: which questions go there"))
    pages, _ = read_pages(root, catalog)
    entries = {e.id: e for p in pages for e in p.entries if e.id}
    target_answer = resolve_answer([to], catalog, entries) if to else None
    target: FaqEntry | None = entries.get(target_answer) if isinstance(target_answer, str) else None
    if target is not None and target.id == entry.id:
        raise PolicyToolError(problem(Code.LABEL_BAD_ANSWER, f"--to {to}: the questions are already in {entry.id}"))
    new_clauses = _canonical_clauses(clauses, catalog) if clauses else None

    wanted: list[tuple[str, Action, str | list[str] | None]] = (
        [(q, "drop", None) for q in drop]
        + [(q, "move", target_answer) for q in move]
        + [(q, "not-covered", NOT_COVERED) for q in not_covered]
        + [(q, "not-a-question", NOT_A_QUESTION) for q in not_a_question]
    )
    seen: dict[str, Action] = {}
    problems: list[Problem] = []
    for qid, action, _ in wanted:
        if seen.setdefault(qid, action) != action:
            problems.append(
                problem(
                    Code.LABEL_BAD_ANSWER,
                    f"{qid} is given to both --{seen[qid]} and --{action}: give each question one decision",
                )
            )
    owner = {q: e for e in entries.values() if e.id != entry.id for q in e.questions}
    members = set(entry.questions)
    result_decisions: list[Decision] = []
    new_labels: list[Label] = []
    leaving: list[str] = []
    with Questions(root, catalog) as questions:
        for qid, action, answer in wanted:
            other = owner.get(qid)
            if qid in members:
                done = True
            elif other is not None and not (action == "move" and target is not None and other.id == target.id):
                problems.append(
                    problem(
                        Code.REVIEW_NOT_MEMBER,
                        f"{qid} is a question of {other.id}, not of {entry.id}",
                        other.file,
                        other.option_line("questions"),
                    )
                )
                continue
            elif other is None and not questions.known(qid):
                problems.append(
                    problem(
                        Code.QUESTION_UNKNOWN, f"no question {qid!r} in {entry.id} or in this copy's question store"
                    )
                )
                continue
            else:
                done = False  # already out of the entry (a re-run): only its label is (re)checked
            if answer is not None:
                label = questions.labeled(qid, answer, by, on)
                if label is None:
                    problems.append(
                        problem(
                            Code.QUESTION_UNKNOWN,
                            f"{qid}: its text is not in this copy's question store, and a label needs it",
                        )
                    )
                    continue
                new_labels.append(label)
            if done:
                leaving.append(qid)
            result_decisions.append(Decision(question=questions.view(qid), action=action, to=answer, done=done))
        if problems:
            raise PolicyToolError(problems)

        # labels: the new decisions, and no label may still say "this entry" for a question that left it
        kept = [q for q in entry.questions if q not in set(leaving)]
        kept_texts = {text_key(t) for t in (questions.text(q) for q in kept) if t is not None}
        gone_ids = {q for q, _, _ in wanted}
        gone_texts = {text_key(t) for t in (questions.text(q) for q in gone_ids) if t is not None} - kept_texts

        def stale(label: Label) -> bool:
            return label.entry == entry.id and (label.id in gone_ids or text_key(label.text) in gone_texts)

        change = write_labels(root, catalog.settings, new_labels, remove=stale)

        result = ReviewResult(
            entry=entry_view(entry, questions),
            asked_before=entry.asked,
            askers_before=entry.askers,
            decisions=result_decisions,
            clauses_before=entry.clauses,
            labels=change,
        )
        updates: dict[str, str | None] = {}
        if leaving:
            asked, askers = questions.counts(kept, entry.askers)
            updates |= {"questions": ", ".join(kept) or None, "asked": str(asked), "askers": str(askers)}
        if new_clauses is not None and new_clauses != _current_keys(entry.clauses, catalog):
            updates["clauses"] = ", ".join(new_clauses)
            result.notes += _citation_notes(entry, new_clauses, catalog)
            if entry.status == "approved":
                updates |= {"status": "draft", "reviewed-by": "", "reviewed-on": "", "clause-hashes": None}
                result.back_to_draft = True
        if _edit(path, entry, updates):
            result.pages_changed.append(entry.file)
        fresh = read_page(path, root).get(entry.id)
        assert fresh is not None
        result.entry = entry_view(fresh, questions)
        if target is not None:
            tpath, _, tentry = find_entry(root, catalog, target.id)  # re-read: it may be on the same page
            arriving = [q for q in move if q not in tentry.questions]
            if arriving:
                qids = tentry.questions + list(dict.fromkeys(arriving))
                asked, askers = questions.counts(qids, tentry.askers)
                if _edit(tpath, tentry, {"questions": ", ".join(qids), "asked": str(asked), "askers": str(askers)}):
                    result.pages_changed.append(tentry.file)
                tentry = read_page(tpath, root).get(tentry.id) or tentry
            result.target = entry_view(tentry, questions)
    return result


def _edit(path: Path, entry: FaqEntry, updates: dict[str, str | None]) -> bool:
    """Apply option edits to one entry; write only when the text changes (re-runs touch nothing)."""
    if not updates:
        return False
    source = read_text(path)
    text = set_options(source, entry, updates)
    if text == source:
        return False
    write_text(path, text)
    return True


def _citation_notes(entry: FaqEntry, new: list[str], catalog: Catalog) -> list[str]:
    """What the answer text still says about clauses that :clauses: no longer (or newly) lists."""
    cited = _current_keys([c.target for c in clause_citations(roles(entry.answer))], catalog)
    notes = []
    dropped = [k for k in dict.fromkeys(cited) if k not in new]
    added = [k for k in new if k not in cited]
    where = f"{entry.file}:{entry.line}"
    if dropped:
        notes.append(f"the answer text still cites {', '.join(dropped)}: edit it in {where}")
    if added:
        notes.append(
            f"the answer text does not cite {', '.join(added)} yet: add {{clause}}`{added[0]}` where it helps ({where})"
        )
    return notes


# --- policy faq approve -----------------------------------------------------------------------


def label_members(
    root: Path, entry: FaqEntry, by: str, on: dt.date, catalog: Catalog
) -> tuple[LabelChange, list[Problem]]:
    """The questions an approved entry keeps become labels of that entry. A text that already has
    a label keeps it (a reviewer's explicit decision is more specific than the group's); re-runs
    write nothing."""
    problems: list[Problem] = []
    with Questions(root, catalog) as questions:
        labels, missing = [], 0
        for qid in entry.questions:
            label = questions.labeled(qid, entry.id, by, on)
            if label is None:
                missing += 1
            else:
                labels.append(label)
        if missing:
            problems.append(questions.missing_problem(missing, f"of {entry.id}", "no labels written for them"))
    return write_labels(root, catalog.settings, labels, replace=False), problems


# --- policy faq label ----------------------------------------------------------------------------

_LOOKS_LIKE_ID = re.compile(r"q[0-9a-f]{3,}")


def label_questions(
    root: Path,
    items: Sequence[str],
    answer: Sequence[str],
    by: str,
    on: dt.date | None = None,
    catalog: Catalog | None = None,
) -> tuple[LabelChange, list[Label]]:
    """Label question texts or stored questions (by id) with one answer, validated against the
    catalogue and the FAQ pages first: on any bad item or answer nothing is written. A stored
    question's label takes its scrubbed text, ids and time from the store; a typed text is
    scrubbed like an ingested one (the file is committed)."""
    root = Path(root)
    catalog = catalog or Catalog.load(root)
    by = " ".join(by.split())
    if not by:
        raise PolicyToolError(problem(Code.FAQ_NO_REVIEWER, "a label needs the reviewer's name (--by)"))
    pages, _ = read_pages(root, catalog)
    value = resolve_answer(answer, catalog, {e.id: e for p in pages for e in p.entries if e.id})
    on = on or dt.date.today()
    labels: list[Label] = []
    problems: list[Problem] = []
    with Questions(root, catalog) as questions:
        for item in items:
            text = item.strip()
            if _LOOKS_LIKE_ID.fullmatch(text):
                label = questions.labeled(text, value, by, on)
                if label is None:
                    problems.append(
                        problem(
                            Code.QUESTION_UNKNOWN,
                            f"{text!r} looks like a question id, but this copy's question store has no such question",
                        )
                    )
                else:
                    labels.append(label)
            elif text:
                labels.append(Label(text=scrub(text, catalog.settings.scrub_patterns), answer=value, by=by, on=on))
            else:
                problems.append(problem(Code.LABEL_BAD_ANSWER, "an empty question: give a text or a question id"))
    if problems:
        raise PolicyToolError(problems)
    return write_labels(root, catalog.settings, labels), labels
