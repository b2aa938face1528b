"""``check_faq``: what ``policy check`` reports about FAQ pages, each with file:line and a hint.

Unknown clause keys, duplicate (or missing) ids, unknown statuses, approved entries without a
reviewer, approved entries still flagged by the grounding check, a question listed by two
entries (its counts would be counted twice), and questions or answers over the documented maximum
length. ``faq/labels.jsonl`` is checked by :func:`tooling.questions.labels.check_labels`. The length
limit is an error, not a warning, whoever wrote the text: it is several times what a FAQ answer
needs, so only a mistake or an attack reaches it, and a warning would still let the build publish
(and approve would approve) a 46 MB page.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..catalog import Catalog
from ..errors import Code, Problem, problem
from ..faqpage import STATUSES, FaqEntry, FaqPage, read_pages
from .models import MAX_ANSWER_CHARS, MAX_QUESTION_CHARS

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def check_faq(catalog: Catalog, read: tuple[list[FaqPage], list[Problem]] | None = None) -> list[Problem]:
    """Every problem in every FAQ page of the catalogue's repository (``read``: the pages and read
    problems of ``read_pages``, when the caller already read them)."""
    seen: dict[str, str] = {}
    member_of: dict[str, str] = {}
    pages, problems = read if read is not None else read_pages(Path(catalog.root), catalog)
    problems = list(problems)
    for page in pages:
        for e in page.entries:
            where = f"{e.file}:{e.line}"
            if not e.id:
                problems.append(problem(Code.FAQ_BAD_FIELD, "FAQ entry has no :id:", e.file, e.line))
            elif not _ID_RE.match(e.id):
                problems.append(
                    problem(
                        Code.FAQ_BAD_FIELD,
                        f"FAQ id {e.id!r} must be letters, digits and '-'",
                        e.file,
                        e.option_line("id"),
                    )
                )
            elif e.id in seen:
                problems.append(
                    problem(
                        Code.FAQ_ID_DUPLICATE,
                        f"FAQ id {e.id} is already used at {seen[e.id]}",
                        e.file,
                        e.option_line("id"),
                    )
                )
            else:
                seen[e.id] = where
            label = e.id or "entry"
            for qid in dict.fromkeys(e.questions):
                other = member_of.setdefault(qid, label)
                if other != label:
                    problems.append(
                        problem(
                            Code.FAQ_QUESTION_TWICE,
                            f"question {qid} of FAQ {label} is also a question of {other}",
                            e.file,
                            e.option_line("questions"),
                        )
                    )
            if not e.question:
                problems.append(
                    problem(Code.FAQ_BAD_FIELD, f"FAQ {label} has no question after {{faq}}", e.file, e.line)
                )
            if e.status not in STATUSES:
                problems.append(
                    problem(
                        Code.FAQ_BAD_FIELD, f"FAQ {label}: unknown status {e.status!r}", e.file, e.option_line("status")
                    )
                )
            for name in ("asked", "askers"):
                value = e.options.get(name, "").strip()
                if value and not value.isdigit():
                    problems.append(
                        problem(
                            Code.FAQ_BAD_FIELD,
                            f"FAQ {label}: :{name}: must be a whole number, not {value!r}",
                            e.file,
                            e.option_line(name),
                        )
                    )
            if not e.clauses and e.status != "retired":
                problems.append(
                    problem(
                        Code.FAQ_UNKNOWN_CLAUSE,
                        f"FAQ {label} cites no clause in :clauses:",
                        e.file,
                        e.option_line("clauses"),
                    )
                )
            for key in e.clauses:
                prob = catalog.resolve(key, e.file, e.option_line("clauses"))
                if isinstance(prob, Problem):
                    problems.append(
                        problem(
                            Code.FAQ_UNKNOWN_CLAUSE, f"FAQ {label}: {prob.message}", e.file, e.option_line("clauses")
                        )
                    )
            problems += too_long(e)
            if e.status == "approved":
                if not e.reviewed_by or not e.reviewed_on:
                    missing = " and ".join(
                        n for n, v in (("reviewed-by", e.reviewed_by), ("reviewed-on", e.reviewed_on)) if not v
                    )
                    problems.append(
                        problem(
                            Code.FAQ_NO_REVIEWER,
                            f"FAQ {label} is approved without :{missing}:",
                            e.file,
                            e.option_line("status"),
                        )
                    )
                if e.unsupported_topic:
                    problems.append(
                        problem(
                            Code.FAQ_OFF_TOPIC,
                            f"FAQ {label} is approved but still flagged: its "
                            f"clauses do not mention {', '.join(e.unsupported_topic)}",
                            e.file,
                            e.option_line("unsupported-topic"),
                        )
                    )
                if e.unsupported_claims:
                    problems.append(
                        problem(
                            Code.FAQ_UNSUPPORTED_CLAIM,
                            f"FAQ {label} is approved but still flagged: "
                            f"sentence(s) {', '.join(e.unsupported_claims)} of its answer are not what "
                            f"its clauses say",
                            e.file,
                            e.option_line("unsupported-claims"),
                        )
                    )
                if e.unsupported:
                    problems.append(
                        problem(
                            Code.FAQ_UNGROUNDED,
                            f"FAQ {label} is approved but still flagged: "
                            f"{', '.join(e.unsupported)} not found in its cited clauses",
                            e.file,
                            e.option_line("unsupported"),
                        )
                    )
    return problems


def too_long(entry: FaqEntry) -> list[Problem]:
    """PL811 for a live entry whose question or answer is over the documented maximum (retired
    entries are never published)."""
    if not entry.live:
        return []
    label = entry.id or "entry"
    body_line = max(entry.option_lines.values(), default=entry.line) + 1
    return [
        problem(
            Code.FAQ_TOO_LONG,
            f"FAQ {label}: the {name} is {len(text):,} characters long; at most {limit:,} are allowed",
            entry.file,
            line,
        )
        for name, text, limit, line in (
            ("question", entry.question, MAX_QUESTION_CHARS, entry.line),
            ("answer", entry.answer, MAX_ANSWER_CHARS, body_line),
        )
        if len(text) > limit
    ]
