"""Opt-in: the same flows against Stripe itself, in test mode.

Runs only when ``HOUDINI_PAY_STRIPE_TEST_MODE_KEY`` holds a test-mode secret key
(``sk_test_...``); a live key is refused. CI never sets it: it checks what localstripe
cannot imitate (Stripe's own answers to off-session authentication, its refunds).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from houdini_pay_stripe.api import API_BASE_ENV, SECRET_KEY_ENV

from houdini_pay import HoudiniPay, OutcomeStatus, PaymentRequest

TEST_MODE_KEY_ENV = "HOUDINI_PAY_STRIPE_TEST_MODE_KEY"
KEY = os.environ.get(TEST_MODE_KEY_ENV, "")

pytestmark = pytest.mark.skipif(
    not KEY.startswith("sk_test_"),
    reason=f"opt-in: set {TEST_MODE_KEY_ENV}=sk_test_... to run against Stripe's test mode",
)


def test_stripe_test_mode_charge_refund_and_off_session_authentication(
    houdini_make_app: Callable[..., HoudiniPay], stripe_environ: dict[str, str]
) -> None:
    environ = {k: v for k, v in stripe_environ.items() if k != API_BASE_ENV}
    environ[SECRET_KEY_ENV] = KEY
    app = houdini_make_app(entry_points=True, environ=environ)
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD")
    supporter = app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")

    def pay(test_card: str, **extra: object) -> tuple[OutcomeStatus, str | None]:
        source = app.create_source(
            supporter.id,
            "stripe_payment_method",
            {"payment_method": test_card},
            nonprofit_id=supporter.nonprofit_id,
        )
        outcome = app.pay(
            PaymentRequest(
                nonprofit_id=nonprofit.id,
                supporter_id=supporter.id,
                amount=2500,
                currency="USD",
                payment_type="donation",
                source_id=source.id,
                **extra,  # type: ignore[arg-type]
            )
        )
        if outcome.payment is not None:
            assert outcome.payment.fee > 0  # Stripe's real fee, from the balance transaction
            refund = app.refund(
                outcome.payment.id, amount=500, nonprofit_id=outcome.payment.nonprofit_id
            )
            assert refund.status == "succeeded"
        return outcome.status, outcome.error.code if outcome.error else None

    assert pay("pm_card_visa") == (OutcomeStatus.SUCCEEDED, None)
    assert pay("pm_card_chargeCustomerFail") == (OutcomeStatus.FAILED, "processor_declined")
    assert pay("pm_card_authenticationRequired", off_session=True) == (
        OutcomeStatus.FAILED,
        "authentication_required",
    )
