"""``policy serve``: the question service (see tooling/service/app.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from . import cli
from .options import db_option, root_option


@cli.command()
@root_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@db_option
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes: answers are CPU-bound, so about one per core.",
)
def serve(root: Path, host: str, port: int, db: Path | str | None, workers: int) -> None:
    """Answer and collect questions over HTTP: GET /healthz, GET /api/answer?q=…, POST /api/questions,
    the chat hooks /hooks/slack and /hooks/webhook, and /report behind the token. Limits, CORS
    origins and the token come from [tool.policy.serve]."""
    import os

    import uvicorn

    from ..service.app import make_app

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("policy.serve").setLevel(logging.INFO)
    app = make_app(root, db)  # also checks settings and opens the store before listening
    click.echo(
        f"policy serve: http://{host}:{port}/ (store {app.state.service.intake.location}, {workers} worker(s))",
        err=True,
    )
    if workers == 1:
        app.state.service.warm()
        uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")
        return
    os.environ["POLICY_ROOT"] = str(root.resolve())
    if db is not None:
        os.environ["POLICY_SERVE_DB"] = str(db)
    uvicorn.run(
        "tooling.service.app:factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="warning",
    )
