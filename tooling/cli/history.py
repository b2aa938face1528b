"""``policy history`` and ``policy diff``: releases from git and clause-level diffs."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..history.diff import ClauseDiff, diff_refs
from ..history.impact import renumbered_citations
from ..history.redline import redline_text
from ..history.releases import Release, list_releases
from . import cli
from .options import common, echo_json


@cli.command()
@common
@click.argument("policy_id", metavar="POLICY")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Judge current/superseded/upcoming on this date (default: today).",
)
def history(root: Path, as_json: bool, policy_id: str, as_of: dt.datetime | None) -> None:
    """List the releases of POLICY (commits where its version changed) and the commits between them."""
    releases = list_releases(root, policy_id, today=as_of.date() if as_of else None)
    if as_json:
        echo_json(releases)
        return
    click.echo(f"{releases[-1].policy}  {releases[-1].title}")
    for release in reversed(releases):
        click.echo(_release_line(release))
        for change in reversed(release.changes):
            click.echo(f"           · {change.short} {change.date:%Y-%m-%d} {change.author}: {change.message}")


def _release_line(r: Release) -> str:
    span = f"in force {r.effective} to {r.in_force_to}" if r.in_force_to else f"in force from {r.effective}"
    if r.status == "upcoming":
        span = f"takes effect {r.effective}"
    extra = f", superseded by {r.superseded_by}" if r.status == "superseded" else ""
    tags = f" [{', '.join(r.tags)}]" if r.tags else ""
    return (
        f"  {r.version:<8} {r.status:<10} {span}{extra}\n"
        f"           {r.short} {r.date:%Y-%m-%d} {r.author}: {r.message}{tags}"
    )


@cli.command()
@common
@click.argument("policy_id", metavar="POLICY")
@click.argument("old")
@click.argument("new", default="WORKTREE")
def diff(root: Path, as_json: bool, policy_id: str, old: str, new: str) -> None:
    """Clause-level diff of POLICY between OLD and NEW (release versions, tags or commits;
    NEW defaults to WORKTREE, the file on disk)."""
    result = diff_refs(root, policy_id, old, new)
    places = renumbered_citations(root, result)
    if as_json:
        echo_json({**result.model_dump(mode="json"), "to_update": places})
        return
    _print_diff(result, color=sys.stdout.isatty())
    if places:
        click.echo(f"{len(places)} citation(s) of renumbered clauses to check:")
        for place in places:
            click.echo(f"  {place.file}:{place.line}: {place.cited} -> {place.now}")


def _print_diff(d: ClauseDiff, color: bool) -> None:
    click.echo(
        f"{d.policy} {d.old_version} -> {d.new_version}: {len(d.added)} added, {len(d.removed)} removed, "
        f"{len(d.changed)} changed, {len(d.renumbered)} renumbered, {d.unchanged} unchanged"
    )
    for a in d.added:
        click.echo(f"added       {a.new:<10} {a.title or _first(a.text)}")
    for r in d.removed:
        click.echo(f"removed     {r.old:<10} {r.title or _first(r.text)}")
    for n in d.renumbered:
        note = "text changed" if n.changed else "text unchanged"
        click.echo(f"renumbered  {n.old} -> {n.new:<6} {n.title or ''} ({note})")
    for c in d.changed:
        where = c.new if c.old == c.new else f"{c.new} (was {c.old})"
        click.echo(f"changed     {where:<10} {c.title or ''}")
        for line in redline_text(c.redline, color=color).splitlines():
            click.echo(f"    {line}")


def _first(text: str) -> str:
    return text.replace("\n", " ")[:40]
