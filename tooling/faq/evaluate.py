"""``policy faq eval``: how good the drafted FAQ is, against labeled questions.

The labeled file has the shape of ``policy eval``'s (``id``, ``text``, ``intent``, ``clauses``).
Its questions are ingested into a scratch copy of the repository's policies, the FAQ of every
policy is drafted offline from them, and each entry is judged against its member questions'
labels. The repository itself is never touched.

* **cites gold**: the share of entries whose cited clauses include the gold clause of most of
  their member questions (a member labeled not covered counts as a vote for no clause);
* **purity**: the share of member questions (over all entries) that one of the entry's cited
  clauses answers, by their gold clauses;
* **answer first**: over entries whose question asks for a figure (how much, how long, when),
  a yes/no or a role (who), the share whose answer's first sentence gives it: a figure that the
  gold clause states (for "when", a date or duration it states); a yes/no word or a sentence that permits, requires or forbids; an approver
  or owner. Entries asking "how" or other things are counted apart, not judged.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field

from ..catalog import Catalog
from ..matching.extract import _NEED, _NEG, _PERMIT, _ROLE, first_sentence, question_kind, time_figures
from ..matching.grounding import figures
from ..questions.ingest import ingest_paths
from ..questions.store import QuestionStore
from .draft import draft_faq

_YESNO_WORD = re.compile(r"^\s*(?:可以|不能|不可以|需要|不需要|有|没有|能|会|不会|是|不是|Yes|No)[。.,，!！]", re.I)


class EntryJudgement(BaseModel):
    id: str
    question: str
    kind: str
    clauses: list[str]
    members: int
    gold: str | None  # the majority gold clause of the members ("" = not covered)
    cites_gold: bool
    pure_members: int
    first_sentence: str
    answer_first: bool | None  # None: a kind that is not judged


class FaqEvaluation(BaseModel):
    entries: int
    members: int
    cites_gold: float
    purity: float
    judged: int  # entries whose kind asks for a figure, a yes/no or a role
    answer_first: float
    by_kind: dict[str, int] = Field(default_factory=dict)
    flagged: dict[str, int] = Field(default_factory=dict)  # entries flagged, by flag: figures, topic, claims
    judgements: list[EntryJudgement] = Field(default_factory=list)


def gives_what_is_asked(kind: str, sentence: str, gold_text: str) -> bool | None:
    """Does ``sentence`` give what a question of ``kind`` asks for (see the module docstring)?"""
    if kind == "amount":
        stated = {f.value for f in figures(gold_text)}
        return any(f.value in stated for f in figures(sentence))
    if kind == "when":
        return bool(set(time_figures(sentence)) & set(time_figures(gold_text)))
    if kind == "yesno":
        return bool(
            _YESNO_WORD.match(sentence) or _NEG.search(sentence) or _NEED.search(sentence) or _PERMIT.search(sentence)
        )
    if kind == "who":
        return bool(_ROLE.search(sentence))
    return None


def judge(catalog: Catalog, entries, gold_of: dict[str, list[str]]) -> FaqEvaluation:
    """Judge drafted entries; ``gold_of`` maps the store's question ids to gold clause lists."""
    out: list[EntryJudgement] = []
    for e in entries:
        golds = [gold_of[q] for q in e.questions if q in gold_of]
        votes = Counter(k for g in golds for k in (g or [""]))
        gold = votes.most_common(1)[0][0] if votes else None
        pure = sum(1 for g in golds if set(g) & set(e.clauses))
        kind = question_kind(e.question)
        sentence = first_sentence(e.answer)
        gold_clause = catalog.get(gold) if gold else None
        out.append(
            EntryJudgement(
                id=e.id,
                question=e.question,
                kind=kind,
                clauses=e.clauses,
                members=len(golds),
                gold=gold,
                cites_gold=bool(gold) and gold in e.clauses,
                pure_members=pure,
                first_sentence=sentence,
                answer_first=gives_what_is_asked(kind, sentence, gold_clause.text if gold_clause else ""),
            )
        )
    members = sum(j.members for j in out)
    judged = [j for j in out if j.answer_first is not None]
    return FaqEvaluation(
        entries=len(out),
        members=members,
        cites_gold=round(sum(j.cites_gold for j in out) / len(out), 4) if out else 0.0,
        purity=round(sum(j.pure_members for j in out) / members, 4) if members else 0.0,
        judged=len(judged),
        answer_first=round(sum(bool(j.answer_first) for j in judged) / len(judged), 4) if judged else 0.0,
        by_kind=dict(Counter(j.kind for j in out)),
        flagged={
            "figures": sum(bool(e.unsupported) for e in entries),
            "topic": sum(bool(e.unsupported_topic) for e in entries),
            "claims": sum(bool(e.unsupported_claims) for e in entries),
        },
        judgements=out,
    )


def evaluate_faq(root: Path, labeled: Path, top: int = 50, min_askers: int = 2) -> FaqEvaluation:
    """Draft every policy's FAQ offline from ``labeled`` in a scratch copy of ``root`` and judge it."""
    root = Path(root).resolve()
    source = Catalog.load(root)
    rows = [json.loads(line) for line in Path(labeled).read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory(prefix="policy-faq-eval-") as tmp:
        scratch = Path(tmp) / "repo"
        for policy in source.policies:
            rel = Path(policy.path)
            rel = rel.relative_to(root) if rel.is_absolute() else rel
            target = scratch / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / rel, target)
        if (root / "pyproject.toml").exists():
            shutil.copyfile(root / "pyproject.toml", scratch / "pyproject.toml")
        ingest_paths(scratch, [Path(labeled)])
        catalog = Catalog.load(scratch)
        store = QuestionStore(scratch / catalog.settings.questions_db)
        try:
            source_of = {r.id: r.source_id for r in store.iter_records()}
        finally:
            store.close()
        gold = {row["id"]: list(row.get("clauses") or []) for row in rows}
        gold_of = {qid: gold[sid] for qid, sid in source_of.items() if sid in gold}
        entries = []
        for policy in catalog.policies:
            entries += draft_faq(scratch, policy.id, top=top, min_askers=min_askers, catalog=catalog).added
        return judge(catalog, entries, gold_of)
