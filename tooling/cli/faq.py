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
@click.option(
    "--drafter",
    type=click.Choice(["offline", "openai"]),
    default="offline",
    show_default=True,
    help="offline: deterministic, no network; openai: the configured OpenAI-compatible endpoint.",
)
@click.option(
    "--min-askers", default=2, show_default=True, help="Only draft groups asked by at least this many people."
)
def draft(root: Path, as_json: bool, policy_id: str, top: int, drafter: str, min_askers: int) -> None:
    """Add draft entries for the most-asked question groups no entry answers yet."""
    from ..faq.draft import draft_faq

    try:
        result = draft_faq(root, policy_id, top=top, drafter=drafter, min_askers=min_askers)
    except KeyboardInterrupt:
        click.echo(
            "interrupted: nothing was half-written (the FAQ page is written once, at the end, and only "
            "accepted LLM replies are cached) — run the same command again to finish",
            err=True,
        )
        sys.exit(130)
    report(result.problems)
    if as_json:
        echo_json(result)
        return
    for e in [*result.added, *result.redrafted]:
        flag = f"  ⚠ unsupported: {', '.join(e.unsupported)}" if e.unsupported else ""
        flag += f"  ⚠ off topic? not in the clause: {', '.join(e.unsupported_topic)}" if e.unsupported_topic else ""
        flag += (
            f"  ⚠ sentence(s) {', '.join(e.unsupported_claims)} not what the clause says"
            if e.unsupported_claims
            else ""
        )
        again = "  (redrafted)" if e in result.redrafted else ""
        click.echo(f"{e.id:<16} [{', '.join(e.clauses)}] asked {e.asked}× by {e.askers}  {e.question}{flag}{again}")
    redrafted = f", {len(result.redrafted)} LLM fallback(s) redrafted" if result.redrafted else ""
    click.echo(
        f"{result.page}: {len(result.added)} draft(s) added{redrafted} ({result.live_before} live before, "
        f"top {top}); {len(result.flagged)} flagged; {len(result.inbox)} question(s) left out as off topic for "
        f"their group's clause; {len(result.gaps)} gap(s) — see 'policy faq gaps'",
        err=True,
    )


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
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the pull-request description here instead of stdout.",
)
def propose(root: Path, policy_id: str, push: bool, remote: str, branch: str | None, out: Path | None) -> None:
    """Commit the FAQ page on a new branch and print a pull-request description."""
    from ..config import load_settings
    from ..faq.propose import propose as run
    from ..paths import safe_output, write_output

    if out:
        safe_output(root, out, load_settings(root))  # refused before the branch is made, not after
    proposal = run(root, policy_id, push=push, remote=remote, branch=branch)
    if out:
        write_output(root, out, load_settings(root), proposal.description)
    else:
        click.echo(proposal.description, nl=False)
    pushed = f", pushed to {remote}" if proposal.pushed else ""
    click.echo(
        f"branch {proposal.branch} at {proposal.commit[:10]}: {len(proposal.new)} new entr"
        f"{'y' if len(proposal.new) == 1 else 'ies'}{pushed}",
        err=True,
    )


