"""The offsite processor through the real pipeline, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from houdini_pay import HoudiniPay, OutcomeStatus, PaymentRequest, SupporterRecord
from houdini_pay.errors import InvalidRequest
from houdini_pay.store._models import PaymentAttempt


@pytest.fixture
def app(houdini_app: HoudiniPay) -> HoudiniPay:
    return houdini_app


@pytest.fixture
def supporter(app: HoudiniPay) -> SupporterRecord:
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD")
    return app.create_supporter(nonprofit.id, "Ada Lovelace")


def _pay(
    app: HoudiniPay, supporter: SupporterRecord, processing: dict[str, Any], **overrides: Any
) -> Any:
    fields: dict[str, Any] = {
        "nonprofit_id": supporter.nonprofit_id,
        "supporter_id": supporter.id,
        "amount": 5000,
        "currency": "USD",
        "processor": "offsite",
        "payment_type": "donation",
        "processing_object": processing,
    }
    fields.update(overrides)
    return app.pay(PaymentRequest(**fields))


def test_a_check_is_recorded_at_once_as_an_offsite_payment(
    app: HoudiniPay, supporter: SupporterRecord
) -> None:
    outcome = _pay(app, supporter, {"method": "check", "check_number": "1042"})
    assert outcome.status is OutcomeStatus.SUCCEEDED
    payment = outcome.payment
    assert payment.kind == "offsite"
    assert (payment.gross, payment.fee, payment.net) == (5000, 0, 5000)
    assert payment.processor_reference == "1042"
    assert payment.details == {"method": "check", "check_number": "1042"}


def test_a_transfer_waits_for_approval_then_succeeds(
    app: HoudiniPay, supporter: SupporterRecord
) -> None:
    outcome = _pay(
        app, supporter, {"method": "bank_transfer", "reference": "TX-7", "pending_approval": True}
    )
    assert outcome.status is OutcomeStatus.PENDING_APPROVAL
    approved = app.approve_payment(outcome.payment.id, nonprofit_id=outcome.payment.nonprofit_id)
    assert approved.payment is not None
    assert approved.payment.status == "succeeded"
    assert approved.payment.details["reference"] == "TX-7"


@pytest.mark.parametrize(
    ("processing", "field"),
    [
        ({}, "method"),
        ({"method": "barter"}, "method"),
        ({"method": "cash", "check_number": "12"}, None),
        ({"method": "bank_transfer", "pending_approval": True}, "reference"),
        ({"method": "cash", "pending_approval": "yes"}, None),
        ({"method": "cash", "colour": "blue"}, None),
        ({"method": "cash", "note": ""}, "note"),
    ],
)
def test_bad_processing_objects_are_refused_before_anything_is_written(
    app: HoudiniPay, supporter: SupporterRecord, processing: dict[str, Any], field: str | None
) -> None:
    with pytest.raises(InvalidRequest) as raised:
        _pay(app, supporter, processing)
    assert raised.value.code == "invalid_processing_object"
    if field:
        assert raised.value.details.get("field") == field
    with app.session() as session:
        assert session.query(PaymentAttempt).count() == 0


def test_a_stored_offsite_source_supplies_the_method(
    app: HoudiniPay, supporter: SupporterRecord
) -> None:
    source = app.create_source(
        supporter.id,
        "offsite",
        {"method": "local_wallet", "label": "M-Pesa"},
        nonprofit_id=supporter.nonprofit_id,
    )
    assert (source.processor, source.name, source.processor_reference) == (
        "offsite",
        "M-Pesa",
        "local_wallet",
    )
    outcome = _pay(
        app,
        supporter,
        {"reference": "W-1", "pending_approval": True},
        processor=None,
        source_id=source.id,
    )
    assert outcome.payment.details["method"] == "local_wallet"
    with pytest.raises(InvalidRequest) as raised:
        app.create_source(
            supporter.id,
            "offsite",
            {"method": "bank_transfer", "iban": "DE89370400440532013000"},
            nonprofit_id=supporter.nonprofit_id,
        )
    assert raised.value.code == "invalid_source_object"


def test_refunds_are_recorded_partially_and_in_full(
    app: HoudiniPay, supporter: SupporterRecord
) -> None:
    outcome = _pay(app, supporter, {"method": "cash"})
    first = app.refund(
        outcome.payment.id,
        amount=1000,
        reason="change of heart",
        nonprofit_id=outcome.payment.nonprofit_id,
    )
    assert first.refund is not None
    assert first.refund.processor == "offsite"
    second = app.refund(outcome.payment.id, nonprofit_id=outcome.payment.nonprofit_id)
    assert second.refund is not None
    assert second.refund.amount == -4000
    assert second.payment.status == "refunded"


def test_an_interrupted_recording_is_finished_by_reconcile(
    app: HoudiniPay, supporter: SupporterRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    from houdini_pay.pipeline import _settlement as settlement

    class ProcessDied(BaseException):
        """Stands in for the process being killed after the charge (a fake fault)."""

    def die(*args: object, **kwargs: object) -> None:
        raise ProcessDied

    monkeypatch.setattr(settlement, "settle", die)
    with pytest.raises(ProcessDied):
        _pay(app, supporter, {"method": "check", "check_number": "77"})
    monkeypatch.undo()
    later = app.clock() + app.settings.reconcile_after + dt.timedelta(minutes=1)
    app.clock = lambda: later
    report = app.reconcile()
    assert [(e["from"], e["to"]) for e in report.settled] == [("charging", "succeeded")]
    payments = app.list_payments(supporter.nonprofit_id).payments
    assert [(p.processor_reference, p.status) for p in payments] == [("77", "succeeded")]


def test_an_attempt_interrupted_before_recording_the_payment_is_recorded_by_reconcile(
    app: HoudiniPay, supporter: SupporterRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offsite charges are found by key: the attempt is committed ``charging`` with its
    validation (no commit of its own marks it), and a crash before the charge leaves
    reconcile to record the payment exactly as the charge would have."""
    from houdini_pay.pipeline import _pay as pipeline

    class ProcessDied(BaseException):
        """Stands in for the process being killed before the charge (a fake fault)."""

    def die(*args: object, **kwargs: object) -> None:
        raise ProcessDied

    monkeypatch.setattr(pipeline, "call_charge", die)
    with pytest.raises(ProcessDied):
        _pay(app, supporter, {"method": "cash"})
    monkeypatch.undo()
    later = app.clock() + app.settings.reconcile_after + dt.timedelta(minutes=1)
    app.clock = lambda: later
    report = app.reconcile()
    assert [(e["from"], e["to"]) for e in report.settled] == [("charging", "succeeded")]
    payments = app.list_payments(supporter.nonprofit_id).payments
    assert [(p.details["method"], p.status) for p in payments] == [("cash", "succeeded")]


def test_pending_approvals_are_left_alone_by_reconcile(
    app: HoudiniPay, supporter: SupporterRecord
) -> None:
    outcome = _pay(
        app, supporter, {"method": "bank_transfer", "reference": "TX-8", "pending_approval": True}
    )
    later = app.clock() + dt.timedelta(days=3)
    app.clock = lambda: later
    report = app.reconcile()
    assert report.settled == []
    assert (
        app.get_payment(outcome.payment.id, nonprofit_id=outcome.payment.nonprofit_id).status
        == "pending_approval"
    )
