"""``policy build``, ``policy check``, ``policy clauses``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..catalog import Catalog
from ..check import check_repository
from ..config import load_settings
from ..errors import Severity, suppressed
from . import cli
from .options import common, echo_json, report, root_option


@cli.command()
@root_option
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Output folder (default: ROOT/_build/html).")
@click.option("--drafts", is_flag=True, help="Show draft FAQ entries with a draft badge (for reviewers).")
@click.option("-W", "--warnings-as-errors", "strict", is_flag=True, help="Fail on any Sphinx warning.")
@click.option("-v", "--verbose", is_flag=True, help="Show Sphinx's own log (reading, writing, each page).")
def build(root: Path, out: Path | None, drafts: bool, strict: bool, verbose: bool) -> None:
    """Build the site of the policy repository at ROOT; prints problems and a one-line summary."""
    from ..site import build_site

    try:
        status = build_site(root, out, drafts=drafts, warnings_as_errors=strict, verbose=verbose)
    except KeyboardInterrupt:
        click.echo("interrupted: the site was not updated; the previous site is as it was", err=True)
        sys.exit(130)
    sys.exit(status)


@cli.command()
@common
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. stale FAQ answers) as errors.")
def check(root: Path, as_json: bool, strict: bool) -> None:
    """Validate front matter, clauses, citations and FAQ entries; one file:line per problem."""
    problems = check_repository(root)
    hide = load_settings(root).suppress_warnings
    hidden = sum(suppressed(p, hide) for p in problems)
    problems = [p for p in problems if not suppressed(p, hide)]
    if as_json:
        echo_json(problems)
    else:
        report(problems)
    errors = [p for p in problems if strict or p.severity == Severity.error]
    if not as_json:
        click.echo(
            f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s)"
            + (f", {hidden} hidden by suppress_warnings" if hidden else ""),
            err=True,
        )
    sys.exit(1 if errors else 0)


@cli.command()
@common
@click.option("--policy", "policy_id", help="Only this policy (id, e.g. SALES).")
@click.option(
    "--at",
    "at",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The clauses in force on this date (from the git history), e.g. 2025-06-01.",
)
def clauses(root: Path, as_json: bool, policy_id: str | None, at) -> None:
    """List clause records (the same as the site's clauses.json) from the sources, no build."""
    catalog = Catalog.load(root)
    report(catalog.problems)
    if policy_id and not catalog.policy(policy_id):
        raise click.BadParameter(f"no policy with id {policy_id} under {root}", param_hint="--policy")
    if at is not None:
        from ..history import clauses_at

        source = clauses_at(root, at.date(), catalog.settings)
    else:
        source = list(catalog.clauses)
    records = [c for c in source if policy_id is None or c.policy == policy_id.upper()]
    if as_json:
        echo_json([c.record() for c in records])
        return
    for c in records:
        summary = (c.title or c.text[:40]).replace("\n", " ")
        click.echo(f"{c.key:<16} {c.anchor:<20} {summary}")
