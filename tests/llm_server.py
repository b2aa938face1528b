"""A real OpenAI-compatible chat-completions server on 127.0.0.1 for tests (no mocks): it answers
from a script of replies and records every request it received (the "LLM request log")."""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
from collections.abc import Callable

Reply = tuple[int, object, float]   # status, body (dict = JSON completion content), delay


def good(request: dict) -> Reply:
    """A well-behaved model: cites the first clause it was sent, quoting its first sentence."""
    user = request["messages"][1]["content"]
    key, text = re.search(r"<clauses>\n\[([^\]]+)\][^\n]*\n([^。.\n]+)", user).groups()
    return 200, {"question": "返利什么时候结算？", "answer": f"{text}，见 {{clause}}`{key}`。", "clauses": [key]}, 0


class Server:
    """An OpenAI-compatible chat-completions endpoint answering from a script of replies."""

    def __init__(self) -> None:
        self.script: list[Callable[[dict], Reply]] = []
        self.default: Callable[[dict], Reply] = good
        self.requests: list[dict] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                status, content, delay = (server.script.pop(0) if server.script else server.default)(body)
                time.sleep(delay)
                if status != 200:
                    payload = {"error": {"message": "rate limited", "type": "rate_limit", "code": status}}
                else:
                    text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
                    payload = {"id": "c1", "object": "chat.completion", "created": 0, "model": body["model"],
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": text}}],
                               "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    if status == 429:
                        self.send_header("Retry-After", "0")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass   # the client gave up (timeout test)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
