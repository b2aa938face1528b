"""``policy questions ingest|stats|export|cluster``: the question inbox."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import click

from ..config import load_settings
from ..errors import Code, Severity, problem
from ..paths import output_file
from ..questions.formats import FORMATS
from ..questions.ingest import ingest_paths
from ..questions.models import IngestSummary, Rejection
from ..questions.store import store_for_root
from . import cli
from .options import common, echo_json, report, semantic_option


def warn_builtin_key(root: Path) -> None:
    """Once per command: pseudonyms made with the built-in key can be recomputed by anyone."""
    from ..config import load_settings, uses_builtin_asker_key

    if uses_builtin_asker_key(load_settings(root)):
        report([problem(Code.ASKER_KEY_BUILTIN, "asker pseudonyms use the built-in key", root / ".policy-secret", 1)])


@cli.group()
def questions() -> None:
    """Collect the questions people asked: ingest exports, see counts, export scrubbed records."""


def _problem(r: Rejection):
    severity = Severity.warning if r.code == Code.QUESTION_NOT_ASKING else None
    return problem(r.code, r.reason, r.file, r.line, severity)


def _print_summary(summary: IngestSummary) -> None:
    listed = [r for r in summary.rejections if r.code != Code.QUESTION_NOT_ASKING]
    report([_problem(r) for r in summary.errors + listed + summary.warnings])
    chatter = Counter(r.reason for r in summary.rejections if r.code == Code.QUESTION_NOT_ASKING)
    if chatter:
        kinds = "; ".join(f"{n} {reason}" for reason, n in chatter.most_common())
        click.echo(
            f"{sum(chatter.values())} message(s) were not questions and were not stored ({kinds}); "
            "--all keeps them, --json lists each with its line",
            err=True,
        )
    for part in summary.files:
        click.echo(
            f"{part.file} [{part.format}]: read {part.read}, stored {part.stored}, "
            f"duplicates {part.duplicates}, rejected {part.rejected}"
        )
    click.echo(
        f"read {summary.read} = stored {summary.stored} + duplicates {summary.duplicates} + "
        f"rejected {summary.rejected}  (batch {summary.batch})"
    )
    if summary.errors:
        click.echo(f"{len(summary.errors)} input(s) could not be read", err=True)


@questions.command()
@common
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Input format (default: detected per file).")
@click.option("--channel", help="Channel for every record (default: from the record, else by format).")
@click.option("--policy", "policy_id", help="Policy hint for every record, e.g. SALES.")
@click.option("--all", "keep_all", is_flag=True, help="Keep every chat message, not only questions.")
@click.option("--keep-raw", is_flag=True, help="Also store the unscrubbed text (never exported). Off by default.")
@click.option("--text-column", help="The column (spreadsheets) or key (JSON) that holds the question, e.g. 消息内容.")
@click.option("--time-column", help="The column or key that holds when it was asked, e.g. 发送时间.")
@click.option("--asker-column", help="The column or key that holds who asked (it is pseudonymised), e.g. 发送人.")
@click.option("--sheet", help="Excel: the sheet to read (default: the first).")
@click.option("--encoding", help="Text encoding, when detection cannot tell (e.g. gb18030, big5).")
def ingest(
    root: Path,
    as_json: bool,
    paths: tuple[Path, ...],
    fmt: str | None,
    channel: str | None,
    policy_id: str | None,
    keep_all: bool,
    keep_raw: bool,
    text_column: str | None,
    time_column: str | None,
    asker_column: str | None,
    sheet: str | None,
    encoding: str | None,
) -> None:
    """Ingest question files (CSV/TSV, .xlsx, JSON Lines, .eml, .mbox, Slack export folders, chat JSON,
    plain text) into the store. Re-running is safe: nothing is stored twice."""
    warn_builtin_key(root)
    try:
        summary = ingest_paths(
            root,
            paths,
            fmt=fmt,
            channel=channel,
            policy=policy_id,
            keep_all=keep_all,
            keep_raw=keep_raw,
            text_column=text_column,
            time_column=time_column,
            asker_column=asker_column,
            sheet=sheet,
            encoding=encoding,
            progress=sys.stderr.isatty() and not as_json,
        )
    except KeyboardInterrupt:
        click.echo(
            "interrupted: the file being read was rolled back, earlier files are stored; "
            "run the same command again to finish",
            err=True,
        )
        sys.exit(130)
    if as_json:
        echo_json(summary)
    else:
        _print_summary(summary)
    sys.exit(1 if summary.errors else 0)


@questions.command()
@common
def batches(root: Path, as_json: bool) -> None:
    """The ingests so far, oldest first: batch id, files and counts (for 'forget --batch')."""
    with store_for_root(root) as store:
        found = store.batches()
    if as_json:
        echo_json(found)
        return
    for b in found:
        files = ", ".join(Path(f).name for f in b.files[:3]) + (f" (+{len(b.files) - 3})" if len(b.files) > 3 else "")
        click.echo(
            f"{b.batch}  {b.finished_at[:16].replace('T', ' ')}  stored {b.stored:>5} (now {b.present:>5})  "
            f"read {b.read:>5}  dup {b.duplicates:>4}  rejected {b.rejected:>4}  {files}"
        )
    if not found:
        click.echo("no ingests yet (run 'policy questions ingest FILES')", err=True)


@questions.command()
@common
@click.option("--batch", "batch", required=True, help="The batch id ('policy questions batches' lists them).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def forget(root: Path, as_json: bool, batch: str, yes: bool) -> None:
    """Take an ingest back out: remove the questions that batch stored (e.g. after a wrong column)."""
    with store_for_root(root) as store:
        known = {b.batch: b for b in store.batches()}
        if batch in known and not yes and not as_json:
            click.confirm(
                f"remove the {known[batch].present} question(s) stored by batch {batch}?", abort=True, err=True
            )
        removed = store.forget(batch)
    if as_json:
        echo_json({"batch": batch, "removed": removed})
    else:
        click.echo(f"batch {batch}: {removed} question(s) removed; ingest the files again to bring them back")


@questions.command()
@common
def stats(root: Path, as_json: bool) -> None:
    """Counts by channel, policy hint and week; askers who asked more than once."""
    with store_for_root(root) as store:
        result = store.stats()
    if as_json:
        echo_json(result)
        return
    click.echo(
        f"{result.total} questions from {result.askers} askers in {result.batches} batch(es); "
        f"{result.repeat_askers} askers asked more than once, {result.repeated_questions} repeated question(s)"
    )
    for title, counts in (
        ("channel", result.by_channel),
        ("policy hint", result.by_policy),
        ("week", result.by_week),
        ("repeat asker", result.top_repeat_askers),
    ):
        click.echo(f"\nby {title}:")
        for key, value in counts.items():
            click.echo(f"  {key:<24} {value:>6}")


@questions.command()
@common  # --json is accepted for symmetry: the output is always JSON Lines
@click.option("--policy", "policy_id", help="Only records hinted for this policy.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead of stdout.")
def export(root: Path, as_json: bool, policy_id: str | None, out: Path | None) -> None:
    """Scrubbed records as JSON Lines: id, source_id, channel, asker, asked_at, text, policy_hint."""
    del as_json
    if out is None:
        with store_for_root(root) as store:
            for record in store.iter_records(policy_id):
                click.echo(json.dumps(record.export(), ensure_ascii=False))
        return
    # checked before the store is opened; the file appears only once complete
    with (
        output_file(root, out, load_settings(root)) as tmp,
        open(tmp, "w", encoding="utf-8") as handle,
        store_for_root(root) as store,
    ):
        for record in store.iter_records(policy_id):
            handle.write(json.dumps(record.export(), ensure_ascii=False) + "\n")


@questions.command(name="cluster")
@common
@click.option("--policy", default=None, help="Only clusters whose primary policy is ID.")
@click.option("--limit", default=0, type=click.IntRange(0), help="Show only the first N clusters (0 = all).")
@semantic_option
def cluster(root: Path, as_json: bool, policy: str | None, limit: int, semantic: str | None) -> None:
    """Group the stored questions by what they ask, most-asked (by distinct askers, recent) first."""
    from ..catalog import Catalog
    from ..matching.answer import Matcher
    from ..matching.cluster import cluster_questions

    catalog = Catalog.load(root)
    matcher = Matcher.open(root, catalog, semantic=semantic) if list(catalog.clauses) else None
    with store_for_root(root) as store:
        clusters = cluster_questions(store.iter_records(), matcher=matcher, policy=policy)
    clusters = clusters[:limit] if limit else clusters
    if as_json:
        echo_json(clusters)
        return
    for c in clusters:
        where = ", ".join(c.clauses) if c.covered else "NOT COVERED"
        click.echo(f"{c.score:8.2f}  {c.askers:4} askers  {c.size:5} asks  {where:14}  {c.representative[:80]}")
    if not clusters:
        click.echo("no questions in the store (run 'policy questions ingest' first)", err=True)
        sys.exit(0)
