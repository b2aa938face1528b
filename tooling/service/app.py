"""The question service: an ASGI app (Starlette) that ``policy serve`` runs under uvicorn.

* ``GET /healthz``;
* ``GET /api/answer?q=…``: the JSON of ``policy answer --json``;
* ``POST /api/questions``: ``{"text", "asker"?, "channel"?, "policy"?, "id"?}``, stored as ingest
  stores it (:mod:`.intake`), answered ``{"id", "stored", "duplicate", "answer"}``;
* ``POST /api/searches``: ``{"query", "target", "kind": "faq"|"clause", "policy"?}``, a site
  search that ended on a result (the search page's beacon), for the report's deflection table.

Errors are ``{"error": {"code", "message", "hint"}}`` with codes from the one catalogue. Question
text is untrusted: it is only ever returned inside JSON (``nosniff``), and the log shows method,
path and status, never the query or the body. The service keeps no state that matters between
requests (the store holds it all, the rate limit's counts too), so several instances can run
behind a load balancer.
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..config import Settings, load_settings
from ..errors import HINTS, Code
from ..questions.scrub import scrub
from ..questions.store import parse_location, store_location
from .hooks import hook_routes
from .intake import Intake, Opened, Posted, Taken, parse_model, parse_posted

if TYPE_CHECKING:
    from ..matching.answer import Matcher  # loaded by warm(), not when the app is imported

T = TypeVar("T")
log = logging.getLogger("policy.serve")


def error(status: int, code: Code, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code.value, "message": message, "hint": HINTS.get(code, "")}},
        status_code=status,
        headers={"X-Content-Type-Options": "nosniff", **(headers or {})},
    )


def ok(data: object) -> JSONResponse:
    return JSONResponse(data, headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


class Service:
    """The app's parts, made once per process: settings, the store, the matcher."""

    def __init__(self, root: Path, db: Path | str | None = None, settings: Settings | None = None) -> None:
        self.root = root
        self.settings = settings or load_settings(root)
        self.db = db or store_location(root, self.settings.questions_db)
        self.intake = Intake(root, self.settings, self.db)
        env = self.settings.serve.token_env
        self.token = os.environ.get(env) if env else None
        self.per_minute = self.settings.serve.rate_limit_per_minute
        self._matcher: Matcher | None = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Open the matcher now rather than on the first question (a few seconds, once)."""
        from ..matching.answer import Matcher  # loaded by warm(), not when the app is imported

        with self._lock:
            if self._matcher is None:
                self._matcher = Matcher.open(self.root)

    def answer(self, question: str) -> dict:
        """The answer to the scrubbed question: the reply echoes the question, and personal data
        in it goes no further than it would in the store."""
        self.warm()
        with self._lock:  # one matcher, not known to be thread-safe: one question at a time
            assert self._matcher is not None
            return self._matcher.answer(scrub(question, self.settings.scrub_patterns)).model_dump(mode="json")

    async def limited(self, request: Request) -> JSONResponse | None:
        """The 429 response when the client is over the rate limit, else None. The count is kept
        in the store, so every instance on it counts one limit. If the store cannot count, the
        request goes on (answering needs no store; storing will say it failed)."""
        client = request.client.host if request.client else "-"
        try:
            wait = await run_in_threadpool(self.intake.retry_after, client, self.per_minute)
        except Exception:
            log.warning("rate limit not counted: the store failed")
            return None
        if wait:
            return error(
                429,
                Code.SERVE_RATE_LIMITED,
                f"more than {self.per_minute} requests a minute",
                {"Retry-After": str(wait)},
            )
        return None

    async def guard(self, request: Request) -> JSONResponse | None:
        """Rate limit (counting requests without the token too, so guessing it is slow), then the
        token: the error response, or None to go on."""
        if (refused := await self.limited(request)) is not None:
            return refused
        given = request.headers.get("authorization", "").encode("latin-1", "replace")
        if self.token and not hmac.compare_digest(given, f"Bearer {self.token}".encode()):
            return error(401, Code.SERVE_UNAUTHORIZED, "a bearer token is required", {"WWW-Authenticate": "Bearer"})
        return None

    async def body(self, request: Request) -> bytes | JSONResponse:
        """The request body, read no further than ``max_body_bytes``."""
        limit = self.settings.serve.max_body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            return error(413, Code.SERVE_TOO_LARGE, f"the body is over {limit} bytes")
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > limit:
                return error(413, Code.SERVE_TOO_LARGE, f"the body is over {limit} bytes")
        return bytes(data)

    async def read(self, request: Request, parse: Callable[[bytes], T | str]) -> T | JSONResponse:
        """The request's body (guarded, size-limited) parsed by ``parse``, or the error response."""
        if (refused := await self.guard(request)) is not None:
            return refused
        data = await self.body(request)
        if isinstance(data, JSONResponse):
            return data
        parsed = parse(data)
        return error(400, Code.SERVE_BAD_REQUEST, parsed) if isinstance(parsed, str) else parsed

    async def posted(self, request: Request) -> Posted | JSONResponse:
        """The request's question (guarded, size-limited, parsed), or the error response."""
        return await self.read(request, parse_posted)

    async def opened(self, request: Request) -> JSONResponse:
        """A search that ended on a result (the site's beacon): stored, or an error that says why."""
        opened = await self.read(request, lambda data: parse_model(data, Opened))
        if isinstance(opened, JSONResponse):
            return opened
        try:
            await run_in_threadpool(self.intake.opened, opened)
        except Exception:
            log.exception("store failed")
            return error(503, Code.SERVE_STORE, "the search could not be stored")
        return ok({"stored": True})

    async def take(self, posted: Posted) -> Taken | JSONResponse:
        """Store the question, or say it was not stored so the client sends it again."""
        try:
            return await run_in_threadpool(self.intake.take, posted)
        except Exception:
            log.exception("store failed")
            return error(503, Code.SERVE_STORE, "the question could not be stored")


