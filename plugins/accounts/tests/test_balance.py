"""Top-ups credit the balance at finalize; payments from it hold, then post or release."""

from __future__ import annotations

import pytest
from houdini_pay_accounts import BalanceProcessor, account_view, transfers
from houdini_pay_accounts.models import Transfer
from sqlalchemy import func, select

from houdini_pay import HoudiniPay, NonprofitRecord, OutcomeStatus, PaymentRequest, SupporterRecord
from houdini_pay.errors import HoudiniPayError
from houdini_pay.testing import FakeProcessor

from .conftest import PayFunction


def _show(app: HoudiniPay, supporter: SupporterRecord) -> dict[str, object]:
    with app.session() as session:
        return account_view(session, supporter.nonprofit_id, supporter.id)


def test_a_supporter_without_an_account_has_a_balance_of_zero(
    app: HoudiniPay, supporter: SupporterRecord
) -> None:
    shown = _show(app, supporter)
    assert (shown["balance"], shown["available"], shown["pending"]) == (0, 0, 0)
    assert shown["currency"] == "USD"
    assert shown["auto_top_up"] is None


def test_a_top_up_credits_the_balance_and_a_payment_spends_it(
    app: HoudiniPay, supporter: SupporterRecord, top_up: PayFunction, pay_from_balance: PayFunction
) -> None:
    assert top_up(supporter, 5000).status is OutcomeStatus.SUCCEEDED
    assert _show(app, supporter)["balance"] == 5000
    outcome = pay_from_balance(supporter, 1200)
    assert outcome.status is OutcomeStatus.SUCCEEDED
    assert outcome.payment is not None
    assert outcome.payment.processor == "balance"
    shown = _show(app, supporter)
    assert (shown["balance"], shown["available"], shown["held"]) == (3800, 3800, 0)


def test_too_little_available_is_insufficient_funds_and_writes_nothing(
    app: HoudiniPay, supporter: SupporterRecord, top_up: PayFunction, pay_from_balance: PayFunction
) -> None:
    top_up(supporter, 1000)
    with pytest.raises(HoudiniPayError) as raised:
        pay_from_balance(supporter, 1500, idempotency_key="too-much")
    assert raised.value.code == "insufficient_funds"
    assert raised.value.details["available"] == 1000
    assert len(app.list_payments(supporter.nonprofit_id).payments) == 1  # the top-up only
    with app.session() as session:
        assert session.scalar(select(func.count()).select_from(Transfer)) == 1
    assert _show(app, supporter)["available"] == 1000


def test_a_top_up_awaiting_approval_is_pending_and_cannot_be_spent(
    app: HoudiniPay, supporter: SupporterRecord, pay_from_balance: PayFunction
) -> None:
    waiting = transfers.top_up(
        app,
        supporter.nonprofit_id,
        supporter.id,
        2500,
        processor="offsite",
        processing_object={
            "method": "bank_transfer",
            "reference": "TX-1",
            "pending_approval": True,
        },
    )
    assert waiting.status is OutcomeStatus.PENDING_APPROVAL
    shown = _show(app, supporter)
    assert (shown["balance"], shown["available"], shown["pending"]) == (0, 0, 2500)
    with pytest.raises(HoudiniPayError, match="insufficient_funds"):
        pay_from_balance(supporter, 100)
    assert waiting.payment is not None
    app.approve_payment(waiting.payment.id, nonprofit_id=supporter.nonprofit_id)
    shown = _show(app, supporter)
    assert (shown["balance"], shown["available"], shown["pending"]) == (2500, 2500, 0)


def test_a_refund_credits_the_balance_back(
    app: HoudiniPay, supporter: SupporterRecord, top_up: PayFunction, pay_from_balance: PayFunction
) -> None:
    top_up(supporter, 3000)
    paid = pay_from_balance(supporter, 2000).payment
    assert paid is not None
    app.refund(paid.id, amount=500, nonprofit_id=paid.nonprofit_id)
    assert _show(app, supporter)["balance"] == 1500


def test_a_top_up_cannot_be_paid_from_the_balance(
    app: HoudiniPay, nonprofit: NonprofitRecord, supporter: SupporterRecord, top_up: PayFunction
) -> None:
    top_up(supporter, 3000)
    with pytest.raises(HoudiniPayError, match="invalid_processor"):
        app.pay(
            PaymentRequest(
                nonprofit_id=nonprofit.id,
                supporter_id=supporter.id,
                amount=1000,
                currency="USD",
                processor="balance",
                payment_type="account_top_up",
            )
        )
    assert _show(app, supporter)["available"] == 3000


def test_a_payment_that_cannot_be_recorded_releases_the_hold(
    app: HoudiniPay,
    supporter: SupporterRecord,
    top_up: PayFunction,
    pay_from_balance: PayFunction,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    top_up(supporter, 3000)

    def broken(*args: object) -> None:
        raise RuntimeError("the donation could not be written")

    monkeypatch.setattr(type(app.registry.payment_type("donation")), "process", broken)
    outcome = pay_from_balance(supporter, 1000)
    assert outcome.status is OutcomeStatus.FAILED
    shown = _show(app, supporter)
    assert (shown["balance"], shown["available"], shown["held"]) == (3000, 3000, 0)


def test_reconcile_posts_a_hold_whose_payment_was_never_finalized(
    app: HoudiniPay,
    supporter: SupporterRecord,
    top_up: PayFunction,
    pay_from_balance: PayFunction,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    top_up(supporter, 3000)

    def crashed(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the process died")

    monkeypatch.setattr(BalanceProcessor, "charge", crashed)
    outcome = pay_from_balance(supporter, 1000)
    assert outcome.status is OutcomeStatus.UNKNOWN
    assert _show(app, supporter)["held"] == 1000
    monkeypatch.undo()
    report = app.reconcile()
    assert [s["to"] for s in report.settled] == ["succeeded"]
    shown = _show(app, supporter)
    assert (shown["balance"], shown["available"], shown["held"]) == (2000, 2000, 0)


def test_a_refund_of_a_top_up_gives_back_only_what_was_not_spent(
    app: HoudiniPay,
    supporter: SupporterRecord,
    top_up: PayFunction,
    pay_from_balance: PayFunction,
    fake_processor: FakeProcessor,
) -> None:
    topped = top_up(supporter, 5000).payment
    assert topped is not None
    pay_from_balance(supporter, 4000)
    with pytest.raises(HoudiniPayError) as refused:
        app.refund(topped.id, amount=5000, nonprofit_id=topped.nonprofit_id)  # 40.00 is spent
    assert refused.value.code == "refund_exceeds_payment"
    assert refused.value.details["remaining"] == 1000
    assert [c for c in fake_processor.calls if c.method == "refund"] == []  # card untouched
    given = app.refund(topped.id, nonprofit_id=topped.nonprofit_id)  # all that may go back
    assert given.refund is not None
    assert given.refund.amount == -1000
    assert _show(app, supporter)["balance"] == 0
    with pytest.raises(HoudiniPayError) as spent:
        app.refund(topped.id, amount=1, nonprofit_id=topped.nonprofit_id)
    assert spent.value.code == "payment_not_refundable"
