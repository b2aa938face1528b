"""Sessions: site (build to _build/html), serve (live preview), tests, bench."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["site"]
nox.options.reuse_venv = "yes"


@nox.session
def site(session: nox.Session) -> None:
    """Run the whole FAQ loop on the example question log (ingest, cluster, draft, propose,
    approve) in a temporary copy, then build the example site to _build/html. Offline."""
    session.install("-e", ".")
    session.run("bash", "examples/run_pipeline.sh", "--check", external=True)
    args = ["-W"] if os.environ.get("CI") else []
    session.run("policy", "build", "--out", "_build/html", *args, *session.posargs)


@nox.session
def drafts(session: nox.Session) -> None:
    """Build the site with draft FAQ entries shown (for reviewers) to _build/drafts."""
    session.install("-e", ".")
    session.run("policy", "build", "--drafts", "--out", "_build/drafts", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """The whole FAQ loop offline on a temp copy: ingest, cluster, draft, propose, approve, build.
    ``nox -s demo -- --update`` also refreshes faq/*.md in this repository."""
    session.install("-e", ".")
    session.run("bash", "examples/run_pipeline.sh", *session.posargs, external=True)


@nox.session
def serve(session: nox.Session) -> None:
    """Live preview for authors: rebuilds on save, serves on http://127.0.0.1:8000."""
    session.install("-e", ".[serve]")
    session.run(
        "sphinx-autobuild",
        ".",
        "_build/html",
        "--host",
        "127.0.0.1",
        "--port",
        "8000",
        "--watch",
        "policies",
        "--watch",
        "faq",
        *session.posargs,
    )


@nox.session
def tests(session: nox.Session) -> None:
    """Lint (ruff), format check, types (mypy), then the test suite (real Sphinx builds, git repos,
    a local OpenAI-compatible server, PostgreSQL, Chromium)."""
    session.install("-e", ".[test]")
    code = ["tooling", "tests", "benchmarks", "noxfile.py", "conf.py"]
    session.run("ruff", "check", *code)
    session.run("ruff", "format", "--check", *code)
    session.run("mypy")
    session.run("lint-imports")  # the layers and the no-cycles rule of docs/architecture.md
    session.run("policy", "build", "-W", "--out", "_build/ci-html")
    session.run("pytest", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: figures asked for by the issues, as ratios to baselines measured in the same run."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "benchmarks", *session.posargs)