class AccessLog:
    """One log line per request: method, path, status, time. Never the query or the body, which
    hold question text (uvicorn's own access log is off)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), {}

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, receive, sending)
        log.info(
            "%s %s %s %.0f ms",
            scope["method"],
            scope["path"],
            status.get("code", "-"),
            (time.perf_counter() - start) * 1000,
        )


def make_app(root: Path, db: Path | str | None = None) -> Starlette:
    service = Service(Path(root), db)

    async def healthz(request: Request) -> JSONResponse:
        return ok({"ok": True})

    async def answer(request: Request) -> JSONResponse:
        if (refused := await service.guard(request)) is not None:
            return refused
        question = request.query_params.get("q", "")
        if not question.strip():
            return error(400, Code.SERVE_BAD_REQUEST, 'missing or empty "q"')
        if len(question) > service.settings.serve.max_body_bytes:
            return error(413, Code.SERVE_TOO_LARGE, "the question is too long")
        return ok(await run_in_threadpool(service.answer, question))

    async def questions(request: Request) -> JSONResponse:
        posted = await service.posted(request)
        if isinstance(posted, JSONResponse):
            return posted
        taken = await service.take(posted)
        if isinstance(taken, JSONResponse):
            return taken
        reply = await run_in_threadpool(service.answer, posted.text)
        return ok({**taken.model_dump(exclude_none=True), "id": taken.id, "answer": reply})

    async def report(request: Request):
        """The owners' dashboard, only with the token (it shows what staff ask)."""
        if not service.token:
            return error(
                404,
                Code.SERVE_NOT_FOUND,
                "the report is served only when a token is configured ([tool.policy.serve] token_env)",
            )
        if (refused := await service.guard(request)) is not None:
            return refused
        from starlette.responses import HTMLResponse  # on first use: importing the module stays cheap

        from ..report.build import build_report, render  # only /report needs the report

        page = await run_in_threadpool(
            lambda: render(build_report(service.root, db=service.db), service.settings.html_baseurl)
        )
        return HTMLResponse(
            page,
            headers={
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    async def not_found(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return error(405, Code.SERVE_NOT_FOUND, f"{request.method} is not allowed here")
        return error(exc.status_code, Code.SERVE_NOT_FOUND, f"no such endpoint: {request.url.path}")

    slack, webhook = hook_routes(service, error, ok)
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/api/answer", answer),
            Route("/api/questions", questions, methods=["POST"]),
            Route("/api/searches", service.opened, methods=["POST"]),
            Route("/hooks/slack", slack, methods=["POST"]),
            Route("/hooks/webhook", webhook, methods=["POST"]),
            Route("/report", report),
        ],
        middleware=[
            Middleware(AccessLog),
            Middleware(
                CORSMiddleware,
                allow_origins=service.settings.serve.allowed_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
            ),
        ],
        exception_handlers={HTTPException: not_found},  # type: ignore[dict-item]  # Starlette types the handler for any Exception
    )
    app.state.service = service
    return app


def factory() -> Starlette:
    """The app for ``uvicorn --factory`` (``policy serve --workers N`` starts one per process):
    the repository and store come from ``POLICY_ROOT`` and ``POLICY_SERVE_DB``."""
    app = make_app(Path(os.environ.get("POLICY_ROOT", ".")), parse_location(os.environ.get("POLICY_SERVE_DB")))
    app.state.service.warm()
    return app
