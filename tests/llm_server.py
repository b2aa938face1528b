"""A real OpenAI-compatible server on 127.0.0.1 for tests and benchmarks (no mocks): chat
completions answered from a script of replies, every request recorded (the "LLM request log"),
and ``/embeddings`` answered by ``Server.embed`` when one is set.

A reply is ``(status, body, delay)``. ``body`` is the completion's message content (a dict is sent
as JSON text, a str as is), or :class:`Raw` (these exact bytes: not JSON, HTML from a proxy…), or
:class:`Completion` (this whole response object: no ``choices``, empty ``choices``…). ``delay``
is seconds to wait first; :data:`HOLD` stalls until :meth:`Server.release` or :meth:`Server.close`.
:class:`CountingServer` is a plain HTTP server that counts what reached it (a tracking pixel).
"""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

Reply = tuple[int, object, float]  # status, body, delay
HOLD = float("inf")  # delay: stall until release() or close()


@dataclass
class Raw:
    """A response body sent byte for byte, whatever it is."""

    body: bytes
    content_type: str = "application/json"


@dataclass
class Completion:
    """A whole response object sent as JSON, instead of a well-formed completion around content."""

    payload: dict


def good(request: dict) -> Reply:
    """A well-behaved model: cites the first clause it was sent, quoting its first sentence."""
    user = request["messages"][1]["content"]
    key, text = re.search(r"<clauses>\n\[([^\]]+)\][^\n]*\n([^。.\n]+)", user).groups()
    return 200, {"question": "返利什么时候结算？", "answer": f"{text}，见 {{clause}}`{key}`。", "clauses": [key]}, 0


def stall(request: dict) -> Reply:
    """A server that accepted the request and never answers (until released)."""
    return (*good(request)[:2], HOLD)


class Server:
    """An OpenAI-compatible endpoint: chat completions from a script of replies, embeddings from
    ``embed`` (text -> vector)."""

    def __init__(
        self, default: Callable[[dict], Reply] = good, embed: Callable[[str], list[float]] | None = None
    ) -> None:
        self.script: list[Callable[[dict], Reply]] = []
        self.default: Callable[[dict], Reply] = default
        self.embed = embed
        self.embedded: list[int] = []  # texts per /embeddings request
        self.requests: list[dict] = []
        self._arrived = threading.Condition()
        self._released = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path.rstrip("/").endswith("/embeddings"):
                    self._embeddings(body)
                    return
                with server._arrived:
                    server.requests.append(body)
                    reply = server.script.pop(0) if server.script else server.default
                    server._arrived.notify_all()
                status, content, delay = reply(body)
                if delay == HOLD:
                    server._released.wait()
                elif delay:
                    server._released.wait(delay)
                self._send(status, content, body)

            def _embeddings(self, body: dict) -> None:
                if server.embed is None:
                    self._write(404, json.dumps({"error": {"message": "no embeddings here"}}).encode())
                    return
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                server.embedded.append(len(texts))
                self._write(
                    200,
                    json.dumps(
                        {
                            "object": "list",
                            "model": body["model"],
                            "usage": {"prompt_tokens": 0, "total_tokens": 0},
                            "data": [
                                {"object": "embedding", "index": i, "embedding": server.embed(t)}
                                for i, t in enumerate(texts)
                            ],
                        }
                    ).encode(),
                )

            def _write(self, status: int, data: bytes, content_type: str = "application/json") -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    if status == 429:
                        self.send_header("Retry-After", "0")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout, interrupted process)

            def _send(self, status: int, content: object, request: dict) -> None:
                content_type = "application/json"
                if isinstance(content, Raw):
                    data, content_type = content.body, content.content_type
                elif isinstance(content, Completion):
                    data = json.dumps(content.payload).encode()
                elif status != 200:
                    data = json.dumps(
                        {"error": {"message": "rate limited", "type": "rate_limit", "code": status}}
                    ).encode()
                else:
                    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
                    data = json.dumps(
                        {
                            "id": "c1",
                            "object": "chat.completion",
                            "created": 0,
                            "model": request["model"],
                            "choices": [
                                {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}
                            ],
                            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                        }
                    ).encode()
                self._write(status, data, content_type)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 60.0) -> bool:
        """Block until ``count`` requests have arrived (False if they did not within ``timeout``)."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self.requests) >= count, timeout)

    def release(self) -> None:
        """Let every stalled request (and any later one) answer."""
        self._released.set()

    def close(self) -> None:
        self.release()
        self.httpd.shutdown()
        self.httpd.server_close()


class CountingServer:
    """Serves a 1x1 PNG at any path and records every path requested (a tracking pixel)."""

    PNG = bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
        "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )

    def __init__(self) -> None:
        self.hits: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server.hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(server.PNG)))
                self.end_headers()
                self.wfile.write(server.PNG)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
