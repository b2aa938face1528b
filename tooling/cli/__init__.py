"""The ``policy`` command: a thin layer over the library; each command calls functions tests call too.

Imports inside the command functions of this package are deliberate, all for one reason: a
command pays only for the libraries it uses (a cold ``policy answer`` loads no Sphinx, git or
scipy), and ``policy --help`` loads none of them.
"""

from __future__ import annotations

import importlib

import click

from ..errors import PolicyToolError
from .options import fail

# Command name -> the modules that define it (imported only when the command runs, so a cold
# `policy answer` does not pay for Sphinx, scipy or git imports).
LAZY_COMMANDS: dict[str, tuple[str, ...]] = {
    "build": ("site",),
    "check": ("site",),
    "clauses": ("site",),
    "questions": ("questions",),
    "answer": ("answer",),
    "eval": ("answer",),
    "history": ("history",),
    "diff": ("history",),
    "faq": ("faq",),
    "booklet": ("booklet",),
    "init": ("init",),
    "import": ("importer",),
    "serve": ("serve",),
    "report": ("report",),
}


class _Group(click.Group):
    """Loads command modules lazily; turns a PolicyToolError into ``file:line: …`` and exit 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        for module in LAZY_COMMANDS.get(name, ()):
            importlib.import_module(f"{__name__}.{module}")
        return self.commands.get(name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PolicyToolError as exc:
            fail(exc)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policy-tooling")
def cli() -> None:
    """Publish policies with citable clauses, collect questions, draft and review the FAQ."""


def main() -> None:
    cli()
