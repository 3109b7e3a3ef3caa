"""A small payment provider on 127.0.0.1, for testing processors and for the guide's example.

:class:`PaymentSandbox` is a real HTTP server (standard library, a free port, a thread of the
test process) with the shape most payment APIs share, so a processor written against it is
written the way a real one is: JSON over HTTP, an API key, idempotency keys, signed webhooks.

API (every request sends ``Authorization: Bearer sk_...``; bodies are JSON)::

    POST /v1/charges   {"amount": 2500, "currency": "usd", "account": "acct_ok",
                        "metadata": {"attempt_id": "att_..."}}
                       header Idempotency-Key; answers the charge
    POST /v1/refunds   {"charge": "ch_...", "amount": 1000}, header Idempotency-Key
    GET  /v1/charges?idempotency_key=K     {"data": [charge]}, empty when never charged
    GET  /v1/refunds?idempotency_key=K     {"data": [refund]}

A charge is ``{"id", "object": "charge", "status", "amount", "currency", "fee",
"decline_code", "message", "amount_refunded", "metadata"}``; ``status`` is ``succeeded``,
``pending`` or ``failed``. The ``account`` decides what happens: ``acct_declined`` is
declined (``insufficient_funds``), ``acct_pending`` waits (a bank debit) until the test calls
:meth:`PaymentSandbox.settle`, anything else succeeds. The fee is 3% rounded down.

Like real providers, a repeated ``Idempotency-Key`` with the same body answers what the
first request answered and moves nothing; with another body it is refused (409). A request
without the header is served without that protection. A refund larger than what remains of
the charge is refused (400 ``amount_too_large``).

Webhooks are built, not sent: :meth:`PaymentSandbox.webhook` returns the headers and body of
an event about a charge, signed as ``Sandbox-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>." + body with the webhook secret>``; tests deliver it to ``app.handle_webhook``.
:meth:`PaymentSandbox.movements` lists what the provider holds, for assertions.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from houdini_pay.store._ids import new_id
from houdini_pay.testing.conformance.harness import Movement, SignedWebhook

__all__ = [
    "SIGNATURE_HEADER",
    "PaymentSandbox",
    "closed_port_url",
    "running_sandbox",
    "sign",
]

SIGNATURE_HEADER = "Sandbox-Signature"
DECLINED_ACCOUNT = "acct_declined"
PENDING_ACCOUNT = "acct_pending"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The ``Sandbox-Signature`` header value of ``body``."""
    stamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def closed_port_url() -> str:
    """``http://127.0.0.1:<port>`` where nothing listens: pointing a processor there makes
    every call fail on the network, as when the provider does not answer."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class _Refusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class _Stored:
    """A charge or refund object and the key that created it."""

    obj: dict[str, Any]
    idempotency_key: str | None


@dataclass
class _State:
    charges: dict[str, _Stored] = field(default_factory=dict)
    refunds: dict[str, _Stored] = field(default_factory=dict)
    answered: dict[tuple[str, str], tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class PaymentSandbox:
    """The provider described in the module docstring; start it with :func:`running_sandbox`.

    Attributes:
        url: where the API listens (``http://127.0.0.1:<port>``).
        api_key: a key the API accepts.
        webhook_secret: the secret webhooks are signed with.
    """

    api_key = "sk_sandbox_test"

    def __init__(self, *, webhook_secret: str = "whsec_sandbox") -> None:
        self.webhook_secret = webhook_secret
        self._state = _State()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="payment-sandbox", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop listening."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # -- what tests see and do -------------------------------------------------------------

    def movements(self) -> list[Movement]:
        """Every charge and refund the provider holds, in the order they were made."""
        with self._state.lock:
            charges = [
                Movement(
                    "charge",
                    s.obj["id"],
                    s.obj["amount"],
                    s.obj["currency"],
                    s.obj["status"],
                    s.idempotency_key,
                )
                for s in self._state.charges.values()
            ]
            refunds = [
                Movement(
                    "refund",
                    s.obj["id"],
                    s.obj["amount"],
                    s.obj["currency"],
                    s.obj["status"],
                    s.idempotency_key,
                    s.obj["charge"],
                )
                for s in self._state.refunds.values()
            ]
        return charges + refunds

    def charge(self, charge_id: str) -> dict[str, Any]:
        """A copy of the charge ``charge_id``."""
        with self._state.lock:
            copy: dict[str, Any] = json.loads(json.dumps(self._state.charges[charge_id].obj))
        return copy

    def settle(self, charge_id: str, status: str = "succeeded") -> None:
        """Finish a pending charge on the provider's side (the bank debit cleared or bounced)."""
        if status not in ("succeeded", "failed"):
            raise ValueError(f"a charge settles as succeeded or failed, not {status!r}")
        with self._state.lock:
            obj = self._state.charges[charge_id].obj
            if obj["status"] != "pending":
                raise ValueError(f"charge {charge_id} is {obj['status']}, not pending")
            obj["status"] = status
            if status == "failed":
                obj["decline_code"], obj["message"] = "debit_returned", "the bank returned it"

    def webhook(self, charge_id: str, *, secret: str | None = None) -> SignedWebhook:
        """A signed ``charge.<status>`` event about the charge as it stands now (new id)."""
        event = {
            "id": new_id("evt"),
            "type": f"charge.{self.charge(charge_id)['status']}",
            "created": int(time.time()),
            "data": self.charge(charge_id),
        }
        body = json.dumps(event, sort_keys=True).encode()
        signature = sign(secret or self.webhook_secret, body)
        return SignedWebhook(
            {"Content-Type": "application/json", SIGNATURE_HEADER: signature}, body
        )

    # -- the API -------------------------------------------------------------------------

    def _serve(
        self, method: str, path: str, key: str | None, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        url = urlparse(path)
        with self._state.lock:
            if method == "GET":
                return 200, self._list(url.path, parse_qs(url.query))
            if key is not None:
                fingerprint = json.dumps(body, sort_keys=True)
                answered = self._state.answered.get((url.path, key))
                if answered is not None:
                    earlier, status, answer = answered
                    if earlier != fingerprint:
                        raise _Refusal(
                            409,
                            "idempotency_conflict",
                            f"Idempotency-Key {key!r} was used with other parameters",
                        )
                    return status, answer
            status, answer = self._create(url.path, key, body)
            if key is not None:
                self._state.answered[(url.path, key)] = (
                    json.dumps(body, sort_keys=True),
                    status,
                    answer,
                )
            return status, answer

    def _list(self, path: str, query: Mapping[str, list[str]]) -> dict[str, Any]:
        table = {"/v1/charges": self._state.charges, "/v1/refunds": self._state.refunds}.get(path)
        if table is None:
            raise _Refusal(404, "not_found", f"no such resource {path}")
        keys = query.get("idempotency_key")
        key = keys[0] if keys else None
        return {"data": [s.obj for s in table.values() if key is None or s.idempotency_key == key]}

    def _create(
        self, path: str, key: str | None, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if path == "/v1/charges":
            return 200, self._new_charge(key, body)
        if path == "/v1/refunds":
            return 200, self._new_refund(key, body)
        raise _Refusal(404, "not_found", f"no such resource {path}")

    def _new_charge(self, key: str | None, body: dict[str, Any]) -> dict[str, Any]:
        amount, currency = _amount(body), body.get("currency")
        if not isinstance(currency, str) or len(currency) != 3:
            raise _Refusal(400, "invalid_currency", "currency must be an ISO 4217 code")
        account = body.get("account")
        status, decline, message = "succeeded", None, None
        if account == DECLINED_ACCOUNT:
            status, decline, message = "failed", "insufficient_funds", "Insufficient funds."
        elif account == PENDING_ACCOUNT:
            status = "pending"
        charge_id = new_id("ch")
        charge = {
            "id": charge_id,
            "object": "charge",
            "status": status,
            "amount": amount,
            "currency": currency,
            "account": account,
            "fee": amount * 3 // 100 if status != "failed" else 0,
            "decline_code": decline,
            "message": message,
            "amount_refunded": 0,
            "metadata": dict(body.get("metadata") or {}),
        }
        self._state.charges[charge_id] = _Stored(charge, key)
        return charge

    def _new_refund(self, key: str | None, body: dict[str, Any]) -> dict[str, Any]:
        amount = _amount(body)
        stored = self._state.charges.get(str(body.get("charge")))
        if stored is None or stored.obj["status"] != "succeeded":
            raise _Refusal(400, "charge_not_refundable", "no succeeded charge by that id")
        charge = stored.obj
        if amount > charge["amount"] - charge["amount_refunded"]:
            raise _Refusal(400, "amount_too_large", "the refund exceeds what remains")
        charge["amount_refunded"] += amount
        refund = {
            "id": new_id("re"),
            "object": "refund",
            "status": "succeeded",
            "amount": amount,
            "currency": charge["currency"],
            "charge": charge["id"],
            "metadata": dict(body.get("metadata") or {}),
        }
        self._state.refunds[refund["id"]] = _Stored(refund, key)
        return refund


def _amount(body: Mapping[str, Any]) -> int:
    amount = body.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise _Refusal(400, "invalid_amount", "amount must be a positive whole number")
    return amount


def _handler_for(sandbox: PaymentSandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def _answer(self, method: str) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                if self.headers.get("Authorization", "") != f"Bearer {sandbox.api_key}":
                    raise _Refusal(401, "unauthenticated", "a valid API key is required")
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    raise _Refusal(400, "invalid_json", "the body is not JSON") from None
                if not isinstance(body, dict):
                    raise _Refusal(400, "invalid_json", "the body must be a JSON object")
                key = self.headers.get("Idempotency-Key")
                status, answer = sandbox._serve(method, self.path, key, body)
            except _Refusal as refusal:
                status = refusal.status
                answer = {"error": {"code": refusal.code, "message": refusal.message}}
            encoded = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(encoded)))
            self.end_headers()
            self.wfile.write(encoded)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    return Handler


@contextmanager
def running_sandbox(*, webhook_secret: str = "whsec_sandbox") -> Iterator[PaymentSandbox]:
    """A :class:`PaymentSandbox` for the duration of the block."""
    sandbox = PaymentSandbox(webhook_secret=webhook_secret)
    try:
        yield sandbox
    finally:
        sandbox.close()
