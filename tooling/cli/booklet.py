"""``policy booklet POLICY``: the FAQ page as a print-ready PDF."""

from __future__ import annotations

from pathlib import Path

import click

from ..booklet import write_booklet
from . import cli
from .options import common, echo_json, report


@cli.command()
@common
@click.argument("policy_id", metavar="POLICY")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="PDF to write (default: ROOT/_build/<policy>-faq.pdf).",
)
@click.option(
    "--site",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Print from this already built site instead of building one.",
)
def booklet(root: Path, as_json: bool, policy_id: str, out: Path | None, site: Path | None) -> None:
    """Print POLICY's FAQ page (e.g. SALES) to PDF with headless Chromium."""
    result = write_booklet(root, policy_id, out, site)
    report(result.problems)
    if as_json:
        echo_json(result)
    else:
        click.echo(f"{result.pdf}: {result.title}, {result.pages} page(s), {result.bytes // 1024} KiB")
