"""A loopback webhook endpoint handing Stripe's deliveries to ``app.handle_webhook``."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from houdini_pay.errors import HoudiniPayError

if TYPE_CHECKING:
    from houdini_pay import HoudiniPay

__all__ = ["Delivery", "WebhookReceiver"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook delivery the receiver answered."""

    status: int
    event_id: str | None
    event_type: str | None
    answer: dict[str, Any]
    body: bytes
    headers: dict[str, str]

    @property
    def object_id(self) -> str | None:
        """The id of the object the event is about (``data.object.id``), if it names one."""
        try:
            found = json.loads(self.body)["data"]["object"]["id"]
        except (ValueError, KeyError, TypeError):
            return None
        return found if isinstance(found, str) else None


class WebhookReceiver:
    """A loopback HTTP endpoint handing Stripe's deliveries to ``app.handle_webhook``.

    Set ``app`` to the application of the running test; deliveries arriving while it is
    ``None`` are answered 200 and dropped (late events of an earlier test). Setting it
    waits for a delivery being handled to finish, so once the test has set it back to
    ``None`` no delivery touches that application (which may then be disposed).
    """

    def __init__(self) -> None:
        self._app: HoudiniPay | None = None
        self._app_lock = threading.Lock()
        self.deliveries: list[Delivery] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = receiver._handle(dict(self.headers), body)
                encoded = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhooks/stripe"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def app(self) -> HoudiniPay | None:
        """The application deliveries are handed to (None: drop them)."""
        return self._app

    @app.setter
    def app(self, app: HoudiniPay | None) -> None:
        with self._app_lock:
            self._app = app

    def _handle(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        with self._app_lock:
            return self._handle_locked(headers, body)

    def _handle_locked(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        app = self._app
        try:
            parsed = json.loads(body)
            event_id, event_type = parsed.get("id"), parsed.get("type")
        except (ValueError, AttributeError):
            event_id = event_type = None
        status: int
        answer: dict[str, Any]
        if app is None:
            status, answer = 200, {"dropped": True}
        else:
            try:
                status, answer = 200, app.handle_webhook("stripe", headers, body).to_dict()
            except HoudiniPayError as error:
                status, answer = error.http_status, {"error": error.to_dict()}
            except Exception as error:
                status, answer = (
                    500,
                    {"error": {"code": "internal", "message": type(error).__name__}},
                )
        with self._changed:
            self.deliveries.append(
                Delivery(status, event_id, event_type, answer, body, dict(headers))
            )
            self._changed.notify_all()
        return status, answer

    def wait_for(
        self, event_type: str, *, object_id: str | None = None, timeout: float = 10.0
    ) -> Delivery:
        """The first answered delivery of ``event_type``; ``TimeoutError`` if none comes.

        localstripe sends each event a second after it happens, so a late event of an
        earlier test can reach the application of the next one: pass ``object_id`` to
        wait for the event about this test's object only.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for delivery in self.deliveries:
                    if delivery.event_type == event_type and (
                        object_id is None or delivery.object_id == object_id
                    ):
                        return delivery
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no {event_type} webhook within {timeout} s")
                self._changed.wait(remaining)

    def post(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """Deliver ``body`` over HTTP as Stripe would; return the status and the answer."""
        request = urllib.request.Request(self.url, data=body, headers=dict(headers), method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read())

    def close(self) -> None:
        """Stop listening."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
