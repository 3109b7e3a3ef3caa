"""Reconciliation settles attempts whose outcome was lost, by asking the processor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from houdini_pay import (
    ChargeRequest,
    ChargeResult,
    HoudiniPay,
    LookupRequest,
    OutcomeStatus,
)
from houdini_pay.errors import InvalidTransition
from houdini_pay.pipeline import _settlement as settlement
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.testing import FakeProcessor, find_row
from tests.conftest import PayFunction
from tests.helpers import count, recording_events


def test_an_unknown_charge_that_went_through_is_finalized(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "crash_after_charge"
    outcome = pay(idempotency_key="lost-answer")
    assert outcome.status is OutcomeStatus.UNKNOWN
    assert count(app, Payment) == 0
    with recording_events() as log:
        report = app.reconcile()
    assert [(e["from"], e["to"]) for e in report.settled] == [("unknown", "succeeded")]
    assert log.names() == ["payment_completed"]
    assert count(app, Payment, status="succeeded") == 1
    assert fake_processor.charge_count == 1
    replay = pay(idempotency_key="lost-answer")
    assert replay.status is OutcomeStatus.SUCCEEDED
    assert replay.replayed


def test_an_unknown_charge_the_processor_never_saw_is_failed(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "timeout"
    outcome = pay()
    assert outcome.status is OutcomeStatus.UNKNOWN
    report = app.reconcile()
    assert [(e["from"], e["to"], e["error_code"]) for e in report.settled] == [
        ("unknown", "failed", "not_charged")
    ]
    assert count(app, Payment) == 0


def test_a_charge_still_unknown_is_retried_then_handed_to_a_person(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "unknown"
    pay()
    fake_processor.lookup_charge = (  # type: ignore[method-assign]
        lambda request: ChargeResult.unknown("still no answer")
    )
    tries = app.settings.reconcile_max_tries
    for _ in range(tries - 1):
        report = app.reconcile()
        assert report.unresolved == []
        assert len(report.unchanged) == 1
    with recording_events() as log:
        report = app.reconcile()
    assert len(report.unresolved) == 1
    assert report.unresolved[0]["tries"] == tries
    assert log.names() == ["attempt_needs_attention"]
    assert count(app, PaymentAttempt, state="unknown") == 1


def test_a_crash_between_charge_and_finalize_is_settled_by_reconcile(
    app: HoudiniPay,
    pay: PayFunction,
    fake_processor: FakeProcessor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class ProcessDied(BaseException):
        """Stands in for the process being killed after the charge (a fake fault)."""

    def die(*args: object, **kwargs: object) -> None:
        raise ProcessDied

    monkeypatch.setattr(settlement, "settle", die)
    with pytest.raises(ProcessDied):
        pay(idempotency_key="crashed")
    monkeypatch.undo()
    assert count(app, PaymentAttempt, state="charging") == 1
    assert app.reconcile().settled == []  # not stale yet: it may still be running
    later = app.clock() + app.settings.reconcile_after + dt.timedelta(seconds=1)
    app.clock = lambda: later
    report = app.reconcile()
    assert [(e["from"], e["to"]) for e in report.settled] == [("charging", "succeeded")]
    assert count(app, Payment, status="succeeded") == 1
    assert fake_processor.charge_count == 1


def test_an_attempt_interrupted_before_charging_is_abandoned(
    app: HoudiniPay,
    pay: PayFunction,
    fake_processor: FakeProcessor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from houdini_pay.pipeline import _pay as pipeline

    class ProcessDied(BaseException):
        """Stands in for the process being killed before charging (a fake fault)."""

    def die(*args: object, **kwargs: object) -> None:
        raise ProcessDied

    monkeypatch.setattr(pipeline, "_mark_charging", die)
    with pytest.raises(ProcessDied):
        pay()
    monkeypatch.undo()
    later = app.clock() + app.settings.reconcile_after + dt.timedelta(seconds=1)
    app.clock = lambda: later
    report = app.reconcile()
    assert [(e["from"], e["to"], e["error_code"]) for e in report.settled] == [
        ("started", "failed", "abandoned")
    ]
    assert fake_processor.calls == []


def test_a_pending_charge_whose_webhook_was_lost_is_settled(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    from houdini_pay import ChargeStatus

    fake_processor.behaviour = "pending"
    outcome = pay()
    assert outcome.status is OutcomeStatus.PENDING
    assert app.reconcile().settled == []  # waiting is normal at first
    fake_processor.complete(outcome.attempt_id, ChargeStatus.SUCCEEDED)
    later = app.clock() + app.settings.reconcile_after + dt.timedelta(seconds=1)
    app.clock = lambda: later
    report = app.reconcile()
    assert [(e["from"], e["to"]) for e in report.settled] == [("pending", "succeeded")]
    assert outcome.payment is not None
    assert (
        app.get_payment(outcome.payment.id, nonprofit_id=outcome.payment.nonprofit_id).status
        == "succeeded"
    )


def test_an_unknown_refund_is_settled(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    outcome = pay(amount=5_000)
    assert outcome.payment is not None
    fake_processor.refund_behaviour = "raise"
    refund = app.refund(outcome.payment.id, amount=2_000, nonprofit_id=outcome.payment.nonprofit_id)
    assert refund.status == "unknown"
    report = app.reconcile()
    assert [(e["operation"], e["to"]) for e in report.settled] == [("refund", "failed")]
    assert (
        app.get_payment(
            outcome.payment.id, nonprofit_id=outcome.payment.nonprofit_id
        ).amount_refunded
        == 0
    )
    fake_processor.refund_behaviour = "succeed"
    assert (
        app.refund(
            outcome.payment.id, amount=5_000, nonprofit_id=outcome.payment.nonprofit_id
        ).status
        == "succeeded"
    )


def test_a_charge_that_surfaces_after_the_attempt_failed_is_given_back(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    from houdini_pay import ChargeStatus

    fake_processor.behaviour = "requires_action"
    outcome = pay()
    body = fake_processor.webhook("evt_fail", outcome.attempt_id, ChargeStatus.FAILED)
    app.handle_webhook("fake", {"x-fake-signature": fake_processor.sign(body)}, body)
    assert count(app, PaymentAttempt, state="failed") == 1
    # The processor later reports that the money was taken after all.
    fake_processor.complete(outcome.attempt_id, ChargeStatus.SUCCEEDED)
    fake_processor.refund_behaviour = "raise"
    body = fake_processor.webhook("evt_late", outcome.attempt_id, ChargeStatus.SUCCEEDED)
    app.handle_webhook("fake", {"x-fake-signature": fake_processor.sign(body)}, body)
    with app.session() as session:
        attempt = find_row(session, PaymentAttempt, outcome.attempt_id)
        assert (attempt.state, attempt.reversal_pending) == ("failed", True)
    fake_processor.refund_behaviour = "succeed"
    report = app.reconcile()
    assert [e["error_code"] for e in report.settled + report.unchanged] == ["late_success_reversed"]
    assert count(app, Payment) == 0
    assert fake_processor.ledger[outcome.attempt_id].refunded == 2500


def test_a_reference_recorded_before_the_money_moved_is_what_reconcile_asks_for(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    asked: list[LookupRequest] = []
    recorders: list[Callable[[str], None]] = []

    # A processor charging in two steps records its charge's id, then (a fault) the
    # process dies before it can confirm.
    def two_steps(request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        assert request.record_reference is not None
        request.record_reference("ch_created_unconfirmed")
        request.record_reference("ch_created_unconfirmed")  # a retry records it again
        recorders.append(request.record_reference)
        raise SystemError("the process died before confirming")

    def lookup(request: LookupRequest) -> ChargeResult | None:
        asked.append(request)
        return None

    fake_processor.charge = two_steps  # type: ignore[method-assign]
    fake_processor.lookup_charge = lookup  # type: ignore[method-assign]
    outcome = pay()
    assert outcome.status is OutcomeStatus.UNKNOWN
    report = app.reconcile()
    assert [r.reference for r in asked] == ["ch_created_unconfirmed"]
    assert [(e["to"], e["error_code"]) for e in report.settled] == [("failed", "not_charged")]
    # The attempt is settled: a late second step may not record (nor move money) now.
    with pytest.raises(InvalidTransition) as refused:
        recorders[0]("ch_created_unconfirmed_again")
    assert refused.value.code == "attempt_not_charging"
