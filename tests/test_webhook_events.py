"""Processor events in any order and any number of copies: each applied once, none lost.

Events about a payment houdini-pay has not recorded yet (a refund or a dispute reported
before the charge's success) wait for it; concurrent copies of one event are answered
``applied`` once and ``duplicate`` otherwise; a claim is taken over only once abandoned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

import pytest

from houdini_pay import (
    ChargeObservation,
    ChargeResult,
    ChargeStatus,
    DisputeObservation,
    DisputeStatus,
    FundsMovement,
    HoudiniPay,
    NonprofitRecord,
    OutcomeStatus,
    PaymentOutcome,
    ProcessorEvent,
    RefundObservation,
    RefundResult,
    inventory,
)
from houdini_pay.errors import ProcessorError
from houdini_pay.pipeline import _refunds as refunds
from houdini_pay.store._models import Payment, PaymentAttempt, WebhookEvent
from houdini_pay.testing import FakeProcessor, LimitedItemPaymentType
from tests.conftest import PayFunction
from tests.helpers import count, deliver_concurrently, recording_events


def refund_of(reference: str, amount: int, refund_id: str = "re_dashboard") -> RefundObservation:
    """A refund made in the processor's dashboard."""
    return RefundObservation(
        result=RefundResult.succeeded(refund_id), payment_reference=reference, amount=amount
    )


def dispute_of(reference: str, amount: int) -> DisputeObservation:
    """An open dispute whose amount and a 15.00 fee were withdrawn."""
    return DisputeObservation(
        reference="dp_1",
        payment_reference=reference,
        status=DisputeStatus.OPEN,
        amount=amount,
        currency="USD",
        reason="fraudulent",
        movements=[FundsMovement(reference="txn_1", amount=-amount, fee=1500)],
    )


def succeeded(outcome: PaymentOutcome) -> ChargeObservation:
    """The processor's news that the charge of ``outcome`` went through."""
    return ChargeObservation(
        result=ChargeResult.succeeded(reference_of(outcome)), attempt_id=outcome.attempt_id
    )


def reference_of(outcome: PaymentOutcome) -> str:
    """The fake processor's reference of an attempt's charge."""
    return f"ch_{outcome.attempt_id}"


def deliver(app: HoudiniPay, event_id: str, *observations: object) -> str:
    """Apply one event of the fake processor; return what became of it."""
    event = ProcessorEvent(id=event_id, type="charge.updated", observations=observations)
    return app.apply_events("fake", [event]).events[0]["result"]


@pytest.fixture
def waiting_for_3ds(pay: PayFunction, fake_processor: FakeProcessor) -> PaymentOutcome:
    """A 40.00 payment waiting for the supporter to pass 3-D Secure."""
    fake_processor.behaviour = "requires_action"
    outcome = pay(amount=4000)
    assert outcome.status is OutcomeStatus.REQUIRES_ACTION
    return outcome


def complete(fake_processor: FakeProcessor, outcome: PaymentOutcome) -> None:
    """The supporter passes 3-D Secure: the charge succeeds on the processor's side."""
    fake_processor.complete(outcome.attempt_id, ChargeStatus.SUCCEEDED)


def payment_of(app: HoudiniPay, outcome: PaymentOutcome, nonprofit: NonprofitRecord) -> Any:
    """The payment the attempt of ``outcome`` recorded."""
    payment_id = outcome.attempt_id.replace("att_", "pay_", 1)
    return app.get_payment(payment_id, nonprofit_id=nonprofit.id)


# -- events about a payment not recorded yet -------------------------------------------------


def test_a_refund_reported_before_the_charges_success_is_recorded_with_it(
    app: HoudiniPay,
    waiting_for_3ds: PaymentOutcome,
    fake_processor: FakeProcessor,
    nonprofit: NonprofitRecord,
) -> None:
    reference = reference_of(waiting_for_3ds)
    complete(fake_processor, waiting_for_3ds)
    with recording_events() as log:
        assert deliver(app, "evt_refunded", refund_of(reference, 4000)) == "pending"
        assert count(app, Payment) == 0
        assert deliver(app, "evt_refunded", refund_of(reference, 4000)) == "duplicate"
        assert deliver(app, "evt_succeeded", succeeded(waiting_for_3ds)) == "applied"
    assert log.names() == ["payment_completed", "refund_completed"]
    payment = payment_of(app, waiting_for_3ds, nonprofit)
    assert (payment.status, payment.amount_refunded) == ("refunded", 4000)
    assert count(app, Payment, kind="refund", amount=-4000) == 1
    assert count(app, WebhookEvent, applied_at=None) == 0
    # Stripe retrying the refund event later changes nothing.
    assert deliver(app, "evt_refunded", refund_of(reference, 4000)) == "duplicate"
    assert count(app, Payment, kind="refund") == 1


