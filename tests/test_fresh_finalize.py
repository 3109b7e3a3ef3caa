"""Recording a success without reading the attempt first.

The pipeline knows the columns of the attempt it has just inserted and left ``charging``, so
it records the charge's success without a ``SELECT ... FOR UPDATE`` of the attempt: the
payment's insert locks the attempt's row and checks that it is still ``charging`` with no
payment, in the same statement. These tests prove the statement is saved, and that an attempt
that moved on between the charge and the insert (reconciliation settled it) is still read
and settled as before: never a second payment, never a lost reference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select

from houdini_pay import ChargeRequest, ChargeResult, HoudiniPay, OutcomeStatus
from houdini_pay.db import sql
from houdini_pay.pipeline import _pay as pipeline
from houdini_pay.store._models import OutboxEvent, Payment, PaymentAttempt
from houdini_pay.testing import FakeProcessor
from tests.conftest import PayFunction
from tests.helpers import count, recording_events


@contextmanager
def _executed(app: HoudiniPay) -> Iterator[list[object]]:
    """The statement objects executed on the app's engine inside the block."""
    statements: list[object] = []

    def on_execute(_connection: Any, element: object, *_args: Any) -> None:
        statements.append(element)

    event.listen(app.engine, "before_execute", on_execute)
    try:
        yield statements
    finally:
        event.remove(app.engine, "before_execute", on_execute)


@pytest.mark.parametrize("found_by_key", [False, True], ids=["marked-charging", "by-key"])
def test_a_success_is_recorded_without_reading_the_attempt(
    app: HoudiniPay,
    pay: PayFunction,
    fake_processor: FakeProcessor,
    monkeypatch: pytest.MonkeyPatch,
    found_by_key: bool,
) -> None:
    monkeypatch.setattr(fake_processor, "charges_found_by_key", found_by_key)
    with _executed(app) as statements:
        outcome = pay()
    assert outcome.status is OutcomeStatus.SUCCEEDED
    assert sql.INSERT_PAYMENT_OF_CHARGING_ATTEMPT in statements
    assert sql.ATTEMPT_BY_ID_FOR_UPDATE not in statements
    assert count(app, Payment, attempt_id=outcome.attempt_id) == 1
    assert count(app, PaymentAttempt, id=outcome.attempt_id, state="succeeded") == 1


def test_a_success_reconcile_recorded_meanwhile_is_replayed_not_recorded_twice(
    app: HoudiniPay,
    pay: PayFunction,
    fake_processor: FakeProcessor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The process stalled past ``reconcile_after`` after the charge: reconciliation found the
    charge and recorded the payment first. The pipeline's insert then finds the attempt no
    longer ``charging``, writes nothing, and answers what was recorded."""
    monkeypatch.setattr(fake_processor, "charges_found_by_key", True)
    charge = pipeline.call_charge

    def recorded_meanwhile(
        processor: object, request: ChargeRequest, *, idempotency_key: str
    ) -> ChargeResult:
        result = charge(fake_processor, request, idempotency_key=idempotency_key)
        later = app.clock() + app.settings.reconcile_after + dt.timedelta(seconds=1)
        app.clock = lambda: later
        assert [e["to"] for e in app.reconcile().settled] == ["succeeded"]
        return result

    monkeypatch.setattr(pipeline, "call_charge", recorded_meanwhile)
    with recording_events() as log, _executed(app) as statements:
        outcome = pay()
    assert outcome.status is OutcomeStatus.SUCCEEDED
    assert outcome.replayed
    assert sql.ATTEMPT_BY_ID_FOR_UPDATE in statements  # read as any other attempt
    assert count(app, Payment, attempt_id=outcome.attempt_id) == 1
    assert count(app, OutboxEvent, event="payment_completed") == 1
    assert log.names().count("payment_completed") == 1  # reconcile's, not a second one
    assert [c.method for c in fake_processor.calls] == ["charge", "lookup_charge"]  # no refund


def test_a_reference_recorded_while_charging_outlives_a_result_without_one(
    app: HoudiniPay,
    pay: PayFunction,
    fake_processor: FakeProcessor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The attempt's columns known from memory predate ``record_reference``: the reference it
    recorded is kept, and the attempt announced with the payment carries it."""

    def two_steps(request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        assert request.record_reference is not None
        request.record_reference("ref_recorded_while_charging")
        return ChargeResult.succeeded(None, fee=0)

    monkeypatch.setattr(fake_processor, "charge", two_steps)
    with recording_events() as log:
        outcome = pay()
    assert outcome.status is OutcomeStatus.SUCCEEDED
    with app.session() as session:
        stored = session.scalar(
            select(PaymentAttempt.processor_reference).where(
                PaymentAttempt.id == outcome.attempt_id
            )
        )
    assert stored == "ref_recorded_while_charging"
    [completed] = log.of("payment_completed")
    assert completed["attempt"].processor_reference == "ref_recorded_while_charging"
    assert completed["attempt"].state == "succeeded"
    assert completed["attempt"].payment_id == completed["payment"].id
