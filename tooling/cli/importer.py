"""``policy import FILE.docx``: bring a Word policy in as a MyST policy file."""

from __future__ import annotations

from pathlib import Path

import click

from ..wordimport import import_docx
from . import cli
from .options import common, echo_json


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--policy", help="Policy id for the front matter, e.g. LEAVE (kept from the file re-imported over).")
@click.option("--title", help="Title (default: the document's title property or Title paragraph).")
@click.option("--version", "version_", metavar="V", help="Version, e.g. 2.0.")
@click.option("--effective", metavar="YYYY-MM-DD", help="Date the version takes effect.")
@click.option("--owner", help="Owner, e.g. 人力资源部.")
@click.option("--language", type=click.Choice(["zh", "en"]), help="Language (default: detected from the text).")
@click.option("--out", type=click.Path(path_type=Path), help="Policy file to write (default: policies/<id>.md).")
@common
def import_(
    file: Path,
    policy: str | None,
    title: str | None,
    version_: str | None,
    effective: str | None,
    owner: str | None,
    language: str | None,
    out: Path | None,
    root: Path,
    as_json: bool,
) -> None:
    """Import a Word .docx policy, with the numbers Word shows (第十二条, （一）, 4.2) as clause numbers.
    Re-importing a new version over the same file changes only what changed."""
    report = import_docx(
        root,
        file,
        policy=policy,
        title=title,
        version=version_,
        effective=effective,
        owner=owner,
        language=language,
        out=out,
    )
    if as_json:
        echo_json(report)
        return
    kinds = ", ".join(f"{n} {k}s" for k, n in sorted(report.by_kind.items())) or "none"
    how = ", ".join(
        f"{n} from Word's {'numbering' if k == 'word' else 'typed text'}" for k, n in sorted(report.numbers.items())
    )
    state = "written" if report.changed else "unchanged"
    click.echo(f"{file} -> {report.out} ({state}): policy {report.policy}, {report.clauses} clauses ({kinds})")
    if how:
        click.echo(f"  numbers: {how}")
    if report.images or report.footnotes:
        click.echo(f"  {len(report.images)} image(s) extracted, {report.footnotes} footnote(s)")
    for p in report.problems:
        click.echo(f"  {p}")
    click.echo(f"Next: policy check --root {root}   # then look at {report.out} and commit it")