def test_a_dispute_reported_before_the_charges_success_is_recorded_with_it(
    app: HoudiniPay,
    waiting_for_3ds: PaymentOutcome,
    fake_processor: FakeProcessor,
    nonprofit: NonprofitRecord,
) -> None:
    reference = reference_of(waiting_for_3ds)
    complete(fake_processor, waiting_for_3ds)
    with recording_events() as log:
        assert deliver(app, "evt_dispute", dispute_of(reference, 4000)) == "pending"
        assert deliver(app, "evt_succeeded", succeeded(waiting_for_3ds)) == "applied"
    assert log.names() == ["payment_completed", "dispute_opened", "dispute_funds_withdrawn"]
    payment = payment_of(app, waiting_for_3ds, nonprofit)
    assert payment.status == "disputed"
    assert count(app, Payment, kind="dispute", amount=-4000, fee=1500) == 1


def test_a_failure_reported_while_the_charge_is_being_answered_fails_it_once(
    app: HoudiniPay,
    pay: PayFunction,
    nonprofit: NonprofitRecord,
    fake_processor: FakeProcessor,
    limited: LimitedItemPaymentType,
) -> None:
    with app.unit_of_work() as uow:
        inventory.define_item(uow.session, nonprofit.id, "gala-seat", 2)
    # The processor's webhook overtakes its own answer: the supporter failed 3-D Secure
    # before the charge call returned requires_action (a timing a real processor cannot be
    # made to produce on demand, so the fake delivers the event from inside the call).
    original = fake_processor.charge

    def overtaken(request: Any, *, idempotency_key: str) -> ChargeResult:
        answer = original(request, idempotency_key=idempotency_key)
        failure = ChargeResult.failed("3-D Secure failed", decline_code="authentication_failed")
        observation = ChargeObservation(result=failure, attempt_id=request.attempt_id)
        assert deliver(app, "evt_failed", observation) == "applied"
        return answer

    fake_processor.behaviour = "requires_action"
    fake_processor.charge = overtaken  # type: ignore[method-assign]
    with recording_events() as log:
        outcome = pay(payment_type="limited", type_object={"item": "gala-seat", "quantity": 2})
    assert outcome.status is OutcomeStatus.FAILED
    assert log.names() == ["begin_payment", "payment_failed"]
    assert [h.quantity for h in limited.released] == [2]
    # A refund reported for it later concerns no payment: nothing is recorded or kept.
    assert deliver(app, "evt_late", refund_of(reference_of(outcome), 4000)) == "ignored"
    assert count(app, Payment) == 0


def test_an_event_waiting_for_a_charge_that_failed_is_ignored_by_reconcile(
    app: HoudiniPay, waiting_for_3ds: PaymentOutcome, fake_processor: FakeProcessor
) -> None:
    reference = reference_of(waiting_for_3ds)
    assert deliver(app, "evt_dispute", dispute_of(reference, 4000)) == "pending"
    failure = ChargeResult.failed("3-D Secure failed", decline_code="authentication_failed")
    observation = ChargeObservation(result=failure, attempt_id=waiting_for_3ds.attempt_id)
    assert deliver(app, "evt_failed", observation) == "applied"
    report = app.reconcile()
    assert report.events == [
        {"id": "evt_dispute", "type": "charge.updated", "processor": "fake", "result": "ignored"}
    ]
    assert count(app, WebhookEvent, applied_at=None) == 0


def test_a_waiting_refund_is_recorded_when_reconcile_finds_the_charge(
    app: HoudiniPay,
    waiting_for_3ds: PaymentOutcome,
    fake_processor: FakeProcessor,
    nonprofit: NonprofitRecord,
) -> None:
    # The success webhook never comes: reconcile asks the processor, records the payment,
    # and the refund that waited for it with it.
    assert deliver(app, "evt_refunded", refund_of(reference_of(waiting_for_3ds), 1500)) == (
        "pending"
    )
    complete(fake_processor, waiting_for_3ds)
    later = app.clock() + app.settings.reconcile_after + dt.timedelta(seconds=1)
    app.clock = lambda: later
    report = app.reconcile()
    assert [(e["from"], e["to"]) for e in report.settled] == [("requires_action", "succeeded")]
    payment = payment_of(app, waiting_for_3ds, nonprofit)
    assert (payment.status, payment.amount_refunded) == ("partially_refunded", 1500)


