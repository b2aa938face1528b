"""Chat hooks: answer where people ask, with the same "please read clause X" reply, and store the
question as every other channel does.

* ``POST /hooks/slack``: a Slack slash command. The request is verified with the app's signing
  secret (``v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}")``, at most five minutes old), as Slack
  documents; the reply is ephemeral, seen only by the asker.
* ``POST /hooks/webhook``: ``{"text", "asker"?}`` in, ``{"reply"}`` out. That fits the outgoing
  webhooks of WeCom and DingTalk robots; it takes the service's bearer token when one is set.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..errors import Code
from .intake import Channel, Posted

MAX_AGE = 300  # seconds: Slack's advice against replayed requests


def slack_signature_ok(secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None) -> bool:
    if not timestamp.isdigit() or abs((now or time.time()) - int(timestamp)) > MAX_AGE:
        return False
    mac = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={mac}", signature)


def hook_routes(service, error, ok):
    """The two hook endpoints for ``service`` (see app.py), as Starlette handlers."""

    async def ask(text: str, asker: str | None, channel: Channel, source_id: str | None) -> str | JSONResponse:
        taken = await service.take(Posted(text=text, asker=asker, channel=channel, id=source_id))
        if isinstance(taken, JSONResponse):
            return taken
        return (await run_in_threadpool(service.answer, text))["reply"]

    async def slack(request: Request) -> JSONResponse:
        env = service.settings.serve.slack_signing_secret_env
        secret = os.environ.get(env) if env else None
        if not secret:
            return error(404, Code.SERVE_NOT_FOUND, f"the Slack hook is off: set {env or 'slack_signing_secret_env'}")
        if (refused := await service.limited(request)) is not None:
            return refused
        body = await service.body(request)
        if isinstance(body, JSONResponse):
            return body
        if not slack_signature_ok(
            secret,
            request.headers.get("x-slack-request-timestamp", ""),
            body,
            request.headers.get("x-slack-signature", ""),
        ):
            return error(401, Code.SERVE_UNAUTHORIZED, "the Slack signature does not verify")
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        text = form.get("text", "").strip()
        if not text:
            return ok(
                {"response_type": "ephemeral", "text": f"Ask a question after {form.get('command', 'the command')}."}
            )
        reply = await ask(text, form.get("user_id"), "slack", form.get("trigger_id"))
        return reply if isinstance(reply, JSONResponse) else ok({"response_type": "ephemeral", "text": reply})

    async def webhook(request: Request) -> JSONResponse:
        posted = await service.posted(request)
        if isinstance(posted, JSONResponse):
            return posted
        reply = await ask(posted.text, posted.asker, "webhook", posted.id)
        return reply if isinstance(reply, JSONResponse) else ok({"reply": reply})

    return slack, webhook
