"""The pipeline's guarantees, on SQLite and PostgreSQL, with fake plugins."""

from __future__ import annotations

import pytest

from houdini_pay import (
    HoudiniPay,
    NonprofitRecord,
    OutcomeStatus,
    PaymentRequest,
    SupporterRecord,
    inventory,
)
from houdini_pay.errors import (
    CurrencyMismatch,
    HoudiniPayError,
    IdempotencyConflict,
    IdempotencyInFlight,
    InvalidAmount,
    InvalidRequest,
    NotEnabled,
    NotFound,
    SoldOut,
    UnknownPlugin,
)
from houdini_pay.store._models import LimitedItem, Payment, PaymentAttempt, Reservation
from houdini_pay.testing import FakeGiftPaymentType, FakeProcessor, LimitedItemPaymentType, find_row
from tests.conftest import PayFunction
from tests.helpers import count, recording_events


def test_a_successful_payment_is_recorded_and_announced_once(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor, gift: FakeGiftPaymentType
) -> None:
    with recording_events() as log:
        outcome = pay(idempotency_key="order-1")
    assert outcome.status is OutcomeStatus.SUCCEEDED
    assert outcome.payment is not None
    assert outcome.payment.amount == 2500
    assert outcome.payment.kind == "charge"
    assert outcome.payment.status == "succeeded"
    assert outcome.payment.description == "Gift"
    assert gift.processed == [outcome.payment.id]
    assert fake_processor.charge_count == 1
    assert log.names() == ["begin_payment", "payment_completed"]
    assert log.of("payment_completed")[0]["payment"].id == outcome.payment.id
    assert (
        app.get_payment(outcome.payment.id, nonprofit_id=outcome.payment.nonprofit_id)
        == outcome.payment
    )


