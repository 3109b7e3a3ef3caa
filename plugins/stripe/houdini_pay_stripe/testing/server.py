"""localstripe in a thread of the test process, recording what it receives."""

from __future__ import annotations

import contextlib
import json
import pickle
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import stripe

from houdini_pay_stripe.testing._threaded import serving_in_thread
from houdini_pay_stripe.testing.shapes import recorded_account_link

if TYPE_CHECKING:
    from aiohttp import web

    _Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
    """The next handler of an aiohttp middleware."""

__all__ = [
    "TEST_KEY",
    "UNSUPPORTED_PARAMS",
    "IdempotentAnswer",
    "LocalStripe",
    "RecordedRequest",
    "authenticate_3ds",
    "card_payment_method",
    "running_localstripe",
]

TEST_KEY = "sk_test_localstripe"
"""Any key starting with ``sk_`` is accepted by localstripe."""


UNSUPPORTED_PARAMS = frozenset(
    {
        "allowed_payment_method_types",
        "application_fee_amount",
        "cancellation_reason",
        "description",
        # localstripe takes it only on a create that confirms; Stripe on confirm too.
        "off_session",
        "refund_application_fee",
        # Saving the card with the first charge of a repeating gift.
        "setup_future_usage",
    }
)
"""Stripe parameters localstripe does not implement and would refuse.

The harness takes them out before localstripe reads the request, so they have no effect
there; they stay in :attr:`RecordedRequest.params`, where tests check that they were sent.
"""


STRIPE_JS_ADDITIONS = """
// houdini-pay's test harness: what localstripe's stand-in for Stripe.js leaves out.
(() => {
  const standIn = Stripe;
  Stripe = (apiKey, options) => {
    const stripe = standIn(apiKey, options);
    // Stripe.js makes a payment method of a card Element with the publishable key.
    stripe.createPaymentMethod = async ({ type, card, billing_details }) => {
      const response = await fetch(`${LOCALSTRIPE_BASE_API}/v1/payment_methods`, {
        method: "POST",
        body: JSON.stringify({ key: apiKey, type, card: card.value.card, billing_details }),
      });
      const body = await response.json().catch(() => ({}));
      if (response.status !== 200 || body.error) return { error: body.error };
      return { paymentMethod: body };
    };
    return stripe;
  };
  window.Stripe = Stripe;
})();
"""
"""Appended to localstripe's stand-in for Stripe.js (served at ``/js.stripe.com/v3/``)."""

