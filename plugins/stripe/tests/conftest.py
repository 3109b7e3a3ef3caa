"""Fixtures of the Stripe plugin's tests: localstripe, an application pointed at it, cards.

One localstripe runs per test process (it keeps its objects in module globals) and is
emptied before every test. The application loads the installed plugins (stripe, donation)
on SQLite and PostgreSQL, with the Stripe variables set as a deployer would set them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import stripe
from houdini_pay_stripe.api import API_BASE_ENV, MAX_RETRIES_ENV, SECRET_KEY_ENV, WEBHOOK_SECRET_ENV
from houdini_pay_stripe.testing import (
    TEST_KEY,
    LocalStripe,
    RecordedRequest,
    WebhookReceiver,
    card_payment_method,
    running_localstripe,
)
from sqlalchemy import func, select

from houdini_pay import (
    ALL_NONPROFITS,
    Base,
    HoudiniPay,
    NonprofitRecord,
    PaymentOutcome,
    PaymentRequest,
    SourceRecord,
    SupporterRecord,
    signals,
)

WEBHOOK_SECRET = "whsec_houdini_pay_tests"

VISA = "4242424242424242"
DECLINED_AT_CHARGE = "4000000000000341"
"""Attaches to a customer, then every charge is declined."""
THREE_D_SECURE = "4000002760003184"
"""Every charge needs 3-D Secure."""


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    """localstripe on 127.0.0.1 for the whole test process."""
    with running_localstripe(tmp_path_factory.mktemp("localstripe")) as server:
        yield server


@pytest.fixture(scope="session")
def webhook_receiver(localstripe: LocalStripe) -> Iterator[WebhookReceiver]:
    """A loopback webhook endpoint that localstripe delivers every event to."""
    receiver = WebhookReceiver()
    localstripe.register_webhook(receiver.url, WEBHOOK_SECRET)
    yield receiver
    localstripe.register_webhook(receiver.url, WEBHOOK_SECRET, events=[])
    receiver.close()


@pytest.fixture(autouse=True)
def _empty_localstripe(localstripe: LocalStripe) -> None:
    """Every test starts with no Stripe objects and no recorded requests."""
    localstripe.flush()


@pytest.fixture
def stripe_environ(localstripe: LocalStripe) -> dict[str, str]:
    """The environment of a deployment pointed at localstripe."""
    return {
        **os.environ,
        SECRET_KEY_ENV: TEST_KEY,
        API_BASE_ENV: localstripe.url,
        WEBHOOK_SECRET_ENV: WEBHOOK_SECRET,
        MAX_RETRIES_ENV: "0",
    }


@pytest.fixture
def app(houdini_make_app: Callable[..., HoudiniPay], stripe_environ: dict[str, str]) -> HoudiniPay:
    """An application with the installed plugins, configured for localstripe."""
    return houdini_make_app(entry_points=True, environ=stripe_environ)


@pytest.fixture
def webhooks(app: HoudiniPay, webhook_receiver: WebhookReceiver) -> Iterator[WebhookReceiver]:
    """The webhook endpoint, delivering to this test's application."""
    webhook_receiver.deliveries.clear()
    webhook_receiver.app = app
    yield webhook_receiver
    webhook_receiver.app = None


@pytest.fixture
def browser(localstripe: LocalStripe) -> stripe.StripeClient:
    """What the supporter's browser does with Stripe.js (creating payment methods)."""
    return localstripe.client()


@pytest.fixture
def nonprofit(app: HoudiniPay) -> NonprofitRecord:
    """A nonprofit taking USD."""
    return app.create_nonprofit("Riverside Food Bank", "USD", country="US")


@pytest.fixture
def supporter(app: HoudiniPay, nonprofit: NonprofitRecord) -> SupporterRecord:
    """A supporter of that nonprofit."""
    return app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")


SaveCard = Callable[..., SourceRecord]


@pytest.fixture
def save_card(
    app: HoudiniPay, supporter: SupporterRecord, browser: stripe.StripeClient
) -> SaveCard:
    """Save a card (by test number) as a ``stripe_payment_method`` source of the supporter."""

    def save(number: str = VISA, *, supporter_id: str | None = None) -> SourceRecord:
        method = card_payment_method(browser, number)
        return app.create_source(
            supporter_id or supporter.id,
            "stripe_payment_method",
            {"payment_method": method},
            nonprofit_id=ALL_NONPROFITS,
        )

    return save


Pay = Callable[..., PaymentOutcome]


@pytest.fixture
def pay(app: HoudiniPay, nonprofit: NonprofitRecord, supporter: SupporterRecord) -> Pay:
    """Donate 2500 USD with a source; keywords override the request."""

    def run(source: SourceRecord, **overrides: Any) -> PaymentOutcome:
        fields: dict[str, Any] = {
            "nonprofit_id": nonprofit.id,
            "supporter_id": supporter.id,
            "amount": 2500,
            "currency": "USD",
            "payment_type": "donation",
            "source_id": source.id,
            "type_object": {"designation": "Winter meals"},
        }
        fields.update(overrides)
        return app.pay(PaymentRequest(**fields))

    return run


def created_intents(localstripe: LocalStripe) -> list[RecordedRequest]:
    """The requests that created a PaymentIntent (unconfirmed: see confirmations)."""
    return [r for r in localstripe.sent("POST", "/v1/payment_intents") if r.path.count("/") == 2]


def confirmations(localstripe: LocalStripe) -> list[RecordedRequest]:
    """The requests that confirmed a PaymentIntent (what moves the money)."""
    sent = localstripe.sent("POST", "/v1/payment_intents/")
    return [r for r in sent if r.path.endswith("/confirm")]


def count(app: HoudiniPay, model: type[Base], **where: Any) -> int:
    """Rows of ``model`` matching the keyword equalities."""
    statement = select(func.count()).select_from(model)
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    with app.session() as session:
        return int(session.scalar(statement) or 0)


@contextmanager
def recording_signals() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every houdini-pay signal sent inside the block, as (name, keyword arguments)."""
    sent: list[tuple[str, dict[str, Any]]] = []
    receivers = []
    for name, signal in signals.namespace.items():

        def receiver(sender: Any, _name: str = name, **kwargs: Any) -> None:
            sent.append((_name, kwargs))

        signal.connect(receiver, weak=False)
        receivers.append((signal, receiver))
    try:
        yield sent
    finally:
        for signal, receiver in receivers:
            signal.disconnect(receiver)
