"""Disputes: chargebacks recorded as dispute and dispute-reversal payments, in any order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from houdini_pay import (
    DisputeObservation,
    DisputeRecord,
    DisputeStatus,
    FundsMovement,
    HoudiniPay,
    PaymentRecord,
    ProcessorEvent,
)
from houdini_pay.store._models import Dispute, OutboxEvent, Payment
from houdini_pay.testing import FakeGiftPaymentType
from tests.conftest import PayFunction
from tests.helpers import count, recording_events

WITHDRAWN = FundsMovement(reference="txn_withdrawn", amount=-2500, fee=1500)
REINSTATED = FundsMovement(reference="txn_reinstated", amount=2500, fee=0)


@dataclass
class DisputeAwareGift(FakeGiftPaymentType):
    """A gift that remembers every dispute change it is told of."""

    disputes: list[tuple[str, str]] = field(default_factory=list)

    def on_dispute(self, session: Session, payment: PaymentRecord, dispute: DisputeRecord) -> None:
        """Remember the payment's and the dispute's status."""
        self.disputes.append((payment.status, dispute.status))


@pytest.fixture
def gift() -> DisputeAwareGift:
    """The ``gift`` payment type, listening to disputes."""
    return DisputeAwareGift()


def observe(
    reference: str | None,
    status: DisputeStatus,
    movements: Sequence[FundsMovement] = (),
    *,
    dispute: str = "dp_1",
) -> DisputeObservation:
    """What a processor reports about dispute ``dispute`` of the charge ``reference``."""
    return DisputeObservation(
        reference=dispute,
        payment_reference=reference or "",
        status=status,
        amount=2500,
        currency="usd",
        reason="fraudulent",
        movements=movements,
    )


def deliver(app: HoudiniPay, event_id: str, observation: DisputeObservation) -> str:
    """Apply one processor event carrying ``observation``; return its result."""
    event = ProcessorEvent(id=event_id, type="dispute", observations=[observation])
    return app.apply_events("fake", [event]).events[0]["result"]


def movements_of(app: HoudiniPay, payment_id: str) -> list[tuple[str, int, int, int]]:
    """(kind, amount, fee, net) of the dispute payments of a payment, in amount order."""
    with app.session() as session:
        rows = session.scalars(
            select(Payment).where(Payment.parent_id == payment_id).order_by(Payment.amount)
        )
        return [(row.kind, row.amount, row.fee, row.net) for row in rows]


def test_a_dispute_withdraws_the_amount_and_its_fee_then_a_win_gives_the_amount_back(
    app: HoudiniPay, pay: PayFunction, gift: DisputeAwareGift
) -> None:
    payment = pay(channel="cli").payment
    assert payment is not None
    with recording_events() as log:
        assert deliver(app, "evt_1", observe(payment.processor_reference, DisputeStatus.OPEN)) == (
            "applied"
        )
        assert app.get_payment(payment.id, nonprofit_id=payment.nonprofit_id).status == "disputed"
        deliver(app, "evt_2", observe(payment.processor_reference, DisputeStatus.OPEN, [WITHDRAWN]))
        deliver(
            app,
            "evt_3",
            observe(payment.processor_reference, DisputeStatus.WON, [WITHDRAWN, REINSTATED]),
        )
    assert log.names() == [
        "dispute_opened",
        "dispute_funds_withdrawn",
        "dispute_funds_reinstated",
        "dispute_closed",
    ]
    assert movements_of(app, payment.id) == [
        ("dispute", -2500, 1500, -4000),
        ("dispute_reversal", 2500, 0, 2500),
    ]
    assert app.get_payment(payment.id, nonprofit_id=payment.nonprofit_id).status == "succeeded"
    closed = log.of("dispute_closed")[0]["dispute"]
    assert (closed.status, closed.amount, closed.reason) == ("won", 2500, "fraudulent")
    assert closed.closed_at is not None
    assert gift.disputes == [
        ("disputed", "open"),
        ("disputed", "open"),
        ("succeeded", "won"),
    ]
    assert count(app, OutboxEvent, event="dispute_funds_withdrawn") == 1
    movements = [log.of(name)[0]["movement"] for name in log.names() if "funds" in name]
    assert [movement.channel for movement in movements] == ["cli", "cli"]


def test_a_lost_dispute_leaves_the_payment_disputed(app: HoudiniPay, pay: PayFunction) -> None:
    payment = pay().payment
    assert payment is not None
    deliver(app, "evt_1", observe(payment.processor_reference, DisputeStatus.LOST, [WITHDRAWN]))
    assert app.get_payment(payment.id, nonprofit_id=payment.nonprofit_id).status == "disputed"
    with app.session() as session:
        dispute = session.scalars(select(Dispute)).one()
    assert dispute.status == "lost"
    assert movements_of(app, payment.id) == [("dispute", -2500, 1500, -4000)]


def test_events_out_of_order_and_twice_end_in_the_same_records(
    app: HoudiniPay, pay: PayFunction
) -> None:
    payment = pay().payment
    assert payment is not None
    reference = payment.processor_reference
    with recording_events() as log:
        deliver(app, "evt_closed", observe(reference, DisputeStatus.WON, [WITHDRAWN, REINSTATED]))
        # Older news arriving late, under other event ids, changes nothing.
        deliver(app, "evt_withdrawn", observe(reference, DisputeStatus.OPEN, [WITHDRAWN]))
        deliver(app, "evt_created", observe(reference, DisputeStatus.OPEN))
        assert deliver(app, "evt_closed", observe(reference, DisputeStatus.WON)) == "duplicate"
    assert sorted(log.names()) == [
        "dispute_closed",
        "dispute_funds_reinstated",
        "dispute_funds_withdrawn",
        "dispute_opened",
    ]
    assert len(movements_of(app, payment.id)) == 2
    assert app.get_payment(payment.id, nonprofit_id=payment.nonprofit_id).status == "succeeded"
    assert count(app, Dispute, status="won") == 1


def test_a_won_dispute_returns_a_partly_refunded_payment_to_partially_refunded(
    app: HoudiniPay, pay: PayFunction
) -> None:
    payment = pay().payment
    assert payment is not None
    app.refund(payment.id, amount=500, nonprofit_id=payment.nonprofit_id)
    deliver(app, "evt_1", observe(payment.processor_reference, DisputeStatus.OPEN))
    assert app.get_payment(payment.id, nonprofit_id=payment.nonprofit_id).status == "disputed"
    deliver(app, "evt_2", observe(payment.processor_reference, DisputeStatus.CLOSED))
    assert (
        app.get_payment(payment.id, nonprofit_id=payment.nonprofit_id).status
        == "partially_refunded"
    )


def test_a_disputed_payment_cannot_be_refunded_through_houdini_pay(
    app: HoudiniPay, pay: PayFunction
) -> None:
    from houdini_pay.errors import NotRefundable

    payment = pay().payment
    assert payment is not None
    deliver(app, "evt_1", observe(payment.processor_reference, DisputeStatus.OPEN))
    with pytest.raises(NotRefundable):
        app.refund(payment.id, nonprofit_id=payment.nonprofit_id)


def test_a_dispute_of_an_unknown_payment_is_ignored(app: HoudiniPay, pay: PayFunction) -> None:
    pay()
    with recording_events() as log:
        assert deliver(app, "evt_1", observe("ch_not_ours", DisputeStatus.OPEN)) == "ignored"
    assert log.events == []
    assert count(app, Dispute) == 0
