"""A real HTTP server on 127.0.0.1 that receives webhooks and answers from a script."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request and what the receiver answered."""

    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def event(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """Answers requests with the next entry of ``script`` (an HTTP status, or ``"hang"`` to
    answer 503 only after ``hang_for`` seconds), then with ``default``."""

    script: list[int | str] = field(default_factory=list)
    default: int = 200
    hang_for: float = 1.0
    received: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int | str:
        with self.lock:
            return self.script.pop(0) if self.script else self.default

    def succeeded(self) -> list[Received]:
        """The requests answered 2xx, in the order they arrived."""
        with self.lock:
            return [r for r in self.received if 200 <= r.status < 300]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            plan = receiver.answer()
            status = 503 if plan == "hang" else int(plan)
            if plan == "hang":
                time.sleep(receiver.hang_for)
            with receiver.lock:
                receiver.received.append(Received(dict(self.headers), body, status))
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(f"answered {status}".encode())
            except OSError:  # the sender gave up waiting (the timeout case)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def serve(receiver: Receiver, tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    """Run ``receiver`` on a free port of 127.0.0.1 until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    scheme = "http"
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    host = "localhost" if tls is not None else "127.0.0.1"
    receiver.url = f"{scheme}://{host}:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
