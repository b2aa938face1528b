"""``policy serve``: the question service (see tooling/service/app.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from . import cli
from .options import root_option


@cli.command()
@root_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port to listen on.")
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
              help="SQLite question store (default: the repository's questions_db).")
def serve(root: Path, host: str, port: int, db: Path | None) -> None:
    """Answer and collect questions over HTTP: GET /healthz, GET /api/answer?q=…, POST /api/questions.
    Limits, CORS origins and the optional token come from [tool.policy.serve]."""
    import uvicorn

    from ..service.app import make_app

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("policy.serve").setLevel(logging.INFO)
    app = make_app(root, db)
    app.state.service.warm()
    click.echo(f"policy serve: http://{host}:{port}/ (store {app.state.service.intake.db.resolve()})", err=True)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")
