"""``policy answer`` and ``policy eval``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import Code, PolicyToolError, problem
from . import cli
from .options import common, echo_json, echo_jsonl, report, semantic_option


def _read_batch(path: Path) -> tuple[list[str | None], list[str]]:
    """Questions from a JSONL file (``id`` and ``text`` per line) or a plain text file (one per line)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyToolError(problem(Code.INPUT_UNREADABLE, f"cannot read questions: {exc}", path, 1)) from exc
    ids: list[str | None] = []
    texts: list[str] = []
    bad = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                obj = json.loads(line)
                text = obj.get("text") or obj.get("question")
                if not isinstance(text, str) or not text.strip():
                    raise ValueError("no 'text'")
            except (json.JSONDecodeError, ValueError, AttributeError) as exc:
                bad.append(problem(Code.INPUT_RECORD, f"bad question line: {exc}", path, n))
                continue
            ids.append(str(obj["id"]) if obj.get("id") is not None else None)
            texts.append(text)
        else:
            ids.append(None)
            texts.append(line.strip())
    if bad:
        raise PolicyToolError(bad)
    return ids, texts


@cli.command()
@common
@click.argument("question", required=False)
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Answer every question of a JSONL file (id, text) or text file; one result per line.",
)
@click.option("--top", default=3, show_default=True, type=click.IntRange(1, 50), help="How many matches to show.")
@semantic_option
def answer(root: Path, as_json: bool, question: str | None, file: Path | None, top: int, semantic: str | None) -> None:
    """Find the clause or approved FAQ entry that answers QUESTION (or say nothing does)."""
    from ..matching.answer import Matcher

    if bool(question) == bool(file):
        raise click.UsageError("give one QUESTION or --file FILE")
    matcher = Matcher.open(root, semantic=semantic)
    if file is not None:
        ids, texts = _read_batch(file)
        for result in matcher.answer_many(texts, top=top, ids=ids):
            echo_jsonl(result) if as_json else click.echo(f"{result.id or '-'}\t{result.reply}")
        return
    result = matcher.answer(question or "", top=top)
    if as_json:
        echo_json(result)
        return
    click.echo(result.reply)
    for m in result.matches:
        click.echo(f"  {m.score:.3f}  {m.kind:6} {m.key:14} {m.title}  {m.url}")
    if not result.covered:
        click.echo("  (not covered: confidence below the threshold)")


@cli.command(name="eval")
@common
@click.argument("labeled", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@semantic_option
def eval_command(root: Path, as_json: bool, labeled: Path, semantic: str | None) -> None:
    """Measure matching and clustering on LABELED.jsonl, beside a plain BM25 baseline."""
    from ..matching.evaluate import evaluate

    result = evaluate(root, labeled, semantic=semantic)
    report(result.problems)
    if as_json:
        echo_json(result)
        return
    rows = [
        ("top-1", "top1"),
        ("top-1 same language", "top1_same_language"),
        ("top-1 cross-language", "top1_cross_language"),
        ("cross-language questions", "cross_language_questions"),
        ("recall@3", "recall_at_3"),
        ("MRR", "mrr"),
        ("not-covered P", "not_covered_precision"),
        ("not-covered R", "not_covered_recall"),
        ("not-covered F1", "not_covered_f1"),
        ("threshold", "threshold"),
        ("calibrated thr.", "calibrated_threshold"),
        ("F1 at calibrated", "calibrated_f1"),
        ("clusters", "clusters"),
        ("V-measure", "v_measure"),
        ("B-cubed P", "bcubed_precision"),
        ("B-cubed R", "bcubed_recall"),
        ("B-cubed F1", "bcubed_f1"),
        ("seconds", "seconds"),
    ]
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{labeled} ({result.systems[0].questions} questions)")
    table.add_column("metric")
    for s in result.systems:
        table.add_column(s.system, justify="right")
    for label, field in rows:
        table.add_row(label, *[f"{getattr(s, field):g}" for s in result.systems])
    Console().print(table)
