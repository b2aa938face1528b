"""``policy init``: scaffold a policy repository that builds at once."""

from __future__ import annotations

from pathlib import Path

import click

from ..scaffold import init_repository
from . import cli
from .options import echo_json, json_option


@cli.command()
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path))
@click.option(
    "--language",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the starter policy and the site.",
)
@click.option("--title", help="Site title (default: 公司制度与政策 / Company Policies).")
@click.option("--owner", help="Owner of the starter policy, e.g. 市场部 (whom to ask when it does not answer).")
@json_option
def init(folder: Path, language: str, title: str | None, owner: str | None, as_json: bool) -> None:
    """Start a policy repository in FOLDER (default: here): settings, .gitignore, a starter policy,
    the home page, CI that builds and publishes the site, and a secret for asker pseudonyms.
    Existing files are never overwritten."""
    report = init_repository(folder, language, title, owner)  # type: ignore[arg-type]
    if as_json:
        echo_json(report)
        return
    click.echo(f"Policy repository in {folder.resolve()}:")
    for rel in report.created:
        click.echo(f"  created  {rel}")
    for rel in report.kept:
        click.echo(f"  kept     {rel} (already there, not changed)")
    cd = "" if folder.resolve() == Path.cwd().resolve() else f"cd {folder} && "
    click.echo(
        "\nNext:\n"
        f"  {cd}git init && git add -A && git commit -m 'Policy repository'\n"
        "  write your policy in policies/ (policies/example-policy.md shows the format), then:\n"
        "  policy check            # every problem as file:line, with a hint\n"
        "  policy build            # the site, in _build/html/index.html\n"
        "  policy questions ingest inbox/…   # raw exports go in inbox/, which git ignores\n"
        ".policy-secret keys the asker pseudonyms: keep it out of git, share it with your team privately."
    )
