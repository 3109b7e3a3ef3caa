"""Testing Stripe integrations: localstripe in a thread, signed events, a webhook receiver.

:func:`running_localstripe` starts localstripe (PyPI ``localstripe``, a stateful fake Stripe
server, in the plugin's ``test`` extra) inside the test process, bound to 127.0.0.1 with its
store file in a directory you choose, and records the headers of every request it gets
(idempotency keys, ``Stripe-Account``, the pinned version). localstripe keeps its objects in
module globals, so run one per process (one per pytest-xdist worker).

Stripe parameters localstripe does not implement (:data:`UNSUPPORTED_PARAMS`, such as
``application_fee_amount``) are taken out before it reads a request, so it answers as if
they had no effect, and stay in the recorded parameters for tests to check.

What localstripe cannot do, tests build from Stripe's recorded object shapes and deliver
signed with Stripe's real scheme (:func:`stripe_event`, :func:`recorded_dispute`,
:func:`signed_webhook`): it never sends ``charge.*`` or dispute events and reports no fees.
:class:`WebhookReceiver` is a loopback HTTP endpoint that hands each delivery to
:meth:`houdini_pay.HoudiniPay.handle_webhook`, as the real endpoint does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import pickle
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import stripe

from houdini_pay.errors import HoudiniPayError

if TYPE_CHECKING:
    from aiohttp import web

    from houdini_pay import HoudiniPay

__all__ = [
    "UNSUPPORTED_PARAMS",
    "LocalStripe",
    "RecordedRequest",
    "WebhookReceiver",
    "authenticate_3ds",
    "card_payment_method",
    "recorded_balance_transaction",
    "recorded_dispute",
    "running_localstripe",
    "signed_webhook",
    "stripe_event",
]

TEST_KEY = "sk_test_localstripe"
"""Any key starting with ``sk_`` is accepted by localstripe."""


UNSUPPORTED_PARAMS = frozenset(
    {
        "allowed_payment_method_types",
        "application_fee_amount",
        "description",
        "refund_application_fee",
    }
)
"""Stripe parameters localstripe does not implement and would refuse.

The harness takes them out before localstripe reads the request, so they have no effect
there; they stay in :attr:`RecordedRequest.params`, where tests check that they were sent.
"""


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request localstripe received: the headers Stripe gives meaning to, its body."""

    method: str
    path: str
    idempotency_key: str | None
    stripe_account: str | None
    stripe_version: str | None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class LocalStripe:
    """A running localstripe: its URL and the requests it has received."""

    url: str
    requests: list[RecordedRequest] = field(default_factory=list)

    def client(self, key: str = TEST_KEY) -> stripe.StripeClient:
        """A Stripe client talking to this server, as the browser's Stripe.js would."""
        return stripe.StripeClient(
            key,
            base_addresses={"api": self.url},
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=10),
        )

    def flush(self) -> None:
        """Forget every object (customers, payment intents, ...) and every recorded request.

        Registered webhooks stay (localstripe keeps them apart from its data).
        """
        _send(f"{self.url}/_config/data", None, method="DELETE")
        self.requests.clear()

    def register_webhook(
        self,
        url: str,
        secret: str,
        *,
        events: Sequence[str] | None = None,
        webhook_id: str = "houdini-pay",
    ) -> None:
        """Deliver events to ``url`` signed with ``secret``; ``events=[]`` turns it off."""
        body: dict[str, Any] = {"url": url, "secret": secret}
        if events is not None:
            body["events"] = list(events)
        _send(f"{self.url}/_config/webhooks/{webhook_id}", body)

    def sent(self, method: str, path_prefix: str) -> list[RecordedRequest]:
        """The recorded requests of ``method`` whose path starts with ``path_prefix``."""
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]


def _send(url: str, payload: Mapping[str, Any] | None, *, method: str = "POST") -> None:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@contextlib.contextmanager
def running_localstripe(store_dir: Path, *, timeout: float = 10.0) -> Iterator[LocalStripe]:
    """Run localstripe on 127.0.0.1 (a free port) in a thread; its store file in ``store_dir``.

    localstripe's own console script listens on every interface and keeps its store in
    /tmp, so its aiohttp application is started here instead.
    """
    from aiohttp import web
    from localstripe import resources, server, webhooks

    store_file = store_dir / "localstripe.pickle"

    def dump_to_disk(store: object) -> None:
        with store_file.open("wb") as handle:
            pickle.dump(store, handle, protocol=pickle.HIGHEST_PROTOCOL)

    # localstripe hard-codes /tmp/localstripe.pickle and would load what another run left.
    resources.Store.dump_to_disk = dump_to_disk
    resources.Store.try_load_from_disk = lambda store: None
    resources.store.clear()
    webhooks._webhooks.clear()

    server_state = LocalStripe(url="")
    read_post_data = server.get_post_data
    recorded_key = web.RequestKey("houdini_pay_recorded", RecordedRequest)

    @web.middleware
    async def record(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            idempotency_key=request.headers.get("Idempotency-Key"),
            stripe_account=request.headers.get("Stripe-Account"),
            stripe_version=request.headers.get("Stripe-Version"),
        )
        request[recorded_key] = recorded
        server_state.requests.append(recorded)
        return await handler(request)

    async def tolerant_post_data(request: web.Request, remove_auth: bool = True) -> Any:
        data = await read_post_data(request, remove_auth)
        if remove_auth and isinstance(data, dict):
            request[recorded_key].params.update(data)
            for name in UNSUPPORTED_PARAMS:
                data.pop(name, None)
        return data

    server.get_post_data = tolerant_post_data

    loop = asyncio.new_event_loop()
    started = threading.Event()
    outcome: dict[str, Any] = {}

    async def start() -> None:
        # server.app is bound to the first loop that runs it: build a fresh application
        # with the same routes and middlewares instead.
        app = web.Application(middlewares=[record, *server.app.middlewares])
        app.on_response_prepare.append(server.add_cors_headers)
        for route in server.app.router.routes():
            app.router.add_route(route.method, route.resource.canonical, route.handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        outcome["runner"] = runner
        outcome["port"] = runner.addresses[0][1]

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as exc:
            outcome["error"] = exc
            started.set()
            return
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="localstripe", daemon=True)
    thread.start()
    if not started.wait(timeout):
        raise RuntimeError("localstripe did not start")
    if "error" in outcome:
        raise outcome["error"]
    server_state.url = f"http://127.0.0.1:{outcome['port']}"
    try:
        yield server_state
    finally:
        runner: web.AppRunner = outcome["runner"]

        async def stop() -> None:
            await runner.cleanup()
            # Webhook deliveries wait a second before sending: cancel those still waiting.
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        loop.close()
        server.get_post_data = read_post_data


