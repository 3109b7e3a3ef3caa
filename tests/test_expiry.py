"""Payments abandoned at 3-D Secure expire: cancelled at the processor, holds released,
``payment_failed`` with the code ``expired``; one completed meanwhile is recorded."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from click.testing import CliRunner

from houdini_pay import (
    Capability,
    ChargeObservation,
    ChargeResult,
    ChargeStatus,
    HoudiniPay,
    LookupRequest,
    NonprofitRecord,
    OutcomeStatus,
    PaymentOutcome,
    ProcessorEvent,
    Settings,
    inventory,
)
from houdini_pay.cli.payments import reconcile
from houdini_pay.cli_support import CliState
from houdini_pay.store._models import Payment, PaymentAttempt, Reservation
from houdini_pay.testing import FakeProcessor, LimitedItemPaymentType, find_row
from tests.conftest import PayFunction
from tests.helpers import count, recording_events


@pytest.fixture
def abandoned(
    app: HoudiniPay, pay: PayFunction, nonprofit: NonprofitRecord, fake_processor: FakeProcessor
) -> PaymentOutcome:
    """Two gala seats held by a payment whose supporter never passed 3-D Secure."""
    with app.unit_of_work() as uow:
        inventory.define_item(uow.session, nonprofit.id, "gala-seat", 2)
    fake_processor.behaviour = "requires_action"
    outcome = pay(payment_type="limited", type_object={"item": "gala-seat", "quantity": 2})
    assert outcome.status is OutcomeStatus.REQUIRES_ACTION
    return outcome


def move_clock(app: HoudiniPay, by: dt.timedelta) -> None:
    """Time passes for the application."""
    later = app.clock() + by
    app.clock = lambda: later


def past_expiry(app: HoudiniPay) -> None:
    """The requires_action expiry (and reconcile's own threshold) has passed."""
    move_clock(app, app.settings.requires_action_expiry + dt.timedelta(minutes=1))


def state_of(app: HoudiniPay, outcome: PaymentOutcome) -> tuple[str, str | None]:
    """The attempt's state and error code."""
    with app.session() as session:
        attempt = find_row(session, PaymentAttempt, outcome.attempt_id)
        return attempt.state, attempt.error_code


def test_an_abandoned_payment_is_cancelled_its_holds_released_and_failed_as_expired(
    app: HoudiniPay,
    abandoned: PaymentOutcome,
    fake_processor: FakeProcessor,
    nonprofit: NonprofitRecord,
    limited: LimitedItemPaymentType,
) -> None:
    move_clock(app, app.settings.requires_action_expiry - dt.timedelta(minutes=1))
    app.reconcile()
    assert state_of(app, abandoned) == ("requires_action", None)
    assert [c.method for c in fake_processor.calls].count("cancel_charge") == 0
    move_clock(app, dt.timedelta(minutes=2))
    with recording_events() as log:
        report = app.reconcile()
    assert [(e["from"], e["to"], e["error_code"]) for e in report.settled] == [
        ("requires_action", "failed", "expired")
    ]
    assert fake_processor.ledger[abandoned.attempt_id].status is ChargeStatus.FAILED
    assert log.names() == ["payment_failed"]
    assert log.of("payment_failed")[0]["error"].code == "expired"
    assert [h.quantity for h in limited.released] == [2]
    with app.session() as session:
        counts = inventory.item_counts(session, nonprofit.id, "gala-seat")
    assert (counts.held, counts.remaining) == (0, 2)
    assert count(app, Reservation, state="released") == 1
    assert app.reconcile().settled == []  # expired once


def test_a_payment_completed_before_the_cancel_is_recorded_not_lost(
    app: HoudiniPay, abandoned: PaymentOutcome, fake_processor: FakeProcessor
) -> None:
    # The supporter passed 3-D Secure at the last moment; the success webhook is lost.
    fake_processor.complete(abandoned.attempt_id, ChargeStatus.SUCCEEDED)
    past_expiry(app)
    with recording_events() as log:
        report = app.reconcile()
    assert [(e["to"], e["error_code"]) for e in report.settled] == [("succeeded", None)]
    assert log.names() == ["payment_completed"]
    assert count(app, Payment, status="succeeded", amount=2500) == 1


def test_a_cancel_the_processor_does_not_answer_is_tried_again_then_handed_to_a_person(
    app: HoudiniPay, abandoned: PaymentOutcome, fake_processor: FakeProcessor
) -> None:
    def unreachable(request: LookupRequest) -> ChargeResult:
        raise TimeoutError("the processor did not answer")

    fake_processor.cancel_charge = unreachable  # type: ignore[method-assign]
    past_expiry(app)
    for _ in range(app.settings.reconcile_max_tries - 1):
        report = app.reconcile()
        assert [e["attempt_id"] for e in report.unchanged] == [abandoned.attempt_id]
        assert "could not be cancelled" in report.unchanged[0]["reason"]
    report = app.reconcile()
    assert [e["attempt_id"] for e in report.unresolved] == [abandoned.attempt_id]
    assert state_of(app, abandoned)[0] == "requires_action"
    assert count(app, Reservation, state="held") == 1


def test_a_cancellation_webhook_arriving_first_still_fails_it_as_expired(
    app: HoudiniPay, abandoned: PaymentOutcome, fake_processor: FakeProcessor
) -> None:
    original = fake_processor.cancel_charge

    # The processor's webhook announcing the cancellation overtakes its answer to it.
    def announced(request: LookupRequest) -> ChargeResult:
        answer = original(request)
        observation = ChargeObservation(result=answer, attempt_id=request.attempt_id)
        event = ProcessorEvent(
            id="evt_canceled", type="charge.canceled", observations=[observation]
        )
        assert app.apply_events("fake", [event]).events[0]["result"] == "applied"
        return answer

    fake_processor.cancel_charge = announced  # type: ignore[method-assign]
    past_expiry(app)
    with recording_events() as log:
        app.reconcile()
    assert state_of(app, abandoned) == ("failed", "expired")
    assert [kwargs["error"].code for kwargs in log.of("payment_failed")] == ["expired"]


def test_without_a_cancel_the_attempt_expires_and_a_late_success_is_given_back(
    app: HoudiniPay, abandoned: PaymentOutcome, fake_processor: FakeProcessor
) -> None:
    fake_processor.capabilities = fake_processor.capabilities - {  # type: ignore[misc]
        Capability.CANCEL
    }
    past_expiry(app)
    report = app.reconcile()
    assert [(e["to"], e["error_code"]) for e in report.settled] == [("failed", "expired")]
    assert "cancel_charge" not in [c.method for c in fake_processor.calls]
    # The supporter completes it after all: the money goes back, nothing is kept unrecorded.
    fake_processor.complete(abandoned.attempt_id, ChargeStatus.SUCCEEDED)
    reference = f"ch_{abandoned.attempt_id}"
    late = ChargeObservation(
        result=ChargeResult.succeeded(reference), attempt_id=abandoned.attempt_id
    )
    app.apply_events(
        "fake", [ProcessorEvent(id="evt_late", type="charge.succeeded", observations=[late])]
    )
    assert state_of(app, abandoned) == ("failed", "late_success_reversed")
    assert fake_processor.ledger[abandoned.attempt_id].refunded == 2500
    assert count(app, Payment) == 0


def test_payments_waiting_for_staff_or_the_bank_do_not_expire(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "pending_approval"
    approval = pay()
    fake_processor.behaviour = "pending"
    debit = pay()
    past_expiry(app)
    app.reconcile()
    assert state_of(app, approval)[0] == "pending"
    assert state_of(app, debit)[0] == "pending"
    assert "cancel_charge" not in [c.method for c in fake_processor.calls]


def test_the_expiry_is_read_from_the_environment() -> None:
    settings = Settings.from_env({"HOUDINI_PAY_REQUIRES_ACTION_EXPIRY_MINUTES": "30"})
    assert settings.requires_action_expiry == dt.timedelta(minutes=30)
    assert Settings.from_env({}).requires_action_expiry == dt.timedelta(minutes=60)


def test_the_reconcile_command_lists_what_it_expired_and_what_needs_a_person(
    app: HoudiniPay, abandoned: PaymentOutcome, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "unknown"
    lost = pay()
    fake_processor.lookup_charge = (  # type: ignore[method-assign]
        lambda request: ChargeResult.unknown("the processor's search is not conclusive")
    )
    app.settings = replace(app.settings, reconcile_max_tries=1)
    past_expiry(app)
    result = CliRunner().invoke(reconcile, [], obj=CliState(None, lambda url: app))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"settled     {abandoned.attempt_id}  requires_action -> failed (expired)" in lines
    assert (
        f"NEEDS A PERSON  {lost.attempt_id}  fake charge unknown after 1 tries: "
        "the processor's search is not conclusive"
    ) in lines
    assert lines[-1] == "1 settled, 0 waiting, 1 need a person"
