"""``policy report``: the owners' dashboard as one static HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from . import cli
from .options import common, db_option, echo_json


@cli.command()
@common
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for index.html (default: ROOT/_build/report).",
)
@db_option
def report(root: Path, as_json: bool, out: Path | None, db: Path | str | None) -> None:
    """Questions per week, top clusters, gaps and the deflection of every answered cluster, per
    policy: a page that works offline (inline SVG, no script)."""
    from ..report.build import write_report

    path, built = write_report(root, out or root / "_build" / "report", db=db)
    if as_json:
        echo_json({"out": str(path), "report": built})
        return
    click.echo(built.overall.summary(built.language == "zh"))
    click.echo(f"The report is in {path}")