_PUBLISHABLE_PATHS = frozenset({"/v1/payment_methods"})
"""Where Stripe takes the publishable key (sent as ``key`` in the body by the stand-in)."""


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request localstripe received: the headers Stripe gives meaning to, its body."""

    method: str
    path: str
    idempotency_key: str | None
    stripe_account: str | None
    stripe_version: str | None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IdempotentAnswer:
    """The first answer to a POST with an ``Idempotency-Key``, kept to answer retries."""

    path: str
    body: bytes
    status: int
    answer: bytes

    @property
    def object_id(self) -> str | None:
        """The id of the object the request created (or the error's absence of one)."""
        try:
            created = json.loads(self.answer)
        except ValueError:
            return None
        return created.get("id") if isinstance(created, dict) else None


@dataclass
class LocalStripe:
    """A running localstripe: its URL, the requests it has received, and the answers it
    keeps by idempotency key (localstripe has no idempotency; the harness adds Stripe's)."""

    url: str
    requests: list[RecordedRequest] = field(default_factory=list)
    idempotent_answers: dict[tuple[str | None, str], IdempotentAnswer] = field(default_factory=dict)

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
        self.idempotent_answers.clear()

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

    def idempotency_key_of(self, object_id: str) -> str | None:
        """The idempotency key of the request that created ``object_id``, if it had one."""
        for (_account, key), answer in self.idempotent_answers.items():
            if answer.object_id == object_id:
                return key
        return None

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
    from localstripe import server

    _isolate_store(store_dir)
    state = LocalStripe(url="")
    harness = _Harness(state, read_post_data=server.get_post_data)
    server.get_post_data = harness.tolerant_post_data
    try:
        with serving_in_thread(harness.application, name="localstripe", timeout=timeout) as url:
            state.url = url
            yield state
    finally:
        server.get_post_data = harness.read_post_data


def _isolate_store(store_dir: Path) -> None:
    """Make localstripe start empty and keep its store file in ``store_dir``.

    localstripe hard-codes /tmp/localstripe.pickle and would load what another run left.
    """
    from localstripe import resources, webhooks

    store_file = store_dir / "localstripe.pickle"

    def dump_to_disk(store: object) -> None:
        with store_file.open("wb") as handle:
            pickle.dump(store, handle, protocol=pickle.HIGHEST_PROTOCOL)

    resources.Store.dump_to_disk = dump_to_disk
    resources.Store.try_load_from_disk = lambda store: None
    resources.store.clear()
    webhooks._webhooks.clear()


class _Harness:
    """What the harness adds to localstripe's handlers: every request recorded in ``state``,
    Stripe's idempotency, the parameters localstripe does not implement taken out, the
    browser's publishable key accepted, and what its stand-in for Stripe.js leaves out."""

    def __init__(self, state: LocalStripe, read_post_data: Callable[..., Awaitable[Any]]) -> None:
        from aiohttp import web

        self.state = state
        self.read_post_data = read_post_data
        """localstripe's own reader of a request's parameters (put back when it stops)."""
        self.recorded_key = web.RequestKey("houdini_pay_recorded", RecordedRequest)

    def application(self) -> web.Application:
        """localstripe's routes and middlewares behind the recording one, in a new application.

        ``server.app`` is bound to the first loop that runs it, so each run builds its own.
        """
        from aiohttp import web
        from localstripe import server

        @web.middleware
        async def record(request: web.Request, handler: _Handler) -> web.StreamResponse:
            return await self.record(request, handler)

        app = web.Application(middlewares=[record, *server.app.middlewares])
        app.on_response_prepare.append(server.add_cors_headers)
        for route in server.app.router.routes():
            if route.resource is not None and route.resource.canonical == "/js.stripe.com/v3/":
                continue
            app.router.add_route(route.method, route.resource.canonical, route.handler)
        app.router.add_get("/js.stripe.com/v3/", _stripe_js)
        app.router.add_post("/v1/account_links", self.account_link)
        return app

    async def account_link(self, request: web.Request) -> web.Response:
        """``POST /v1/account_links``, which localstripe lacks: an Account Link in Stripe's
        recorded shape (:func:`recorded_account_link`), after Stripe's checks of the
        parameters."""
        from aiohttp import web

        data = await self.tolerant_post_data(request) or {}
        missing = [name for name in ("account", "type") if not data.get(name)]
        if missing or data["type"] not in ("account_onboarding", "account_update"):
            message = (
                f"Missing required param: {missing[0]}."
                if missing
                else "Invalid type: must be one of account_onboarding or account_update"
            )
            error = {"type": "invalid_request_error", "message": message}
            return web.json_response({"error": error}, status=400)
        return web.json_response(recorded_account_link(str(data["account"])))

    async def record(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        """Record the request, then hand it on (through Stripe's idempotency for a keyed POST)."""
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            idempotency_key=request.headers.get("Idempotency-Key"),
            stripe_account=request.headers.get("Stripe-Account"),
            stripe_version=request.headers.get("Stripe-Version"),
        )
        request[self.recorded_key] = recorded
        self.state.requests.append(recorded)
        browser = request.method == "POST" and "Authorization" not in request.headers
        if browser and request.path in _PUBLISHABLE_PATHS:
            # localstripe takes only secret keys there; Stripe takes the browser's
            # publishable key, which the stand-in sends in the body.
            headers = {**request.headers, "Authorization": f"Bearer {TEST_KEY}"}
            request = request.clone(headers=headers)
            request[self.recorded_key] = recorded
        if request.method != "POST" or recorded.idempotency_key is None:
            return await handler(request)
        return await self.idempotent(request, recorded, handler)

    async def idempotent(
        self, request: web.Request, recorded: RecordedRequest, handler: _Handler
    ) -> web.StreamResponse:
        """Stripe's idempotency: a repeated key answers the first answer, and a repeated key
        with other parameters is refused (``idempotency_error``)."""
        from aiohttp import web

        assert recorded.idempotency_key is not None
        scope = (recorded.stripe_account, recorded.idempotency_key)
        body = await request.read()
        earlier = self.state.idempotent_answers.get(scope)
        if earlier is not None:
            if (earlier.path, earlier.body) != (request.path, body):
                return web.json_response(
                    {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with "
                            "the same parameters they were first used with.",
                        }
                    },
                    status=400,
                )
            return web.Response(
                body=earlier.answer,
                status=earlier.status,
                content_type="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        response = await handler(request)
        if response.status < 500 and isinstance(response, web.Response):
            answer = response.body
            if isinstance(answer, bytes):
                self.state.idempotent_answers[scope] = IdempotentAnswer(
                    request.path, body, response.status, answer
                )
        return response

    async def tolerant_post_data(self, request: web.Request, remove_auth: bool = True) -> Any:
        """localstripe's parameters of a request, less :data:`UNSUPPORTED_PARAMS` (recorded)."""
        data = await self.read_post_data(request, remove_auth)
        if remove_auth and isinstance(data, dict):
            request[self.recorded_key].params.update(data)
            for name in UNSUPPORTED_PARAMS:
                data.pop(name, None)
        return data


async def _stripe_js(request: web.Request) -> web.Response:
    """localstripe's stand-in for Stripe.js, with :data:`STRIPE_JS_ADDITIONS`."""
    from aiohttp import web
    from localstripe import server

    standard = Path(server.__file__).with_name("localstripe-v3.js").read_text()
    return web.Response(text=standard + STRIPE_JS_ADDITIONS, content_type="application/javascript")


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
