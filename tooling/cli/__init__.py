"""The ``policy`` command: a thin layer over the library; each command calls functions tests call too."""

from __future__ import annotations

import click

from ..errors import PolicyToolError
from .options import fail


class _Group(click.Group):
    """Turns a PolicyToolError anywhere into ``file:line: …`` lines and exit code 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except PolicyToolError as exc:
            fail(exc)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policy-tooling")
def cli() -> None:
    """Publish policies with citable clauses, collect questions, draft and review the FAQ."""


from . import site as _site  # noqa: E402,F401  (registers commands)
from . import answer as _answer  # noqa: E402,F401
from . import questions as _questions  # noqa: E402,F401
from . import history as _history  # noqa: E402,F401


def main() -> None:
    cli()