def test_fees_are_recorded_as_gross_fee_and_net(
    pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    fake_processor.fee_rate = 0.03
    outcome = pay(amount=10_000)
    assert outcome.payment is not None
    assert (outcome.payment.gross, outcome.payment.fee, outcome.payment.net) == (10_000, 300, 9_700)


def test_same_key_same_request_replays_without_charging_again(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    first = pay(idempotency_key="k-1")
    with recording_events() as log:
        second = pay(idempotency_key="k-1")
    assert second.replayed is True
    assert second.payment == first.payment
    assert count(app, Payment) == 1
    assert [c.method for c in fake_processor.calls] == ["charge"]
    assert log.events == []


def test_same_key_different_request_is_a_conflict_and_writes_nothing(
    app: HoudiniPay, pay: PayFunction
) -> None:
    pay(idempotency_key="k-2")
    with pytest.raises(IdempotencyConflict) as raised:
        pay(idempotency_key="k-2", amount=9999)
    assert raised.value.code == "idempotency_conflict"
    assert count(app, PaymentAttempt) == 1
    assert count(app, Payment) == 1


def test_a_key_whose_run_is_in_flight_is_a_conflict(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    seen: list[Exception] = []
    original = fake_processor.charge

    def charge_while_retried(request, *, idempotency_key):  # type: ignore[no-untyped-def]
        try:
            pay(idempotency_key="k-3")
        except IdempotencyInFlight as exc:
            seen.append(exc)
        return original(request, idempotency_key=idempotency_key)

    fake_processor.charge = charge_while_retried  # type: ignore[method-assign]
    outcome = pay(idempotency_key="k-3")
    assert outcome.status is OutcomeStatus.SUCCEEDED
    assert [e.code for e in seen] == ["idempotency_in_flight"]
    assert count(app, Payment) == 1


@pytest.mark.parametrize(
    ("overrides", "error", "code"),
    [
        ({"amount": 25.0}, InvalidAmount, "invalid_amount"),
        ({"amount": "2500"}, InvalidAmount, "invalid_amount"),
        ({"amount": 0}, InvalidAmount, "invalid_amount"),
        ({"amount": -5}, InvalidAmount, "invalid_amount"),
        ({"amount": True}, InvalidAmount, "invalid_amount"),
        ({"currency": "EUR"}, CurrencyMismatch, "currency_mismatch"),
        ({"currency": "ZZZ"}, InvalidRequest, "invalid_currency"),
        ({"processor": "paypal"}, UnknownPlugin, "unknown_processor"),
        ({"payment_type": "raffle"}, UnknownPlugin, "unknown_payment_type"),
        ({"supporter_id": "sup_missing"}, NotFound, "supporter_not_found"),
        ({"source_id": "src_missing"}, NotFound, "source_not_found"),
        ({"type_object": ["not", "an", "object"]}, InvalidRequest, "invalid_request"),
        ({"processor": None}, InvalidRequest, "processor_required"),
    ],
)
def test_invalid_requests_are_refused_and_write_nothing(
    app: HoudiniPay,
    pay: PayFunction,
    fake_processor: FakeProcessor,
    overrides: dict[str, object],
    error: type[Exception],
    code: str,
) -> None:
    with recording_events() as log, pytest.raises(error) as raised:
        pay(**overrides)
    assert raised.value.code == code  # type: ignore[attr-defined]
    assert count(app, PaymentAttempt) == 0
    assert fake_processor.calls == []
    assert log.events == []


def test_records_of_another_nonprofit_are_not_found(
    app: HoudiniPay, pay: PayFunction, nonprofit: NonprofitRecord
) -> None:
    other = app.create_nonprofit("Other Org", "USD")
    stranger = app.create_supporter(other.id, "Stranger")
    their_card = app.create_source(
        stranger.id, "fake_card", {"token": "tok_9999"}, nonprofit_id=stranger.nonprofit_id
    )
    with pytest.raises(NotFound) as raised:
        pay(supporter_id=stranger.id)
    assert raised.value.code == "supporter_not_found"
    with pytest.raises(NotFound) as raised:
        pay(source_id=their_card.id)
    assert raised.value.code == "source_not_found"
    assert count(app, PaymentAttempt) == 0


def test_a_source_of_another_supporter_is_refused(
    app: HoudiniPay, pay: PayFunction, nonprofit: NonprofitRecord
) -> None:
    neighbour = app.create_supporter(nonprofit.id, "Neighbour")
    card = app.create_source(
        neighbour.id, "fake_card", {"token": "tok_1111"}, nonprofit_id=neighbour.nonprofit_id
    )
    with pytest.raises(InvalidRequest) as raised:
        pay(source_id=card.id)
    assert raised.value.code == "source_supporter_mismatch"


def test_the_processor_comes_from_the_source_when_omitted(
    app: HoudiniPay, pay: PayFunction, supporter: SupporterRecord, fake_processor: FakeProcessor
) -> None:
    card = app.create_source(
        supporter.id, "fake_card", {"token": "tok_4242"}, nonprofit_id=supporter.nonprofit_id
    )
    assert card.processor == "fake"
    assert card.name == "Fake card 4242"
    outcome = pay(processor=None, source_id=card.id)
    assert outcome.payment is not None
    assert outcome.payment.source_id == card.id


def test_a_disabled_processor_or_payment_type_is_refused(
    app: HoudiniPay, pay: PayFunction, nonprofit: NonprofitRecord
) -> None:
    app.set_enabled(nonprofit.id, "payment_type", "gift", False)
    with pytest.raises(NotEnabled) as raised:
        pay()
    assert raised.value.code == "payment_type_disabled"
    app.set_enabled(nonprofit.id, "payment_type", "gift", True)
    app.set_enabled(nonprofit.id, "processor", "fake", False)
    with pytest.raises(NotEnabled) as raised:
        pay()
    assert raised.value.code == "processor_disabled"
    assert app.enabled_symbols(nonprofit.id) == {
        "processors": [],
        "payment_types": ["gift", "limited"],
    }
    assert count(app, PaymentAttempt) == 0


def test_a_decline_fails_records_the_attempt_and_fires_payment_failed_once(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "decline"
    with recording_events() as log:
        outcome = pay(idempotency_key="declined")
    assert outcome.status is OutcomeStatus.FAILED
    assert outcome.payment is None
    assert outcome.error is not None
    assert outcome.error.code == "processor_declined"
    assert log.names() == ["begin_payment", "payment_failed"]
    assert count(app, Payment) == 0
    assert count(app, PaymentAttempt, state="failed") == 1
    replay = pay(idempotency_key="declined")
    assert replay.status is OutcomeStatus.FAILED
    assert replay.replayed


@pytest.mark.parametrize("behaviour", ["unknown", "timeout", "raise"])
def test_an_unanswered_charge_is_unknown_never_failed(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor, behaviour: str
) -> None:
    fake_processor.behaviour = behaviour  # type: ignore[assignment]
    with recording_events() as log:
        outcome = pay()
    assert outcome.status is OutcomeStatus.UNKNOWN
    assert outcome.error is not None
    assert outcome.error.code == "processor_outcome_unknown"
    assert "payment_failed" not in log.names()
    assert count(app, PaymentAttempt, state="unknown") == 1
    assert count(app, Payment) == 0


def test_finalize_failing_after_the_charge_refunds_it_and_keeps_no_payment(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor, gift: FakeGiftPaymentType
) -> None:
    gift.fail_in_process = True
    with recording_events() as log:
        outcome = pay(idempotency_key="boom")
    assert outcome.status is OutcomeStatus.FAILED
    assert outcome.error is not None
    assert outcome.error.code == "finalize_failed"
    assert [c.method for c in fake_processor.calls] == ["charge", "refund"]
    refund_call = fake_processor.calls[1]
    assert refund_call.amount == 2500
    assert refund_call.idempotency_key is not None
    assert refund_call.idempotency_key.endswith("-reversal")
    assert count(app, Payment) == 0
    assert count(app, PaymentAttempt, state="reversed") == 1
    assert "payment_completed" not in log.names()
    assert log.names() == ["begin_payment", "payment_failed"]


def test_a_failed_reversal_leaves_the_attempt_for_reconcile(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor, gift: FakeGiftPaymentType
) -> None:
    gift.fail_in_process = True
    fake_processor.refund_behaviour = "raise"
    outcome = pay()
    assert outcome.status is OutcomeStatus.UNKNOWN
    assert outcome.error is not None
    assert outcome.error.code == "reversal_pending"
    fake_processor.refund_behaviour = "succeed"
    report = app.reconcile()
    assert [entry["to"] for entry in report.settled] == ["reversed"]
    assert count(app, Payment) == 0
    assert sum(entry.refunded for entry in fake_processor.ledger.values()) == 2500


def _define_seats(app: HoudiniPay, nonprofit_id: str, capacity: int) -> None:
    with app.unit_of_work() as uow:
        inventory.define_item(uow.session, nonprofit_id, "gala-seat", capacity)


def test_sold_out_charges_nothing_and_writes_nothing(
    app: HoudiniPay, pay: PayFunction, nonprofit: NonprofitRecord, fake_processor: FakeProcessor
) -> None:
    _define_seats(app, nonprofit.id, 2)
    pay(payment_type="limited", type_object={"item": "gala-seat", "quantity": 2})
    with pytest.raises(SoldOut) as raised:
        pay(payment_type="limited", type_object={"item": "gala-seat", "quantity": 1})
    assert raised.value.code == "sold_out"
    assert fake_processor.charge_count == 1
    assert count(app, PaymentAttempt) == 1


def test_a_failed_payment_releases_its_holds(
    app: HoudiniPay,
    pay: PayFunction,
    nonprofit: NonprofitRecord,
    fake_processor: FakeProcessor,
    limited: LimitedItemPaymentType,
) -> None:
    _define_seats(app, nonprofit.id, 3)
    fake_processor.behaviour = "decline"
    pay(payment_type="limited", type_object={"item": "gala-seat", "quantity": 3})
    with app.session() as session:
        counts = inventory.item_counts(session, nonprofit.id, "gala-seat")
    assert (counts.issued, counts.held, counts.remaining) == (0, 0, 3)
    assert [h.quantity for h in limited.released] == [3]
    assert count(app, Reservation, state="released") == 1


def test_a_successful_payment_issues_its_holds(
    app: HoudiniPay, pay: PayFunction, nonprofit: NonprofitRecord
) -> None:
    _define_seats(app, nonprofit.id, 3)
    pay(payment_type="limited", type_object={"item": "gala-seat", "quantity": 2})
    with app.session() as session:
        counts = inventory.item_counts(session, nonprofit.id, "gala-seat")
        row = session.get_one(LimitedItem, (nonprofit.id, "gala-seat"))
    assert (counts.issued, counts.held, counts.remaining) == (2, 0, 1)
    assert row.issued + row.held <= (row.capacity or 0)


def test_pending_approval_then_approve_completes_once(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "pending_approval"
    with recording_events() as log:
        outcome = pay()
        assert outcome.status is OutcomeStatus.PENDING_APPROVAL
        assert outcome.payment is not None
        assert outcome.payment.status == "pending_approval"
        approved = app.approve_payment(
            outcome.payment.id, nonprofit_id=outcome.payment.nonprofit_id
        )
    assert approved.status is OutcomeStatus.SUCCEEDED
    assert approved.payment is not None
    assert approved.payment.id == outcome.payment.id
    assert approved.payment.status == "succeeded"
    assert log.names() == ["begin_payment", "payment_pending", "payment_completed"]
    with pytest.raises(HoudiniPayError) as raised:
        app.approve_payment(outcome.payment.id, nonprofit_id=outcome.payment.nonprofit_id)
    assert raised.value.code == "payment_not_pending_approval"


def test_pending_approval_then_reject_cancels_and_releases(
    app: HoudiniPay, pay: PayFunction, nonprofit: NonprofitRecord, fake_processor: FakeProcessor
) -> None:
    _define_seats(app, nonprofit.id, 1)
    fake_processor.behaviour = "pending_approval"
    outcome = pay(payment_type="limited", type_object={"item": "gala-seat"})
    assert outcome.payment is not None
    rejected = app.reject_payment(
        outcome.payment.id, reason="no transfer arrived", nonprofit_id=outcome.payment.nonprofit_id
    )
    assert rejected.status is OutcomeStatus.FAILED
    assert rejected.payment is not None
    assert rejected.payment.status == "cancelled"
    assert rejected.error is not None
    assert rejected.error.code == "payment_rejected"
    with app.session() as session:
        assert inventory.item_counts(session, nonprofit.id, "gala-seat").remaining == 1


def test_requires_action_returns_the_next_action_and_finalizes_on_webhook(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    from houdini_pay import ChargeStatus

    fake_processor.behaviour = "requires_action"
    outcome = pay()
    assert outcome.status is OutcomeStatus.REQUIRES_ACTION
    assert outcome.next_action is not None
    assert "client_secret" in outcome.next_action
    assert count(app, Payment) == 0
    fake_processor.complete(outcome.attempt_id)
    body = fake_processor.webhook("evt_1", outcome.attempt_id, ChargeStatus.SUCCEEDED)
    with recording_events() as log:
        report = app.handle_webhook("fake", {"X-Fake-Signature": fake_processor.sign(body)}, body)
        again = app.handle_webhook("fake", {"X-Fake-Signature": fake_processor.sign(body)}, body)
    assert [e["result"] for e in report.events] == ["applied"]
    assert [e["result"] for e in again.events] == ["duplicate"]
    assert log.names() == ["payment_completed"]
    assert count(app, Payment, status="succeeded") == 1


def test_a_late_failure_event_never_undoes_a_success(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    from houdini_pay import ChargeStatus

    outcome = pay()
    body = fake_processor.webhook("evt_late", outcome.attempt_id, ChargeStatus.FAILED)
    app.handle_webhook("fake", {"x-fake-signature": fake_processor.sign(body)}, body)
    assert outcome.payment is not None
    assert (
        app.get_payment(outcome.payment.id, nonprofit_id=outcome.payment.nonprofit_id).status
        == "succeeded"
    )


def test_a_webhook_with_a_bad_signature_is_rejected(
    app: HoudiniPay, pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    from houdini_pay import ChargeStatus
    from houdini_pay.errors import WebhookVerificationError

    fake_processor.behaviour = "requires_action"
    outcome = pay()
    body = fake_processor.webhook("evt_2", outcome.attempt_id, ChargeStatus.SUCCEEDED)
    with pytest.raises(WebhookVerificationError):
        app.handle_webhook("fake", {"x-fake-signature": "0" * 64}, body)
    assert count(app, Payment) == 0


def test_the_request_is_kept_on_the_attempt(
    app: HoudiniPay, pay: PayFunction, supporter: SupporterRecord
) -> None:
    outcome = pay(type_object={"note": "in memory of Grace"}, idempotency_key="kept")
    with app.session() as session:
        attempt = find_row(session, PaymentAttempt, outcome.attempt_id)
        stored = PaymentRequest.from_dict(attempt.request)
    assert stored.type_object == {"note": "in memory of Grace"}
    assert stored.supporter_id == supporter.id