def card_payment_method(client: stripe.StripeClient, number: str) -> str:
    """Create a card payment method, as Stripe.js does in the supporter's browser."""
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    return method.id


def authenticate_3ds(
    client: stripe.StripeClient, intent_id: str, client_secret: str, *, success: bool = True
) -> stripe.PaymentIntent:
    """Answer the 3-D Secure challenge of a PaymentIntent (a localstripe-only endpoint)."""
    response = client.raw_request(
        "post",
        f"/v1/payment_intents/{intent_id}/_authenticate",
        client_secret=client_secret,
        success="true" if success else "false",
    )
    intent = client.deserialize(response, api_mode="V1")
    assert isinstance(intent, stripe.PaymentIntent)
    return intent


# -- Stripe's recorded shapes ---------------------------------------------------------------


def stripe_event(
    event_type: str,
    data_object: Mapping[str, Any],
    *,
    event_id: str | None = None,
    account: str | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    """An event in the shape Stripe delivers it (a snapshot of ``data_object``)."""
    event: dict[str, Any] = {
        "id": event_id or f"evt_{time.time_ns():x}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()) if created is None else created,
        "data": {"object": dict(data_object)},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    if account is not None:
        event["account"] = account
    return event


def recorded_balance_transaction(
    transaction_id: str,
    *,
    amount: int,
    fee: int,
    currency: str = "usd",
    source: str,
    description: str,
    reporting_category: str = "dispute",
) -> dict[str, Any]:
    """A balance transaction as Stripe embeds it in a dispute (``type: adjustment``)."""
    return {
        "id": transaction_id,
        "object": "balance_transaction",
        "amount": amount,
        "available_on": int(time.time()) + 7 * 86400,
        "created": int(time.time()),
        "currency": currency,
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": (
            [
                {
                    "amount": fee,
                    "application": None,
                    "currency": currency,
                    "description": "Dispute fee",
                    "type": "stripe_fee",
                }
            ]
            if fee
            else []
        ),
        "net": amount - fee,
        "reporting_category": reporting_category,
        "source": source,
        "status": "pending",
        "type": "adjustment",
    }


def recorded_dispute(
    dispute_id: str,
    *,
    charge: str,
    payment_intent: str | None,
    amount: int,
    status: str,
    currency: str = "usd",
    reason: str = "fraudulent",
    balance_transactions: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A Dispute object in the shape Stripe's API reference records it."""
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount,
        "balance_transactions": [dict(t) for t in balance_transactions],
        "charge": charge,
        "created": int(time.time()),
        "currency": currency,
        "evidence": {"customer_email_address": None, "uncategorized_text": None},
        "evidence_details": {
            "due_by": int(time.time()) + 14 * 86400,
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": payment_intent,
        "reason": reason,
        "status": status,
    }


def signed_webhook(
    event: Mapping[str, Any], secret: str, *, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a delivery of ``event``, signed as Stripe signs them."""
    payload = json.dumps(event, indent=2, sort_keys=True)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)
    headers = {"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": header}
    return payload.encode(), headers


# -- a loopback webhook endpoint ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook delivery the receiver answered."""

    status: int
    event_id: str | None
    event_type: str | None
    answer: dict[str, Any]
    body: bytes
    headers: dict[str, str]


class WebhookReceiver:
    """A loopback HTTP endpoint handing Stripe's deliveries to ``app.handle_webhook``.

    Set ``app`` to the application of the running test; deliveries arriving while it is
    ``None`` are answered 200 and dropped (late events of an earlier test).
    """

    def __init__(self) -> None:
        self.app: HoudiniPay | None = None
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

    def _handle(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        app = self.app
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

    def wait_for(self, event_type: str, *, timeout: float = 10.0) -> Delivery:
        """The first answered delivery of ``event_type``; ``TimeoutError`` if none comes."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for delivery in self.deliveries:
                    if delivery.event_type == event_type:
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
