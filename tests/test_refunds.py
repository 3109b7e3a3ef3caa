"""Refunds: full and partial, never more than was paid, even when requested concurrently."""

from __future__ import annotations

import threading

import pytest

from houdini_pay import ALL_NONPROFITS, Capability, HoudiniPay, OutcomeStatus, RefundOutcome
from houdini_pay.errors import (
    CapabilityNotSupported,
    HoudiniPayError,
    IdempotencyConflict,
    InvalidAmount,
    NotFound,
    NotRefundable,
    RefundExceedsPayment,
)
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.testing import FakeGiftPaymentType, FakeProcessor
from tests.conftest import PayFunction
from tests.helpers import count, recording_events


def _paid(pay: PayFunction, amount: int = 10_000) -> str:
    outcome = pay(amount=amount)
    assert outcome.status is OutcomeStatus.SUCCEEDED
    assert outcome.payment is not None
    return outcome.payment.id


def test_a_full_refund_is_a_negative_payment_linked_to_its_parent(
    app: HoudiniPay, pay: PayFunction, gift: FakeGiftPaymentType
) -> None:
    payment_id = _paid(pay)
    with recording_events() as log:
        outcome = app.refund(payment_id, reason="asked by donor", nonprofit_id=ALL_NONPROFITS)
    assert outcome.status == "succeeded"
    assert outcome.refund is not None
    assert outcome.refund.amount == -10_000
    assert outcome.refund.kind == "refund"
    assert outcome.refund.parent_id == payment_id
    assert outcome.payment.status == "refunded"
    assert outcome.payment.amount_refunded == 10_000
    assert gift.refunded == [outcome.refund.id]
    assert log.names() == ["refund_completed"]


def test_partial_refunds_add_up_and_the_rest_is_refused(app: HoudiniPay, pay: PayFunction) -> None:
    payment_id = _paid(pay)
    first = app.refund(payment_id, amount=3_000, nonprofit_id=ALL_NONPROFITS)
    assert first.payment.status == "partially_refunded"
    second = app.refund(payment_id, amount=7_000, nonprofit_id=ALL_NONPROFITS)
    assert second.payment.status == "refunded"
    with pytest.raises(NotRefundable):
        app.refund(payment_id, amount=1, nonprofit_id=ALL_NONPROFITS)
    assert count(app, Payment, kind="refund") == 2


