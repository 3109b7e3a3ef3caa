"""Auto top-up: charged off-session before a payment that would run the balance low."""

from __future__ import annotations

import pytest
from houdini_pay_accounts import account_view
from houdini_pay_accounts.auto_top_up import set_auto_top_up

from houdini_pay import HoudiniPay, OutcomeStatus, SourceRecord, SupporterRecord
from houdini_pay.errors import HoudiniPayError
from houdini_pay.testing import FakeProcessor

from .conftest import PayFunction


@pytest.fixture
def card(app: HoudiniPay, supporter: SupporterRecord) -> SourceRecord:
    """The supporter's saved card, set for auto top-ups of 50.00 below 20.00."""
    card = app.create_source(
        supporter.id, "fake_card", {"token": "tok_4242"}, nonprofit_id=supporter.nonprofit_id
    )
    set_auto_top_up(
        app, supporter.nonprofit_id, supporter.id, threshold=2000, amount=5000, source_id=card.id
    )
    return card


def _show(app: HoudiniPay, supporter: SupporterRecord) -> dict[str, object]:
    with app.session() as session:
        return account_view(session, supporter.nonprofit_id, supporter.id)


def test_a_payment_that_is_short_is_topped_up_first_then_proceeds(
    app: HoudiniPay,
    supporter: SupporterRecord,
    card: SourceRecord,
    top_up: PayFunction,
    pay_from_balance: PayFunction,
    fake_processor: FakeProcessor,
) -> None:
    top_up(supporter, 1000)
    outcome = pay_from_balance(supporter, 3000, idempotency_key="short")
    assert outcome.status is OutcomeStatus.SUCCEEDED
    shown = _show(app, supporter)
    assert (shown["balance"], shown["held"]) == (1000 + 5000 - 3000, 0)
    assert pay_from_balance(supporter, 3000, idempotency_key="short").replayed
    assert fake_processor.charge_count == 2  # the first top-up and one auto top-up
    assert _show(app, supporter)["auto_top_up"] == {
        "threshold": 2000, "amount": 5000, "source_id": card.id, "status": "active",
    }  # fmt: skip


def test_a_declined_auto_top_up_fails_the_payment_and_needs_attention(
    app: HoudiniPay,
    supporter: SupporterRecord,
    card: SourceRecord,
    top_up: PayFunction,
    pay_from_balance: PayFunction,
    fake_processor: FakeProcessor,
) -> None:
    top_up(supporter, 1000)
    fake_processor.behaviour = "decline"
    outcome = pay_from_balance(supporter, 3000)
    assert outcome.status is OutcomeStatus.FAILED
    shown = _show(app, supporter)
    assert (shown["balance"], shown["available"], shown["held"]) == (1000, 1000, 0)
    auto = shown["auto_top_up"]
    assert isinstance(auto, dict)
    assert auto["status"] == "needs_attention"
    for _ in range(2):
        assert pay_from_balance(supporter, 3000).status is OutcomeStatus.FAILED
    charges = len(fake_processor.calls)
    with pytest.raises(HoudiniPayError, match="insufficient_funds"):
        pay_from_balance(supporter, 3000)  # three failures: not tried again
    assert len(fake_processor.calls) == charges