def test_a_waiting_event_whose_application_failed_is_applied_by_reconcile(
    app: HoudiniPay,
    waiting_for_3ds: PaymentOutcome,
    fake_processor: FakeProcessor,
    nonprofit: NonprofitRecord,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert deliver(app, "evt_refunded", refund_of(reference_of(waiting_for_3ds), 4000)) == (
        "pending"
    )
    complete(fake_processor, waiting_for_3ds)
    # Fault: recording the refund fails once, after the payment it waited for was recorded
    # (the database went away for a moment).
    monkeypatch.setattr(
        "houdini_pay.pipeline._external_refunds.record_refund", _fails_once(refunds.record_refund)
    )
    assert deliver(app, "evt_succeeded", succeeded(waiting_for_3ds)) == "applied"
    assert payment_of(app, waiting_for_3ds, nonprofit).amount_refunded == 0
    assert count(app, WebhookEvent, event_id="evt_refunded", applied_at=None) == 1
    report = app.reconcile()
    assert [e["result"] for e in report.events] == ["applied"]
    assert payment_of(app, waiting_for_3ds, nonprofit).amount_refunded == 4000


def _fails_once(function: Callable[..., Any]) -> Callable[..., Any]:
    calls: list[int] = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("the database went away")
        return function(*args, **kwargs)

    return wrapper


def test_a_refund_of_a_charge_houdini_pay_never_made_is_not_kept(
    app: HoudiniPay, waiting_for_3ds: PaymentOutcome
) -> None:
    assert deliver(app, "evt_stranger", refund_of("ch_someone_else", 4000)) == "ignored"
    assert count(app, WebhookEvent, applied_at=None) == 0


# -- claims: concurrent copies, failures, crashes ---------------------------------------------


def test_concurrent_copies_of_one_event_are_applied_once_and_answered_duplicate(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "pending"
    outcome = pay()
    fake_processor.complete(outcome.attempt_id, ChargeStatus.SUCCEEDED)
    copies = 4
    answered = deliver_concurrently(copies, lambda: deliver(app, "evt_settled", succeeded(outcome)))
    assert sorted(answered) == ["applied"] + ["duplicate"] * (copies - 1)
    assert count(app, Payment, status="succeeded") == 1
    assert count(app, WebhookEvent) == 1


class _Unreachable(Sequence[object]):
    """Observations a processor could not read (its API did not answer): a fault."""

    @overload
    def __getitem__(self, index: int) -> object: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[object]: ...

    def __getitem__(self, index: int | slice) -> object:
        raise ProcessorError("the processor could not be reached; deliver the event again")

    def __len__(self) -> int:
        raise ProcessorError("the processor could not be reached; deliver the event again")

    def __iter__(self) -> Iterator[object]:
        raise ProcessorError("the processor could not be reached; deliver the event again")


def test_a_delivery_that_fails_gives_its_claim_back_for_the_next_one(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "pending"
    outcome = pay()
    fake_processor.complete(outcome.attempt_id, ChargeStatus.SUCCEEDED)
    failing = ProcessorEvent(id="evt_1", type="charge.succeeded", observations=_Unreachable())
    with pytest.raises(ProcessorError):
        app.apply_events("fake", [failing])
    assert count(app, WebhookEvent, claimed_at=None, applied_at=None) == 1
    assert deliver(app, "evt_1", succeeded(outcome)) == "applied"
    assert count(app, Payment, status="succeeded") == 1


def test_a_claim_is_taken_over_only_once_older_than_the_timeout(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "pending"
    outcome = pay()
    fake_processor.complete(outcome.attempt_id, ChargeStatus.SUCCEEDED)
    # A delivery that claimed the event, then crashed (its process was killed).
    now = app.clock()
    with app.unit_of_work() as uow:
        uow.session.add(
            WebhookEvent(
                id="whe_crashed",
                processor="fake",
                event_id="evt_1",
                event_type="charge.succeeded",
                received_at=now,
                claimed_at=now,
            )
        )
    assert deliver(app, "evt_1", succeeded(outcome)) == "duplicate"
    timeout = app.settings.webhook_claim_timeout
    app.clock = lambda: now + timeout - dt.timedelta(seconds=1)
    assert deliver(app, "evt_1", succeeded(outcome)) == "duplicate"
    assert count(app, Payment, status="succeeded") == 0
    app.clock = lambda: now + timeout + dt.timedelta(seconds=1)
    assert deliver(app, "evt_1", succeeded(outcome)) == "applied"
    assert count(app, Payment, status="succeeded") == 1
    assert deliver(app, "evt_1", succeeded(outcome)) == "duplicate"


def test_the_claim_timeout_is_read_from_the_environment() -> None:
    from houdini_pay import Settings

    settings = Settings.from_env({"HOUDINI_PAY_WEBHOOK_CLAIM_TIMEOUT_MINUTES": "2"})
    assert settings.webhook_claim_timeout == dt.timedelta(minutes=2)
    assert Settings.from_env({}).webhook_claim_timeout == dt.timedelta(minutes=5)


def test_a_redelivered_event_is_not_read_again(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "pending"
    outcome = pay()
    fake_processor.complete(outcome.attempt_id, ChargeStatus.SUCCEEDED)
    assert deliver(app, "evt_1", succeeded(outcome)) == "applied"
    # The copy's observations would fail to read: a duplicate must never read them.
    copy = ProcessorEvent(id="evt_1", type="charge.succeeded", observations=_Unreachable())
    assert app.apply_events("fake", [copy]).events[0]["result"] == "duplicate"
    assert count(app, PaymentAttempt, state="succeeded") == 1
