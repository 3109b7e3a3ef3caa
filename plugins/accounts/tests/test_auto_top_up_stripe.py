"""Auto top-up through Stripe (localstripe): a saved card charged off-session, and a
card declined at charge."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from houdini_pay_accounts import account_view
from houdini_pay_accounts.auto_top_up import set_auto_top_up
from houdini_pay_accounts.verification import verify
from houdini_pay_stripe.api import API_BASE_ENV, MAX_RETRIES_ENV, SECRET_KEY_ENV, WEBHOOK_SECRET_ENV
from houdini_pay_stripe.testing import (
    TEST_KEY,
    LocalStripe,
    card_payment_method,
    running_localstripe,
)

from houdini_pay import ALL_NONPROFITS, HoudiniPay, OutcomeStatus, PaymentRequest, SupporterRecord
from houdini_pay.errors import HoudiniPayError

VISA = "4242424242424242"
DECLINED_AT_CHARGE = "4000000000000341"


@pytest.fixture(scope="module")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    """localstripe on 127.0.0.1 for this module."""
    with running_localstripe(tmp_path_factory.mktemp("localstripe")) as server:
        yield server


@pytest.fixture
def stripe_app(
    houdini_make_app: Callable[..., HoudiniPay], localstripe: LocalStripe
) -> Iterator[HoudiniPay]:
    """The installed plugins, Stripe pointed at localstripe; the ledger verified after."""
    localstripe.flush()
    environ = {
        **os.environ,
        SECRET_KEY_ENV: TEST_KEY,
        API_BASE_ENV: localstripe.url,
        WEBHOOK_SECRET_ENV: "whsec_accounts_tests",
        MAX_RETRIES_ENV: "0",
    }
    app = houdini_make_app(entry_points=True, environ=environ)
    yield app
    assert verify(app) == []


def _member(app: HoudiniPay, localstripe: LocalStripe, number: str) -> SupporterRecord:
    nonprofit = app.create_nonprofit("Cobalt Club", "USD", country="US")
    member = app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")
    method = card_payment_method(localstripe.client(), number)
    card = app.create_source(
        member.id, "stripe_payment_method", {"payment_method": method}, nonprofit_id=ALL_NONPROFITS
    )
    set_auto_top_up(app, nonprofit.id, member.id, threshold=1000, amount=5000, source_id=card.id)
    return member


def _pay(app: HoudiniPay, member: SupporterRecord, amount: int) -> OutcomeStatus:
    return app.pay(
        PaymentRequest(
            nonprofit_id=member.nonprofit_id,
            supporter_id=member.id,
            amount=amount,
            currency="USD",
            processor="balance",
            payment_type="donation",
        )
    ).status


def _shown(app: HoudiniPay, member: SupporterRecord) -> dict[str, object]:
    with app.session() as session:
        return account_view(session, member.nonprofit_id, member.id)


def test_a_saved_card_tops_up_off_session_before_the_payment(
    stripe_app: HoudiniPay, localstripe: LocalStripe
) -> None:
    member = _member(stripe_app, localstripe, VISA)
    assert _pay(stripe_app, member, 2000) is OutcomeStatus.SUCCEEDED
    shown = _shown(stripe_app, member)
    assert (shown["balance"], shown["held"]) == (3000, 0)


def test_a_card_declined_at_charge_fails_the_payment_and_needs_attention(
    stripe_app: HoudiniPay, localstripe: LocalStripe
) -> None:
    member = _member(stripe_app, localstripe, DECLINED_AT_CHARGE)
    assert _pay(stripe_app, member, 2000) is OutcomeStatus.FAILED
    shown = _shown(stripe_app, member)
    assert (shown["balance"], shown["available"]) == (0, 0)
    auto = shown["auto_top_up"]
    assert isinstance(auto, dict)
    assert auto["status"] == "needs_attention"
    _pay(stripe_app, member, 2000)
    _pay(stripe_app, member, 2000)
    with pytest.raises(HoudiniPayError, match="insufficient_funds"):
        _pay(stripe_app, member, 2000)
