"""``policy report``: the owners' dashboard as one static HTML file."""

from __future__ import annotations

from pathlib import Path

import click

from . import cli
from .options import common, echo_json


@cli.command()
@common
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for index.html (default: ROOT/_build/report).",
)
@click.option("--db", help="The question store: a SQLite file or a postgresql:// URL (default: questions_db).")
def report(root: Path, as_json: bool, out: Path | None, db: str | None) -> None:
    """Questions per week, top clusters, gaps and the deflection of every answered cluster, per
    policy: a page that works offline (inline SVG, no script)."""
    from ..questions.store import is_url
    from ..report.build import write_report

    store = (db if is_url(db) else Path(db)) if db else None
    path, built = write_report(root, out or root / "_build" / "report", db=store)
    if as_json:
        echo_json({"out": str(path), "report": built})
        return
    click.echo(built.overall.summary(built.language == "zh"))
    click.echo(f"The report is in {path}")
