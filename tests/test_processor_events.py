"""What processors report beyond a charge's outcome: outside refunds, off-session needs,
configuration errors, and the charge's processor data reaching its refunds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from sqlalchemy.orm import Session

from houdini_pay import (
    ChargeRequest,
    ChargeResult,
    HoudiniPay,
    ProcessorEvent,
    RefundObservation,
    RefundRequest,
    RefundResult,
    RefundStatus,
)
from houdini_pay.errors import ConfigurationError, WebhookVerificationError
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.testing import FakeProcessor
from tests.conftest import PayFunction
from tests.helpers import count, recording_events


class ConnectedFakeProcessor(FakeProcessor):
    """A fake processor that charges a per-nonprofit account and needs a webhook secret."""

    def __init__(self) -> None:
        super().__init__()
        self.refund_requests: list[RefundRequest] = []
        self.secret: str | None = None

    def prepare_charge(self, session: Session, request: ChargeRequest) -> Mapping[str, Any]:
        """The account every charge of the nonprofit goes to."""
        return {"account": f"acct_{request.nonprofit_id}"}

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Off-session charges need the supporter; others succeed."""
        if request.off_session:
            return ChargeResult.failed(
                "The card's bank asks the supporter to confirm this payment.",
                decline_code="authentication_required",
            )
        return super().charge(request, idempotency_key=idempotency_key)

    def refund(self, request: RefundRequest, *, idempotency_key: str) -> RefundResult:
        """Remember the request, then refund from the ledger."""
        self.refund_requests.append(request)
        return super().refund(request, idempotency_key=idempotency_key)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ProcessorEvent]:
        """Refuse to run without a secret, like a real processor plugin."""
        if self.secret is None:
            raise ConfigurationError("FAKE_WEBHOOK_SECRET is not set; set it in the environment")
        return super().parse_webhook(headers, body)


@pytest.fixture
def fake_processor() -> ConnectedFakeProcessor:
    """The fake processor of these tests."""
    return ConnectedFakeProcessor()


def external_refund(
    reference: str | None, refund_id: str, amount: int, status: RefundStatus, **extra: Any
) -> RefundObservation:
    """A processor's news of a refund houdini-pay did not start."""
    return RefundObservation(
        result=RefundResult(status=status, reference=refund_id),
        payment_reference=reference or "",
        amount=amount,
        **extra,
    )


def deliver(app: HoudiniPay, event_id: str, observation: RefundObservation) -> str:
    """Apply one processor event; return its result."""
    event = ProcessorEvent(id=event_id, type="charge.refunded", observations=[observation])
    return app.apply_events("fake", [event]).events[0]["result"]


def test_a_refund_made_in_the_processors_dashboard_is_recorded_once(
    app: HoudiniPay, pay: PayFunction
) -> None:
    payment = pay(channel="cli").payment
    assert payment is not None
    observation = external_refund(
        payment.processor_reference, "re_dashboard", 1000, RefundStatus.SUCCEEDED
    )
    with recording_events() as log:
        assert deliver(app, "evt_1", observation) == "applied"
        assert deliver(app, "evt_2", observation) == "applied"
    assert log.names() == ["refund_completed"]
    refund = log.of("refund_completed")[0]["refund"]
    assert (refund.kind, refund.amount, refund.processor_reference) == (
        "refund",
        -1000,
        "re_dashboard",
    )
    assert refund.channel == "cli"  # no entry point asked: that of the refunded payment
    parent = app.get_payment(payment.id, nonprofit_id=payment.nonprofit_id)
    assert (parent.status, parent.amount_refunded) == ("partially_refunded", 1000)
    # The rest can still be refunded through houdini-pay, and no more than the rest.
    outcome = app.refund(payment.id, nonprofit_id=payment.nonprofit_id)
    assert outcome.refund is not None
    assert outcome.refund.amount == -1500
    assert app.get_payment(payment.id, nonprofit_id=payment.nonprofit_id).status == "refunded"


def test_a_refund_houdini_pay_made_is_not_recorded_again_when_reported(
    app: HoudiniPay, pay: PayFunction
) -> None:
    payment = pay().payment
    assert payment is not None
    outcome = app.refund(payment.id, amount=700, nonprofit_id=payment.nonprofit_id)
    assert outcome.refund is not None
    reference = outcome.refund.processor_reference
    assert reference is not None
    by_attempt = external_refund(
        payment.processor_reference,
        reference,
        700,
        RefundStatus.SUCCEEDED,
        attempt_id=outcome.attempt_id,
    )
    by_reference = external_refund(
        payment.processor_reference, reference, 700, RefundStatus.SUCCEEDED
    )
    deliver(app, "evt_1", by_attempt)
    deliver(app, "evt_2", by_reference)
    assert count(app, Payment, kind="refund") == 1
    assert app.get_payment(payment.id, nonprofit_id=payment.nonprofit_id).amount_refunded == 700


def test_a_pending_or_unknown_outside_refund_records_nothing(
    app: HoudiniPay, pay: PayFunction
) -> None:
    payment = pay().payment
    assert payment is not None
    pending = external_refund(payment.processor_reference, "re_slow", 500, RefundStatus.PENDING)
    stranger = external_refund("ch_not_ours", "re_x", 500, RefundStatus.SUCCEEDED)
    assert deliver(app, "evt_1", pending) == "ignored"
    assert deliver(app, "evt_2", stranger) == "ignored"
    assert count(app, Payment, kind="refund") == 0
    assert count(app, PaymentAttempt, operation="refund") == 0


def test_refunds_are_asked_with_the_processor_data_of_their_charge(
    app: HoudiniPay, pay: PayFunction, fake_processor: ConnectedFakeProcessor
) -> None:
    payment = pay().payment
    assert payment is not None
    app.refund(payment.id, amount=100, nonprofit_id=payment.nonprofit_id)
    assert [r.processor_data for r in fake_processor.refund_requests] == [
        {"account": f"acct_{payment.nonprofit_id}"}
    ]


def test_an_off_session_charge_that_needs_the_supporter_fails_with_its_own_code(
    app: HoudiniPay, pay: PayFunction
) -> None:
    outcome = pay(off_session=True, idempotency_key="monthly-2026-11")
    assert outcome.error is not None
    assert outcome.error.code == "authentication_required"
    replay = pay(off_session=True, idempotency_key="monthly-2026-11")
    assert replay.error is not None
    assert replay.error.code == "authentication_required"


def test_a_processors_configuration_error_reaches_the_webhook_caller(
    app: HoudiniPay, fake_processor: ConnectedFakeProcessor
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        app.handle_webhook("fake", {}, b"{}")
    assert "FAKE_WEBHOOK_SECRET" in raised.value.message
    fake_processor.secret = "set"
    with pytest.raises(WebhookVerificationError):
        app.handle_webhook("fake", {"x-fake-signature": "0" * 64}, b"{}")
