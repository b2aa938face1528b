"""``policy faq draft|gaps|propose|approve|retire|stale``: the "50 questions" FAQ."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from ..catalog import Catalog
from . import cli
from .options import common, echo_json, report, root_option


@cli.group()
def faq() -> None:
    """Draft FAQ entries from the questions people ask, propose them for review, approve them."""


@faq.command()
@common
@click.option("--policy", "policy_id", required=True, help="Policy id, e.g. SALES.")
@click.option("--top", default=50, show_default=True, help="Fill the page up to this many live entries.")
@click.option("--drafter", type=click.Choice(["offline", "openai"]), default="offline", show_default=True,
              help="offline: deterministic, no network; openai: the configured OpenAI-compatible endpoint.")
@click.option("--min-askers", default=2, show_default=True, help="Only draft groups asked by at least this many people.")
def draft(root: Path, as_json: bool, policy_id: str, top: int, drafter: str, min_askers: int) -> None:
    """Add draft entries for the most-asked question groups no entry answers yet."""
    from ..faq.draft import draft_faq

    result = draft_faq(root, policy_id, top=top, drafter=drafter, min_askers=min_askers)
    report(result.problems)
    if as_json:
        echo_json(result)
        return
    for e in result.added:
        flag = f"  ⚠ unsupported: {', '.join(e.unsupported)}" if e.unsupported else ""
        click.echo(f"{e.id:<16} [{', '.join(e.clauses)}] asked {e.asked}× by {e.askers}  {e.question}{flag}")
    click.echo(f"{result.page}: {len(result.added)} draft(s) added ({result.live_before} live before, top {top}); "
               f"{len(result.flagged)} flagged; {len(result.gaps)} gap(s) — see 'policy faq gaps'", err=True)


@faq.command()
@common
@click.option("--policy", "policy_id", required=True, help="Policy id, e.g. SALES.")
def gaps(root: Path, as_json: bool, policy_id: str) -> None:
    """What people ask about a policy that no clause answers (for the policy owner)."""
    from ..faq.draft import load_clusters
    from ..faq.gaps import find_gaps, gaps_markdown

    catalog = Catalog.load(root)
    policy = catalog.require(policy_id)
    clusters, records, matcher = load_clusters(root, catalog)
    found = find_gaps(clusters, records, policy.id, matcher)
    if as_json:
        echo_json(found)
        return
    click.echo(gaps_markdown(found, policy.language), nl=False)


@faq.command()
@root_option
@click.option("--policy", "policy_id", required=True, help="Policy id, e.g. SALES.")
@click.option("--push", is_flag=True, help="Push the branch to the remote.")
@click.option("--remote", default="origin", show_default=True, help="Remote to push to.")
@click.option("--branch", default=None, help="Branch name (default: faq/<policy>-<date>).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the pull-request description here instead of stdout.")
def propose(root: Path, policy_id: str, push: bool, remote: str, branch: str | None, out: Path | None) -> None:
    """Commit the FAQ page on a new branch and print a pull-request description."""
    from ..faq.propose import propose as run

    from ..config import load_settings
    from ..paths import safe_output, write_output

    if out:
        safe_output(root, out, load_settings(root))   # refused before the branch is made, not after
    proposal = run(root, policy_id, push=push, remote=remote, branch=branch)
    if out:
        write_output(root, out, load_settings(root), proposal.description)
    else:
        click.echo(proposal.description, nl=False)
    pushed = f", pushed to {remote}" if proposal.pushed else ""
    click.echo(f"branch {proposal.branch} at {proposal.commit[:10]}: {len(proposal.new)} new entr"
               f"{'y' if len(proposal.new) == 1 else 'ies'}{pushed}", err=True)


@faq.command()
@root_option
@click.argument("ids", nargs=-1, required=True)
@click.option("--by", "by", required=True, help="Reviewer name, e.g. 张敏.")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Review date (default: today).")
@click.option("--force", is_flag=True, help="Approve even if figures in the answer are not in its clauses.")
def approve(root: Path, ids: tuple[str, ...], by: str, on: dt.datetime | None, force: bool) -> None:
    """Approve entries: status, reviewer, date and clause stamps are edited in place."""
    from ..faq.approve import approve as run

    catalog = Catalog.load(root)
    for entry_id in ids:
        entry = run(root, entry_id, by, on.date() if on else None, force=force, catalog=catalog)
        click.echo(f"{entry.file}:{entry.line}: {entry.id} approved by {entry.reviewed_by} on {entry.reviewed_on}")


@faq.command()
@root_option
@click.argument("ids", nargs=-1, required=True)
def retire(root: Path, ids: tuple[str, ...]) -> None:
    """Retire entries: they leave the site; their ids stay taken."""
    from ..faq.approve import retire as run

    catalog = Catalog.load(root)
    for entry_id in ids:
        entry = run(root, entry_id, catalog=catalog)
        click.echo(f"{entry.file}:{entry.line}: {entry.id} retired")


@faq.command()
@common
def stale(root: Path, as_json: bool) -> None:
    """Approved entries whose cited clauses changed, vanished or were renumbered since review."""
    from ..history.stale import find_stale

    entries, problems = find_stale(root)
    report(problems)
    if as_json:
        echo_json(entries)
    else:
        for e in entries:
            reasons = "; ".join(f"{c.key}@{c.version} {c.reason}" + (f" -> {c.current}" if c.current and
                                c.current != c.key else "") for c in e.clauses)
            click.echo(f"{e.file}:{e.line}: {e.id}: {reasons}")
    sys.exit(1 if entries else 0)