def test_a_refund_larger_than_what_remains_writes_nothing(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    payment_id = _paid(pay)
    app.refund(payment_id, amount=6_000, nonprofit_id=ALL_NONPROFITS)
    with pytest.raises(RefundExceedsPayment) as raised:
        app.refund(payment_id, amount=4_001, nonprofit_id=ALL_NONPROFITS)
    assert raised.value.details == {"remaining": 4_000}
    assert count(app, PaymentAttempt, operation="refund") == 1
    assert [c.method for c in fake_processor.calls].count("refund") == 1


@pytest.mark.parametrize("amount", [0, -1, 10.5, "100"])
def test_a_refund_amount_must_be_positive_minor_units(
    app: HoudiniPay, pay: PayFunction, amount: object
) -> None:
    payment_id = _paid(pay)
    with pytest.raises(InvalidAmount):
        app.refund(payment_id, amount=amount, nonprofit_id=ALL_NONPROFITS)  # type: ignore[arg-type]


def test_refunds_are_idempotent(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    payment_id = _paid(pay)
    first = app.refund(payment_id, amount=2_000, idempotency_key="r-1", nonprofit_id=ALL_NONPROFITS)
    again = app.refund(payment_id, amount=2_000, idempotency_key="r-1", nonprofit_id=ALL_NONPROFITS)
    assert again.replayed
    assert again.refund == first.refund
    with pytest.raises(IdempotencyConflict):
        app.refund(payment_id, amount=2_500, idempotency_key="r-1", nonprofit_id=ALL_NONPROFITS)
    assert [c.method for c in fake_processor.calls].count("refund") == 1


def test_refunding_another_nonprofits_payment_is_not_found(
    app: HoudiniPay, pay: PayFunction
) -> None:
    payment_id = _paid(pay)
    other = app.create_nonprofit("Other", "USD")
    with pytest.raises(NotFound):
        app.refund(payment_id, nonprofit_id=other.id)


def test_a_processor_without_partial_refunds_refuses_them(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    payment_id = _paid(pay)
    # Shadow the class attribute on this instance only.
    fake_processor.capabilities = fake_processor.capabilities - {  # type: ignore[misc]
        Capability.PARTIAL_REFUNDS
    }
    with pytest.raises(CapabilityNotSupported) as raised:
        app.refund(payment_id, amount=100, nonprofit_id=ALL_NONPROFITS)
    assert raised.value.code == "capability_not_supported"
    assert app.refund(payment_id, nonprofit_id=ALL_NONPROFITS).status == "succeeded"


def test_a_refused_refund_fails_and_frees_the_amount(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    payment_id = _paid(pay)
    fake_processor.refund_behaviour = "fail"
    with recording_events() as log:
        outcome = app.refund(payment_id, amount=4_000, nonprofit_id=ALL_NONPROFITS)
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error.code == "refund_failed"
    assert log.names() == ["refund_failed"]
    fake_processor.refund_behaviour = "succeed"
    assert app.refund(payment_id, nonprofit_id=ALL_NONPROFITS).refund is not None
    assert app.get_payment(payment_id, nonprofit_id=ALL_NONPROFITS).amount_refunded == 10_000


def test_concurrent_partial_refunds_never_exceed_the_payment(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    payment_id = _paid(pay, amount=10_000)
    results: list[str] = []
    barrier = threading.Barrier(8)

    def refund_3000() -> None:
        barrier.wait()
        try:
            app.refund(payment_id, amount=3_000, nonprofit_id=ALL_NONPROFITS)
            results.append("refunded")
        except (RefundExceedsPayment, NotRefundable) as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=refund_3000) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("refunded") == 3
    payment = app.get_payment(payment_id, nonprofit_id=ALL_NONPROFITS)
    assert payment.amount_refunded == 9_000
    assert payment.amount_refunded <= payment.amount
    refunded_by_processor = sum(entry.refunded for entry in fake_processor.ledger.values())
    assert refunded_by_processor == 9_000


def test_concurrent_refunds_with_one_key_get_its_outcome_or_wait_for_it(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    payment_id = _paid(pay, amount=10_000)
    outcomes: list[RefundOutcome] = []
    refused: list[str] = []
    barrier = threading.Barrier(20)

    def refund_once() -> None:
        barrier.wait()
        try:
            outcomes.append(
                app.refund(
                    payment_id,
                    reason="duplicate",
                    idempotency_key="rf-1",
                    nonprofit_id=ALL_NONPROFITS,
                )
            )
        except HoudiniPayError as error:
            refused.append(error.code)

    threads = [threading.Thread(target=refund_once) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(refused) <= {"idempotency_in_flight"}
    assert len(outcomes) + len(refused) == 20
    assert [o.replayed for o in outcomes].count(False) == 1
    assert {(o.status, o.attempt_id) for o in outcomes} == {("succeeded", outcomes[0].attempt_id)}
    assert [call.method for call in fake_processor.calls].count("refund") == 1
    assert app.get_payment(payment_id, nonprofit_id=ALL_NONPROFITS).amount_refunded == 10_000
    assert count(app, Payment, kind="refund") == 1
    # Once it has finished, the key answers its outcome to everyone.
    again = app.refund(
        payment_id, reason="duplicate", idempotency_key="rf-1", nonprofit_id=ALL_NONPROFITS
    )
    assert (again.replayed, again.attempt_id) == (True, outcomes[0].attempt_id)


def test_a_failed_payment_cannot_be_refunded(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "pending"
    outcome = pay()
    assert outcome.payment is not None
    with pytest.raises(NotRefundable):
        app.refund(outcome.payment.id, nonprofit_id=outcome.payment.nonprofit_id)
