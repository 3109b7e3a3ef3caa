"""Saving cards as stripe_payment_method sources, and what a missing key does."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import stripe
from houdini_pay_stripe import StripeCustomer, StripePaymentMethod
from houdini_pay_stripe.api import SECRET_KEY_ENV, WEBHOOK_SECRET_ENV
from houdini_pay_stripe.testing import LocalStripe, card_payment_method

from houdini_pay import HoudiniPay, PaymentRequest, SupporterRecord
from houdini_pay.errors import ConfigurationError, InvalidRequest, PaymentDeclined
from houdini_pay.store._models import PaymentAttempt, Source
from plugins.stripe.tests.conftest import VISA, SaveCard, count

DECLINED_AT_ATTACH = "4000000000000002"


def test_a_card_is_saved_on_one_customer_per_supporter_with_its_display_facts(
    app: HoudiniPay, save_card: SaveCard, supporter: SupporterRecord, browser: stripe.StripeClient
) -> None:
    first = save_card()
    second = save_card("5555555555554444")
    assert first.name == "Visa •••• 4242"
    assert first.processor == "stripe"
    assert first.processor_reference is not None
    assert first.processor_reference.startswith("pm_")
    with app.session() as session:
        methods = {m.source_id: m for m in session.query(StripePaymentMethod)}
        customers = session.query(StripeCustomer).all()
    assert [c.supporter_id for c in customers] == [supporter.id]
    customer_id = customers[0].customer_id
    assert methods[first.id].customer_id == methods[second.id].customer_id == customer_id
    assert (methods[first.id].last4, methods[first.id].exp_month, methods[first.id].exp_year) == (
        "4242",
        12,
        2034,
    )
    attached = browser.v1.payment_methods.retrieve(first.processor_reference)
    assert attached.customer == customer_id
    stored = browser.v1.customers.retrieve(customer_id)
    assert stored.email == "ada@example.org"
    assert stored.metadata["supporter_id"] == supporter.id


@pytest.mark.parametrize(
    "source_object",
    [
        {},
        {"payment_method": "tok_visa"},
        {"payment_method": 42},
        {"payment_method": "pm_ok", "card_number": VISA},
    ],
)
def test_a_malformed_source_object_is_refused_and_nothing_is_stored(
    app: HoudiniPay,
    supporter: SupporterRecord,
    localstripe: LocalStripe,
    source_object: dict[str, object],
) -> None:
    with pytest.raises(InvalidRequest) as raised:
        app.create_source(
            supporter.id,
            "stripe_payment_method",
            source_object,
            nonprofit_id=supporter.nonprofit_id,
        )
    assert raised.value.code == "invalid_source_object"
    assert count(app, Source) == 0
    assert localstripe.requests == []


def test_an_unknown_payment_method_is_a_clear_error(
    app: HoudiniPay, supporter: SupporterRecord
) -> None:
    with pytest.raises(InvalidRequest) as raised:
        app.create_source(
            supporter.id,
            "stripe_payment_method",
            {"payment_method": "pm_missing"},
            nonprofit_id=supporter.nonprofit_id,
        )
    assert raised.value.code == "stripe_invalid_request"
    assert "could not be saved" in raised.value.message
    assert count(app, Source) == 0


def test_a_card_declined_when_attached_is_not_stored(app: HoudiniPay, save_card: SaveCard) -> None:
    with pytest.raises(PaymentDeclined) as raised:
        save_card(DECLINED_AT_ATTACH)
    assert raised.value.code == "processor_declined"
    assert count(app, Source) == 0
    assert count(app, StripePaymentMethod) == 0


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (SECRET_KEY_ENV, None, f"{SECRET_KEY_ENV} is not set"),
        (SECRET_KEY_ENV, "pk_test_publishable", "must be a Stripe secret key"),
        ("HOUDINI_PAY_STRIPE_API_BASE", "localhost:12111", "must be an http(s) URL"),
        ("HOUDINI_PAY_STRIPE_MAX_NETWORK_RETRIES", "many", "must be a whole number"),
    ],
)
def test_a_missing_or_wrong_setting_is_a_clear_error_at_first_use(
    houdini_make_app: Callable[..., HoudiniPay],
    stripe_environ: dict[str, str],
    browser: stripe.StripeClient,
    variable: str,
    value: str | None,
    expected: str,
) -> None:
    environ = dict(stripe_environ)
    if value is None:
        environ.pop(variable)
    else:
        environ[variable] = value
    app = houdini_make_app(entry_points=True, environ=environ)
    assert "stripe" in app.registry.processors  # loading the plugin needs no key
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD")
    supporter = app.create_supporter(nonprofit.id, "Ada Lovelace")
    method = card_payment_method(browser, VISA)
    with pytest.raises(ConfigurationError) as raised:
        app.create_source(
            supporter.id,
            "stripe_payment_method",
            {"payment_method": method},
            nonprofit_id=supporter.nonprofit_id,
        )
    assert expected in raised.value.message
    assert raised.value.code == "configuration_error"
    assert count(app, Source) == 0
    assert count(app, PaymentAttempt) == 0


def test_a_missing_webhook_secret_is_a_clear_error(
    houdini_make_app: Callable[..., HoudiniPay], stripe_environ: dict[str, str]
) -> None:
    environ = {k: v for k, v in stripe_environ.items() if k != WEBHOOK_SECRET_ENV}
    app = houdini_make_app(entry_points=True, environ=environ)
    with pytest.raises(ConfigurationError) as raised:
        app.handle_webhook("stripe", {"Stripe-Signature": "t=1,v1=00"}, b"{}")
    assert WEBHOOK_SECRET_ENV in raised.value.message


@pytest.mark.parametrize("variable", [SECRET_KEY_ENV, WEBHOOK_SECRET_ENV])
def test_paying_without_a_key_is_refused_before_anything_is_written(
    houdini_make_app: Callable[..., HoudiniPay],
    stripe_environ: dict[str, str],
    save_card: SaveCard,
    supporter: SupporterRecord,
    localstripe: LocalStripe,
    variable: str,
) -> None:
    """Without the webhook secret too: a payment that waits for 3-D Secure could never
    hear how it ended."""
    card = save_card()
    environ = {k: v for k, v in stripe_environ.items() if k != variable}
    keyless = houdini_make_app(entry_points=True, environ=environ)
    with pytest.raises(ConfigurationError) as raised:
        keyless.pay(
            PaymentRequest(
                nonprofit_id=supporter.nonprofit_id,
                supporter_id=supporter.id,
                amount=2500,
                currency="USD",
                payment_type="donation",
                source_id=card.id,
            )
        )
    assert variable in raised.value.message
    assert raised.value.details["missing_settings"] == [variable]
    assert count(keyless, PaymentAttempt) == 0
    assert localstripe.sent("POST", "/v1/payment_intents") == []