@faq.command()
@root_option
@click.argument("ids", nargs=-1, required=True)
@click.option("--by", "by", required=True, help="Reviewer name, e.g. 张敏.")
@click.option("--on", "on", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Review date (default: today).")
@click.option("--force", is_flag=True, help="Approve even if figures in the answer are not in its clauses.")
def approve(root: Path, ids: tuple[str, ...], by: str, on: dt.datetime | None, force: bool) -> None:
    """Approve entries: status, reviewer, date and clause stamps are edited in place; the
    questions each entry keeps become labels of it in faq/labels.jsonl."""
    from ..faq.approve import approve_entry

    catalog = Catalog.load(root)
    for entry_id in ids:
        done = approve_entry(root, entry_id, by, on.date() if on else None, force=force, catalog=catalog)
        entry = done.entry
        report(done.problems)
        labeled = f"; {len(done.labels.written)} question label(s) written" if done.labels.written else ""
        click.echo(
            f"{entry.file}:{entry.line}: {entry.id} approved by {entry.reviewed_by} on {entry.reviewed_on}{labeled}"
        )


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
            reasons = "; ".join(
                f"{c.key}@{c.version} {c.reason}" + (f" -> {c.current}" if c.current and c.current != c.key else "")
                for c in e.clauses
            )
            click.echo(f"{e.file}:{e.line}: {e.id}: {reasons}")
    sys.exit(1 if entries else 0)


_on_option = click.option(
    "--on", "on", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Date of the decision (default: today)."
)
_by_option = click.option("--by", "by", required=True, help="Reviewer name, e.g. 张敏.")


@faq.command()
@root_option
@click.argument("questions", nargs=-1, required=True, metavar="TEXT|QID...")
@click.option(
    "--answer",
    "answer",
    multiple=True,
    required=True,
    metavar="X",
    help="A clause key (any spelling; repeat or separate with commas for several), an FAQ entry id, "
    "not-covered or not-a-question.",
)
@_by_option
@_on_option
def label(root: Path, questions: tuple[str, ...], answer: tuple[str, ...], by: str, on: dt.datetime | None) -> None:
    """Record the answer to questions in faq/labels.jsonl (a question text, or a stored question by id)."""
    from ..faq.review import display, label_questions

    change, labels = label_questions(root, questions, answer, by, on.date() if on else None)
    for lb in labels:
        shown = lb.answer if isinstance(lb.answer, str) else ", ".join(lb.answer)
        click.echo(f"{display(lb.text, 80)}  →  {shown}" + (f"   ({lb.id})" if lb.id else ""))
    click.echo(change.summary(), err=True)


@faq.command()
@common
@click.argument("ids", nargs=-1, metavar="[ENTRY]...")
@click.option("--policy", "policy_id", default=None, help="Only the entries of this policy's FAQ page.")
def show(root: Path, as_json: bool, ids: tuple[str, ...], policy_id: str | None) -> None:
    """List entries with their member questions, clauses and status (live entries, or those named)."""
    from ..faq.review import show_entries

    views, problems = show_entries(root, ids, policy_id)
    report(problems)
    if as_json:
        echo_json(views)
        return
    for view in views:
        click.echo(_entry_text(view))
    total = sum(len(v.questions) for v in views)
    click.echo(f"{len(views)} entr{'y' if len(views) == 1 else 'ies'}, {total} question(s).", err=True)
    if any(v.status == "draft" for v in views):
        click.echo(
            "Fix a draft before approving it: policy faq review ENTRY --drop QID… | --move QID… --to "
            "KEY|ENTRY | --not-covered QID… | --not-a-question QID… | --clauses KEY… --by NAME",
            err=True,
        )


def _entry_text(view) -> str:
    from ..faq.review import display

    counts = (
        f"asked {view.asked if view.asked is not None else '?'}× by {view.askers if view.askers is not None else '?'}"
    )
    reviewed = f" · reviewed by {view.reviewed_by} on {view.reviewed_on}" if view.reviewed_by else ""
    lines = [
        f"{view.id}  [{view.status}]  {display(view.question)}",
        f"  {view.file}:{view.line} · clauses: {', '.join(view.clauses) or '(none)'} · {counts}{reviewed}",
    ]
    if not view.questions:
        lines.append("  questions: none recorded (no :questions: option)")
    else:
        lines.append(f"  questions ({len(view.questions)}):")
    for q in view.questions:
        source = f"  [{display(q.source_id, 24)}]" if q.source_id else ""
        own = q.label if isinstance(q.label, str) or q.label is None else ", ".join(q.label)
        mark = f"   ← labeled {own}" if own and own != view.id else ""
        lines.append(f"    {q.id}{source}  {display(q.text, 100)}{mark}")
    return "\n".join(lines) + "\n"


class _ManyValues(click.Command):
    """``--drop q1 q2 q3`` as well as ``--drop q1 --drop q2``: the words after one of these options,
    up to the next option, are its values (click options take one value each)."""

    many = ("--drop", "--move", "--clauses", "--not-covered", "--not-a-question")

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        out: list[str] = []
        current = None
        for arg in args:
            if arg.startswith("-"):
                current = arg if arg in self.many else None
            elif current is not None and out and out[-1] != current:
                out.append(current)
            out.append(arg)
        return super().parse_args(ctx, out)


@faq.command(cls=_ManyValues)
@common
@click.argument("entry_id", metavar="ENTRY")
@click.option(
    "--drop",
    multiple=True,
    metavar="QID",
    help="Questions the entry does not answer: they leave it "
    "(and go back to the inbox, or keep their own labels). One or more ids.",
)
@click.option("--move", multiple=True, metavar="QID", help="Questions to send elsewhere (with --to). One or more ids.")
@click.option(
    "--to", "to", default=None, metavar="KEY|ENTRY", help="Where --move sends them: a clause key or an FAQ entry id."
)
@click.option(
    "--clauses",
    multiple=True,
    metavar="KEY",
    help="The clauses the entry cites (replaces :clauses:). One or more keys.",
)
@click.option(
    "--not-covered",
    "not_covered",
    multiple=True,
    metavar="QID",
    help="Questions the policies do not answer. One or more ids.",
)
@click.option(
    "--not-a-question",
    "not_a_question",
    multiple=True,
    metavar="QID",
    help="Chatter (收到, 好的谢谢…). One or more ids.",
)
@_by_option
@_on_option
def review(
    root: Path,
    as_json: bool,
    entry_id: str,
    drop: tuple[str, ...],
    move: tuple[str, ...],
    to: str | None,
    clauses: tuple[str, ...],
    not_covered: tuple[str, ...],
    not_a_question: tuple[str, ...],
    by: str,
    on: dt.datetime | None,
) -> None:
    """Fix an entry before approval ('policy faq show ENTRY' lists its question ids); each decision
    is saved in faq/labels.jsonl, and the entry's counts follow its questions."""
    from ..faq.review import review_entry

    if not (drop or move or clauses or not_covered or not_a_question):
        raise click.UsageError(
            "say what to change: --drop, --move … --to, --clauses, --not-covered or "
            "--not-a-question ('policy faq show ENTRY' lists its questions)"
        )
    result = review_entry(
        root,
        entry_id,
        by,
        drop=_split(drop),
        move=_split(move),
        to=to,
        clauses=clauses or None,
        not_covered=_split(not_covered),
        not_a_question=_split(not_a_question),
        on=on.date() if on else None,
    )
    if as_json:
        echo_json(result.model_dump(mode="json") | {"changed": result.changed})
        return
    click.echo(_review_text(result))


def _split(values: tuple[str, ...]) -> list[str]:
    """``--drop q1,q2 --drop q3`` and ``--drop "q1 q2"`` all work (ids hold no commas or spaces)."""
    return [v for value in values for v in value.replace(",", " ").split()]


def _review_text(result) -> str:
    from ..faq.review import display

    e = result.entry
    out = [f"{e.file}:{e.line}: {e.id}  [{e.status}]  {display(e.question)}"]
    verbs = {"drop": "dropped", "move": "moved to", "not-covered": "not covered", "not-a-question": "not a question"}
    for d in result.decisions:
        to = (d.to if isinstance(d.to, str) else ", ".join(d.to)) if d.action == "move" and d.to else ""
        what = f"{verbs[d.action]} {to}".strip()
        again = "" if d.done else "   (already out of the entry)"
        out.append(f"  {what:<22} {d.question.id}  {display(d.question.text, 80)}{again}")
    if e.clauses != result.clauses_before:
        out.append(f"  clauses: {', '.join(result.clauses_before) or '(none)'} → {', '.join(e.clauses)}")
    if e.asked != result.asked_before or e.askers != result.askers_before:
        out.append(
            f"  now {e.asked} question(s) from {e.askers} people (was {result.asked_before} from "
            f"{result.askers_before})"
        )
    if result.target is not None:
        t = result.target
        out.append(f"  {t.id} ({t.file}:{t.line}) now has {t.asked} question(s) from {t.askers} people")
    if result.back_to_draft:
        out.append(f"  {e.id} is a draft again (its clauses changed): approve it again after checking the answer")
    out += [f"  note: {n}" for n in result.notes]
    out.append(f"  {result.labels.summary()}")
    if not result.changed:
        out.append("  nothing changed: this review was already applied")
    return "\n".join(out)


@faq.command(name="eval")
@common
@click.argument("labeled", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--top", default=50, show_default=True, help="Entries drafted per policy.")
@click.option("--entries", "show_entries", is_flag=True, help="Also list every entry with its judgement.")
def eval_command(root: Path, as_json: bool, labeled: Path, top: int, show_entries: bool) -> None:
    """Draft every FAQ offline from LABELED.jsonl in a scratch copy and judge it against the labels."""
    from ..faq.evaluate import evaluate_faq

    result = evaluate_faq(root, labeled, top=top)
    if as_json:
        echo_json(result)
        return
    if show_entries:
        for j in result.judgements:
            mark = {True: "ok", False: "NO", None: "--"}[j.answer_first]
            click.echo(
                f"{j.id:<16} {'gold' if j.cites_gold else 'MISS'} {j.pure_members}/{j.members} {j.kind:<6} "
                f"{mark}  {j.question}  |  {j.first_sentence[:70]}"
            )
    click.echo(f"{result.entries} entries, {result.members} member questions ({labeled})")
    click.echo(f"  cite the gold clause of most members: {result.cites_gold:.3f}")
    click.echo(f"  member questions the entry answers (purity): {result.purity:.3f}")
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(result.by_kind.items()))
    click.echo(f"  first sentence gives what is asked: {result.answer_first:.3f} of {result.judged} judged ({kinds})")
    click.echo("  flagged for the reviewer: " + ", ".join(f"{n} {flag}" for flag, n in result.flagged.items()))
