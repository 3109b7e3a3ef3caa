"""``Processor.charges_found_by_key``: the attempt is recorded ``charging`` at once.

Without it the pipeline commits ``charging`` in a transaction of its own before asking the
processor, so that an attempt still ``started`` is known never to have been charged and
reconciliation may fail it unasked. A processor whose lookup finds every charge made under
the attempt's key needs no such commit: whatever interrupted the payment, reconciliation
asks the processor and settles the attempt as it stands there. These tests crash the
pipeline at each step of that shorter path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from houdini_pay import Capability, ChargeRequest, ChargeResult, HoudiniPay, OutcomeStatus
from houdini_pay.errors import PluginError
from houdini_pay.pipeline import _pay as pipeline
from houdini_pay.pipeline import _settlement as settlement
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.testing import FakeProcessor
from tests.conftest import PayFunction
from tests.helpers import count


class ProcessDied(BaseException):
    """Stands in for the process being killed (a fake fault)."""


def _die(*args: object, **kwargs: object) -> None:
    raise ProcessDied


@pytest.fixture
def found_by_key(fake_processor: FakeProcessor, monkeypatch: pytest.MonkeyPatch) -> FakeProcessor:
    """The fake processor (whose lookup finds every charge by key) declaring so."""
    monkeypatch.setattr(fake_processor, "charges_found_by_key", True)
    return fake_processor


def _stale(app: HoudiniPay) -> None:
    later = app.clock() + app.settings.reconcile_after + dt.timedelta(seconds=1)
    app.clock = lambda: later


@contextmanager
def _commits(app: HoudiniPay) -> Iterator[list[object]]:
    commits: list[object] = []

    def on_commit(connection: object) -> None:
        commits.append(connection)

    event.listen(app.engine, "commit", on_commit)
    try:
        yield commits
    finally:
        event.remove(app.engine, "commit", on_commit)


def test_it_saves_the_commit_that_marks_charging(
    app: HoudiniPay,
    pay: PayFunction,
    fake_processor: FakeProcessor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _commits(app) as commits:
        assert pay().status is OutcomeStatus.SUCCEEDED
    with _commits(app) as fewer:
        monkeypatch.setattr(fake_processor, "charges_found_by_key", True)
        assert pay().status is OutcomeStatus.SUCCEEDED
    assert (len(commits), len(fewer)) == (3, 2)


def test_an_attempt_interrupted_before_the_charge_is_failed_after_asking(
    app: HoudiniPay,
    pay: PayFunction,
    found_by_key: FakeProcessor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pipeline, "call_charge", _die)
    with pytest.raises(ProcessDied):
        pay(idempotency_key="died-before-charge")
    monkeypatch.undo()
    assert count(app, PaymentAttempt, state="charging") == 1
    assert app.reconcile().settled == []  # not stale yet: it may still be running
    _stale(app)
    report = app.reconcile()
    assert [(e["from"], e["to"], e["error_code"]) for e in report.settled] == [
        ("charging", "failed", "not_charged")
    ]
    assert found_by_key.charge_count == 0
    assert [c.method for c in found_by_key.calls] == ["lookup_charge"]  # asked, not charged
    assert count(app, Payment) == 0


def test_an_attempt_interrupted_after_the_charge_is_finalized_after_asking(
    app: HoudiniPay,
    pay: PayFunction,
    found_by_key: FakeProcessor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settlement, "settle", _die)
    with pytest.raises(ProcessDied):
        pay(idempotency_key="died-after-charge")
    monkeypatch.undo()
    _stale(app)
    report = app.reconcile()
    assert [(e["from"], e["to"]) for e in report.settled] == [("charging", "succeeded")]
    assert count(app, Payment, status="succeeded") == 1
    assert found_by_key.charge_count == 1
    replay = pay(idempotency_key="died-after-charge")
    assert replay.status is OutcomeStatus.SUCCEEDED
    assert replay.replayed


def test_a_charge_made_after_reconcile_failed_the_attempt_is_given_back(
    app: HoudiniPay,
    pay: PayFunction,
    found_by_key: FakeProcessor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The process stalled past ``reconcile_after`` between recording and charging: the
    lookup found nothing and failed the attempt, then the charge went ahead. Without the
    ``charging`` commit nothing stops that charge, and the late success is refunded."""
    charge = pipeline.call_charge

    def stalled(processor: object, request: ChargeRequest, *, idempotency_key: str) -> object:
        _stale(app)
        assert [e["to"] for e in app.reconcile().settled] == ["failed"]
        return charge(found_by_key, request, idempotency_key=idempotency_key)

    monkeypatch.setattr(pipeline, "call_charge", stalled)
    outcome = pay()
    assert outcome.status is OutcomeStatus.FAILED
    assert outcome.error is not None
    assert outcome.error.code == "late_success_reversed"
    assert found_by_key.charge_count == 1
    assert [c.method for c in found_by_key.calls] == ["lookup_charge", "charge", "refund"]


def test_the_reference_recorder_works_from_the_first_commit(
    app: HoudiniPay,
    pay: PayFunction,
    found_by_key: FakeProcessor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def two_steps(request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        assert request.record_reference is not None
        request.record_reference(f"ch_{idempotency_key}")
        return ChargeResult.succeeded(f"ch_{idempotency_key}", fee=0)

    monkeypatch.setattr(found_by_key, "charge", two_steps)
    assert pay().status is OutcomeStatus.SUCCEEDED


def test_it_needs_the_lookup_capability(fake_processor: FakeProcessor) -> None:
    class Blind(FakeProcessor):
        symbol = "blind"
        capabilities = frozenset({Capability.REFUNDS})
        charges_found_by_key = True

    with pytest.raises(PluginError, match="charges_found_by_key"):
        Blind().check_declarations()
