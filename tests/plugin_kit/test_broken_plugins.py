"""The conformance suite fails each deliberately broken plugin, with a message that says why."""

from __future__ import annotations

import pytest

from houdini_pay.testing import PaymentSandbox, run_conformance
from houdini_pay.testing.conformance import ConformanceFailure
from houdini_pay.testing.conformance.trial import MakeApp
from tests.plugin_kit import broken
from tests.plugin_kit.bank import BankHarness, BankTransferProcessor
from tests.plugin_kit.seats import SeatsHarness, SeatsPaymentType


@pytest.mark.parametrize(
    ("processor_class", "check", "says"),
    [
        (broken.DoubleChargingBank, "idempotency", "moved money 2 times for one charge retried"),
        (broken.TimeoutAsFailedBank, "timeouts", "never answered as failed"),
        (broken.OverRefundingBank, "refunds", "gave back 3000 of charge"),
        (broken.SignatureIgnoringBank, "webhooks", "accepted a webhook whose body was changed"),
        (broken.UndeclaredRefundsBank, "declarations", "implements refund() but does not declare"),
        (broken.InventingLookupBank, "lost_answers", "reported a charge the provider never made"),
        (broken.FirstPageLookupBank, "lookup_among_many", "did not find a charge made after 101"),
        (broken.CentsEverywhereBank, "zero_decimal", "charged 50000 jpy on the provider's side"),
    ],
)
def test_a_broken_processor_fails_the_check_it_breaks(
    houdini_make_app: MakeApp,
    sandbox: PaymentSandbox,
    processor_class: type[BankTransferProcessor],
    check: str,
    says: str,
) -> None:
    with pytest.raises(ConformanceFailure) as raised:
        run_conformance(BankHarness(sandbox, processor_class), houdini_make_app, only=[check])
    assert raised.value.check == check
    assert says in str(raised.value)


@pytest.mark.parametrize(
    ("payment_type", "check", "says"),
    [
        (broken.RestockingEveryRefund(), "refunds_react", "after a partial refund"),
        (broken.UnheldSeats(), "purchase", "reserve_limited_items() held []"),
    ],
)
def test_a_broken_payment_type_fails_the_check_it_breaks(
    houdini_make_app: MakeApp, payment_type: SeatsPaymentType, check: str, says: str
) -> None:
    with pytest.raises(ConformanceFailure) as raised:
        run_conformance(SeatsHarness(payment_type), houdini_make_app, only=[check])
    assert says in str(raised.value)
