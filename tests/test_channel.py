"""Every attempt and payment records the channel it came from; the receipt follows it."""

from __future__ import annotations

from typing import Any

import pytest

from houdini_pay import ALL_NONPROFITS, Channel, HoudiniPay, OutcomeStatus
from houdini_pay.errors import InvalidRequest
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.store._records import PaymentRecord
from houdini_pay.testing import find_row
from tests.conftest import PayFunction
from tests.helpers import count, recording_events


def _stored_channels(app: HoudiniPay, payment: PaymentRecord) -> tuple[str, str]:
    """The channel columns of the payment and of its attempt."""
    with app.session() as session:
        row = find_row(session, Payment, payment.id)
        attempt = find_row(session, PaymentAttempt, row.attempt_id)
        return row.channel, attempt.channel


def test_a_python_caller_records_api_unless_it_says_otherwise(
    app: HoudiniPay, pay: PayFunction
) -> None:
    with recording_events() as log:
        outcome = pay()
    assert outcome.payment is not None
    assert outcome.payment.channel == "api"
    assert outcome.payment.to_dict()["channel"] == "api"
    assert _stored_channels(app, outcome.payment) == ("api", "api")
    assert log.of("begin_payment")[0]["attempt"].channel == "api"
    assert log.of("payment_completed")[0]["attempt"].channel == "api"


@pytest.mark.parametrize("channel", list(Channel))
def test_each_channel_is_recorded_on_the_attempt_and_the_payment(
    app: HoudiniPay, pay: PayFunction, channel: Channel
) -> None:
    outcome = pay(channel=channel)
    assert outcome.payment is not None
    assert outcome.payment.channel == channel.value
    assert _stored_channels(app, outcome.payment) == (channel.value, channel.value)
    assert app.get_payment(outcome.payment.id, nonprofit_id=ALL_NONPROFITS).channel == channel.value


@pytest.mark.parametrize("channel", ["web", "", "API", None, 3])
def test_an_unknown_channel_is_refused_before_anything_is_written(
    app: HoudiniPay, pay: PayFunction, channel: Any
) -> None:
    with pytest.raises(InvalidRequest) as raised:
        pay(channel=channel)
    assert raised.value.code == "invalid_channel"
    assert "api, cli, page, recurring, staff" in raised.value.message
    assert count(app, PaymentAttempt) == 0


def test_a_retry_through_another_channel_replays_and_keeps_the_first_channel(
    app: HoudiniPay, pay: PayFunction
) -> None:
    first = pay(idempotency_key="order-7", channel=Channel.PAGE)
    again = pay(idempotency_key="order-7", channel=Channel.API)
    assert again.replayed
    assert again.payment == first.payment
    assert again.payment is not None
    assert again.payment.channel == "page"
    assert count(app, PaymentAttempt) == 1


def test_a_refund_records_who_asked_staff_by_default(app: HoudiniPay, pay: PayFunction) -> None:
    paid = pay().payment
    assert paid is not None
    by_staff = app.refund(paid.id, amount=500, nonprofit_id=paid.nonprofit_id)
    by_cli = app.refund(paid.id, amount=500, nonprofit_id=paid.nonprofit_id, channel=Channel.CLI)
    assert by_staff.refund is not None
    assert by_cli.refund is not None
    assert (by_staff.refund.channel, by_cli.refund.channel) == ("staff", "cli")
    assert _stored_channels(app, by_cli.refund) == ("cli", "cli")
    assert by_cli.payment.channel == "api"  # the refunded payment keeps its own
    with pytest.raises(InvalidRequest) as raised:
        app.refund(paid.id, nonprofit_id=paid.nonprofit_id, channel="web")
    assert raised.value.code == "invalid_channel"


def _receipts_asked(pay: PayFunction, **request: Any) -> list[dict[str, Any]]:
    with recording_events() as log:
        assert pay(**request).status is OutcomeStatus.SUCCEEDED
    return log.of("receipt_email_requested")


def test_a_web_key_without_the_page_channel_asks_for_no_receipt(pay: PayFunction) -> None:
    assert _receipts_asked(pay, idempotency_key="web-chosen-by-the-caller") == []


def test_a_payment_of_the_page_channel_asks_for_its_receipt_whatever_its_key(
    pay: PayFunction,
) -> None:
    [asked] = _receipts_asked(pay, idempotency_key="any-key", channel=Channel.PAGE)
    assert asked["payment"].channel == "page"
    assert asked["supporter"].email == "ada@example.org"
