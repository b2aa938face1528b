"""Measure matching and clustering against labeled questions, beside a plain BM25 baseline.

Labeled files have the shape of ``shared/eval/dev/questions.jsonl``: ``id``, ``asked_at``,
``asker``, ``text``, ``intent`` (gold group) and ``clauses`` (gold answers, ``[]`` = not covered).

* top-1 accuracy and recall@3 over covered questions: is a gold clause first / in the top 3;
  top-1 also separately for questions asked in the language of their (first) gold clause and
  for the others (cross-language: the hardest part, see docs/matching.md);
* MRR: mean of 1/rank of the first gold clause (0 when not in the top 10);
* not-covered precision/recall/F1: ``covered == False`` against ``clauses == []``;
* clustering: V-measure (scikit-learn) and B-cubed F1 of ``cluster_questions`` against ``intent``.

The report also gives the F1-optimal not-covered threshold on the file (``calibrated``), which
is how the default thresholds in ``answer.py`` were chosen (see docs/matching.md).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from ..catalog import Catalog
from ..errors import Code, PolicyToolError, Problem, problem
from ..text import language_of
from .answer import Matcher
from .cluster import cluster_questions
from .index import build_index


class LabeledQuestion(BaseModel):
    id: str
    text: str
    intent: str
    clauses: list[str] = Field(default_factory=list)
    asker: str | None = None
    asked_at: datetime = datetime(2026, 1, 1)
    channel: str = ""


class Metrics(BaseModel):
    system: str
    questions: int
    covered_questions: int
    top1: float
    top1_same_language: float  # questions asked in the language of their gold clause
    top1_cross_language: float  # the others: a Chinese question about an English policy…
    cross_language_questions: int
    recall_at_3: float
    mrr: float
    not_covered_precision: float
    not_covered_recall: float
    not_covered_f1: float
    threshold: float
    calibrated_threshold: float
    calibrated_f1: float
    clusters: int
    v_measure: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    seconds: float


class EvalReport(BaseModel):
    file: str
    systems: list[Metrics]
    problems: list[Problem] = Field(default_factory=list)


def load_labeled(path: Path) -> tuple[list[LabeledQuestion], list[Problem]]:
    """Read a labeled JSONL file; bad lines are reported with file:line and skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyToolError(problem(Code.INPUT_UNREADABLE, f"cannot read labeled questions: {exc}", path, 1)) from exc
    out: list[LabeledQuestion] = []
    problems: list[Problem] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append(LabeledQuestion.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            problems.append(problem(Code.EVAL_LABELS, f"bad labeled question: {str(exc).splitlines()[0]}", path, n))
    return out, problems


def prf(pred: np.ndarray, gold: np.ndarray) -> tuple[float, float, float]:
    tp = float((pred & gold).sum())
    p = tp / pred.sum() if pred.sum() else 0.0
    r = tp / gold.sum() if gold.sum() else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def bcubed(pred: list[str], gold: list[str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 (Bagga & Baldwin) in O(n) via pair counts."""

    both = Counter(zip(pred, gold))
    np_, ng = Counter(pred), Counter(gold)
    n = len(pred)
    p = sum(c * c / np_[k[0]] for k, c in both.items()) / n
    r = sum(c * c / ng[k[1]] for k, c in both.items()) / n
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def calibrate(confidence: np.ndarray, not_covered: np.ndarray) -> tuple[float, float]:
    """The threshold (on the confidence grid) with the best not-covered F1, and that F1."""
    best = (0.0, 0.0)
    for th in np.round(np.arange(0.01, 1.0, 0.01), 2):
        f1 = prf(confidence < th, not_covered)[2]
        if f1 > best[1] + 1e-9:
            best = (float(th), f1)
    return best


def evaluate_matcher(name: str, matcher: Matcher, questions: list[LabeledQuestion]) -> Metrics:

    from sklearn.metrics import v_measure_score  # on first use: importing the module stays cheap

    start = time.perf_counter()
    results = matcher.answer_many([q.text for q in questions], top=10, ids=[q.id for q in questions])
    covered = [i for i, q in enumerate(questions) if q.clauses]
    ranks = []
    for i in covered:
        keys = results[i].keys
        gold = set(questions[i].clauses)
        ranks.append(next((k + 1 for k, key in enumerate(keys[:10]) if key in gold), 0))
    ranks_a = np.array(ranks)
    language = {d.key: d.language for d in matcher.index.docs}
    cross = np.array(
        [language_of(questions[i].text) != language.get(questions[i].clauses[0], "") for i in covered], dtype=bool
    )
    gold_nc = np.array([not q.clauses for q in questions])
    pred_nc = np.array([not r.covered for r in results])
    p, r, f1 = prf(pred_nc, gold_nc)
    th, cf1 = calibrate(np.array([r.confidence for r in results]), gold_nc)
    clusters = cluster_questions(questions, matcher=matcher)
    label = {qid: c.id for c in clusters for qid in c.question_ids}
    pred = [label[q.id] for q in questions]
    intents = [q.intent for q in questions]
    bp, br, bf = bcubed(pred, intents)
    return Metrics(
        system=name,
        questions=len(questions),
        covered_questions=len(covered),
        top1=_r(np.mean(ranks_a == 1)),
        top1_same_language=_r(np.mean(ranks_a[~cross] == 1) if (~cross).any() else 0),
        top1_cross_language=_r(np.mean(ranks_a[cross] == 1) if cross.any() else 0),
        cross_language_questions=int(cross.sum()),
        recall_at_3=_r(np.mean((ranks_a >= 1) & (ranks_a <= 3))),
        mrr=_r(np.mean(np.where(ranks_a > 0, 1 / np.maximum(ranks_a, 1), 0))),
        not_covered_precision=_r(p),
        not_covered_recall=_r(r),
        not_covered_f1=_r(f1),
        threshold=matcher.threshold,
        calibrated_threshold=th,
        calibrated_f1=_r(cf1),
        clusters=len(clusters),
        v_measure=_r(v_measure_score(intents, pred)),
        bcubed_precision=_r(bp),
        bcubed_recall=_r(br),
        bcubed_f1=_r(bf),
        seconds=round(time.perf_counter() - start, 2),
    )


def _r(x: Any) -> float:
    return round(float(x), 4) if len(np.atleast_1d(x)) else 0.0


def evaluate(root: Path, labeled: Path, semantic: str | None = None) -> EvalReport:
    """Evaluate the configured matcher (and lexical-only, when that differs) and the baseline."""
    questions, problems = load_labeled(labeled)
    if not questions:
        raise PolicyToolError(problems or [problem(Code.EVAL_LABELS, "no labeled questions", labeled, 1)])
    catalog = Catalog.load(Path(root))
    systems: list[Metrics] = []
    main = Matcher.open(catalog.root, catalog, semantic=semantic)
    if main.encoder is not None:
        systems.append(evaluate_matcher(f"fusion (BM25 + {main.encoder.name})", main, questions))
        # the same BM25 index without the encoder (its threshold is the lexical default's)
        main = Matcher(main.index, None, catalog.settings.html_baseurl, catalog.settings.matching.threshold)
    systems.append(evaluate_matcher("lexical (BM25: words, bigrams, pinyin, glosses)", main, questions))
    baseline = Matcher(
        build_index(catalog, None, plain=True), None, catalog.settings.html_baseurl, catalog.settings.matching.threshold
    )
    baseline.threshold = calibrate(_confidences(baseline, questions), np.array([not q.clauses for q in questions]))[0]
    systems.append(evaluate_matcher("baseline (plain BM25, threshold fit on this file)", baseline, questions))
    return EvalReport(file=str(labeled), systems=systems, problems=problems)


def _confidences(matcher: Matcher, questions: list[LabeledQuestion]) -> np.ndarray:
    return np.array([r.confidence for r in matcher.answer_many([q.text for q in questions], top=1)])
