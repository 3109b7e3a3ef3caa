"""Property: for any sequence of payments and refunds the ledger adds up."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from houdini_pay import HoudiniPay, PaymentRequest
from houdini_pay.errors import NotRefundable, RefundExceedsPayment
from houdini_pay.store._models import Payment


@dataclass(frozen=True)
class Pay:
    amount: int


@dataclass(frozen=True)
class Refund:
    which: int
    amount: int | None


operations = st.lists(
    st.one_of(
        st.builds(Pay, st.integers(min_value=1, max_value=100_000)),
        st.builds(
            Refund,
            st.integers(min_value=0, max_value=20),
            st.one_of(st.none(), st.integers(min_value=1, max_value=120_000)),
        ),
    ),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=operations)
def test_recorded_net_equals_charges_minus_refunds(app: HoudiniPay, steps: list[object]) -> None:
    nonprofit = app.create_nonprofit("Ledger", "USD")  # a fresh tenant per example
    supporter = app.create_supporter(nonprofit.id, "Giver")
    paid: list[str] = []
    charged = refunded = 0
    refunded_per_payment: dict[str, int] = {}
    for step in steps:
        if isinstance(step, Pay):
            outcome = app.pay(
                PaymentRequest(
                    nonprofit_id=nonprofit.id,
                    supporter_id=supporter.id,
                    amount=step.amount,
                    currency="USD",
                    processor="fake",
                    payment_type="gift",
                )
            )
            assert outcome.payment is not None
            paid.append(outcome.payment.id)
            charged += step.amount
        elif isinstance(step, Refund) and paid:
            payment_id = paid[step.which % len(paid)]
            remaining = app.get_payment(
                payment_id, nonprofit_id=nonprofit.id
            ).amount - refunded_per_payment.get(payment_id, 0)
            try:
                result = app.refund(payment_id, amount=step.amount, nonprofit_id=nonprofit.id)
            except (RefundExceedsPayment, NotRefundable):
                assert (step.amount is None and remaining == 0) or (
                    step.amount is not None and step.amount > remaining
                )
                continue
            assert result.refund is not None
            refunded += -result.refund.amount
            refunded_per_payment[payment_id] = (
                refunded_per_payment.get(payment_id, 0) - result.refund.amount
            )
    with app.session() as session:
        net = session.scalar(
            select(func.coalesce(func.sum(Payment.amount), 0)).where(
                Payment.nonprofit_id == nonprofit.id
            )
        )
        for payment in session.scalars(
            select(Payment).where(Payment.nonprofit_id == nonprofit.id, Payment.kind == "charge")
        ):
            assert payment.amount_refunded == refunded_per_payment.get(payment.id, 0)
            assert 0 <= payment.amount_refunded <= payment.amount
    assert net == charged - refunded
