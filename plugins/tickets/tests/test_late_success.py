"""A payment that succeeds after its seats' hold expired: seats again, or the money back.

The bad outcome these tests rule out is "paid, no ticket, no refund".
"""

from __future__ import annotations

import pytest
from houdini_pay_tickets import LevelRecord, list_levels, list_tickets
from sqlalchemy import select

from houdini_pay import HoudiniPay, NonprofitRecord, OutcomeStatus, PaymentRequest, SupporterRecord
from houdini_pay.contract._processors import ChargeStatus
from houdini_pay.store._models import PaymentAttempt
from houdini_pay.testing import FakeProcessor, ManualClock, find_row

from .conftest import BuyFunction


def _counts(app: HoudiniPay, level: LevelRecord) -> tuple[int, int, int | None]:
    (found,) = list_levels(app, level.event_id)
    return found.sold, found.held, found.remaining


def _resell_everything(buy: BuyFunction, fake_processor: FakeProcessor) -> None:
    fake_processor.behaviour = "succeed"
    assert buy(10).status is OutcomeStatus.SUCCEEDED


def test_a_late_approval_takes_the_seats_again_when_some_remain(
    app: HoudiniPay,
    buy: BuyFunction,
    level: LevelRecord,
    fake_processor: FakeProcessor,
    houdini_clock: ManualClock,
) -> None:
    fake_processor.behaviour = "pending_approval"
    pending = buy(4)
    assert pending.status is OutcomeStatus.PENDING_APPROVAL
    assert pending.payment is not None
    houdini_clock.advance(minutes=30)
    assert _counts(app, level) == (0, 0, 10)
    approved = app.approve_payment(pending.payment.id, nonprofit_id=pending.payment.nonprofit_id)
    assert approved.status is OutcomeStatus.SUCCEEDED
    assert _counts(app, level) == (4, 0, 6)
    assert [t.quantity for t in list_tickets(app, level.event_id)] == [4]


def test_a_late_approval_after_the_seats_were_resold_is_refunded_with_sold_out(
    app: HoudiniPay,
    buy: BuyFunction,
    level: LevelRecord,
    fake_processor: FakeProcessor,
    houdini_clock: ManualClock,
) -> None:
    fake_processor.behaviour = "pending_approval"
    pending = buy(2)
    assert pending.payment is not None
    houdini_clock.advance(minutes=16)
    _resell_everything(buy, fake_processor)

    late = app.approve_payment(pending.payment.id, nonprofit_id=pending.payment.nonprofit_id)

    assert late.status is OutcomeStatus.FAILED
    assert late.error is not None
    assert late.error.code == "sold_out"
    assert late.error.message == "Dinner tickets are sold out; the charge was refunded"
    # Not paid: the charge was given back in full...
    reversal = fake_processor.refunds[pending.attempt_id + "-reversal"]
    assert reversal.status.value == "succeeded"
    assert fake_processor.ledger[pending.attempt_id].refunded == 2 * level.amount
    # ...no ticket for it, and the payment is not kept as money received.
    assert (
        app.get_payment(pending.payment.id, nonprofit_id=pending.payment.nonprofit_id).status
        == "failed"
    )
    assert all(t.payment_id != pending.payment.id for t in list_tickets(app, level.event_id))
    assert _counts(app, level) == (10, 0, 0)
    with app.session() as session:
        attempt = find_row(session, PaymentAttempt, pending.attempt_id)
        assert attempt.state == "reversed"


def test_a_late_3d_secure_success_after_a_resale_is_refunded(
    app: HoudiniPay,
    buy: BuyFunction,
    level: LevelRecord,
    fake_processor: FakeProcessor,
    houdini_clock: ManualClock,
) -> None:
    fake_processor.behaviour = "requires_action"
    waiting = buy(1)
    assert waiting.status is OutcomeStatus.REQUIRES_ACTION
    houdini_clock.advance(minutes=20)
    _resell_everything(buy, fake_processor)
    fake_processor.complete(waiting.attempt_id)
    body = fake_processor.webhook("evt_late", waiting.attempt_id, ChargeStatus.SUCCEEDED)
    app.handle_webhook("fake", {"x-fake-signature": fake_processor.sign(body)}, body)

    with app.session() as session:
        attempt = find_row(session, PaymentAttempt, waiting.attempt_id)
        assert (attempt.state, attempt.error_code) == ("reversed", "sold_out")
    assert fake_processor.ledger[waiting.attempt_id].refunded == level.amount
    assert len(list_tickets(app, level.event_id)) == 1  # only the resale's line
    assert _counts(app, level) == (10, 0, 0)


def test_a_late_offsite_approval_after_a_resale_is_reversed(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    supporter: SupporterRecord,
    buy: BuyFunction,
    level: LevelRecord,
    fake_processor: FakeProcessor,
    houdini_clock: ManualClock,
) -> None:
    pending = app.pay(
        PaymentRequest(
            nonprofit_id=nonprofit.id,
            supporter_id=supporter.id,
            amount=3 * level.amount,
            currency="USD",
            processor="offsite",
            payment_type="ticket",
            type_object={"ticket_level_id": level.id, "quantity": 3},
            processing_object={
                "method": "bank_transfer",
                "reference": "TX-1",
                "pending_approval": True,
            },
        )
    )
    assert pending.status is OutcomeStatus.PENDING_APPROVAL
    assert pending.payment is not None
    houdini_clock.advance(hours=2)
    _resell_everything(buy, fake_processor)

    late = app.approve_payment(pending.payment.id, nonprofit_id=pending.payment.nonprofit_id)

    assert late.error is not None
    assert late.error.code == "sold_out"
    assert "refunded" in late.error.message
    assert (
        app.get_payment(pending.payment.id, nonprofit_id=pending.payment.nonprofit_id).status
        == "failed"
    )
    with app.session() as session:
        state = session.scalar(
            select(PaymentAttempt.state).where(PaymentAttempt.id == pending.attempt_id)
        )
    assert state == "reversed"
    assert _counts(app, level) == (10, 0, 0)


@pytest.mark.parametrize("minutes", [5, 14])
def test_an_approval_inside_the_hold_needs_no_seats_again(
    app: HoudiniPay,
    buy: BuyFunction,
    level: LevelRecord,
    fake_processor: FakeProcessor,
    houdini_clock: ManualClock,
    minutes: int,
) -> None:
    fake_processor.behaviour = "pending_approval"
    pending = buy(10)
    assert pending.payment is not None
    houdini_clock.advance(minutes=minutes)
    assert (
        app.approve_payment(pending.payment.id, nonprofit_id=pending.payment.nonprofit_id).status
        is OutcomeStatus.SUCCEEDED
    )
    assert _counts(app, level) == (10, 0, 0)
