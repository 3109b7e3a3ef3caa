"""Processor checks about amounts: refunds that add up, currencies without minor units."""

from __future__ import annotations

from houdini_pay.app import HoudiniPay
from houdini_pay.contract._processors import Capability
from houdini_pay.contract._requests import OutcomeStatus
from houdini_pay.errors import CapabilityNotSupported, NotRefundable
from houdini_pay.money import currency_exponent
from houdini_pay.store._records import PaymentRecord
from houdini_pay.testing.conformance.harness import Movement
from houdini_pay.testing.conformance.processor_checks import expect_invalid
from houdini_pay.testing.conformance.trial import ProcessorTrial, describe, refunded_on_provider

__all__ = ["check_refunds", "check_zero_decimal"]


def _charge_on_provider(trial: ProcessorTrial, app: HoudiniPay, payment: PaymentRecord) -> Movement:
    movements = trial.movements(app) or []
    found = [
        m for m in movements if m.kind == "charge" and m.reference == payment.processor_reference
    ]
    trial.expect(
        len(found) == 1,
        f"recorded payment {payment.id} with reference {payment.processor_reference!r}, but "
        f"the provider holds {len(found)} charges by that id: report the provider's id of "
        "the charge as the result's reference",
    )
    return found[0]


def check_refunds(trial: ProcessorTrial) -> None:
    """Refunds give back exactly what is asked, add up to the payment, and never exceed it."""
    app = trial.app()
    processor = trial.processor(app)
    supporter = trial.supporter(app)
    outcome = trial.pay_succeeded(app, supporter, amount=3000)
    assert outcome.payment is not None
    payment = outcome.payment
    if Capability.REFUNDS not in processor.capabilities:
        try:
            app.refund(payment.id, nonprofit_id=payment.nonprofit_id)
        except CapabilityNotSupported:
            return
        trial.fail("does not declare 'refunds', yet a refund went through")
    charge = _charge_on_provider(trial, app, payment) if processor.moves_money else None
    partial = Capability.PARTIAL_REFUNDS in processor.capabilities
    for amount in (1000, 500, None) if partial else (None,):
        refund = app.refund(payment.id, amount=amount, nonprofit_id=payment.nonprofit_id)
        trial.expect(
            refund.status == "succeeded" and refund.refund is not None,
            f"a refund of {amount or 'the rest'} ended {refund.status}: {refund.error}",
        )
        assert refund.refund is not None
        payment = refund.payment
        trial.expect(
            refund.refund.fee <= 0 and -refund.refund.fee <= outcome.payment.fee,
            f"reported fee_refunded {-refund.refund.fee} on a charge whose fee was "
            f"{outcome.payment.fee}: a refund gives back at most the fee that was taken",
        )
        if charge is not None:
            movements = trial.movements(app) or []
            given_back = refunded_on_provider(movements, charge.reference)
            trial.expect(
                given_back == payment.amount_refunded,
                f"gave back {given_back} of charge {charge.reference} on the provider's side "
                f"while the core asked for {payment.amount_refunded} in all: refund() must "
                f"refund exactly request.amount, never more (provider holds: "
                f"{describe([m for m in movements if m.charge_reference == charge.reference])})",
            )
    trial.expect(
        (payment.status, payment.amount_refunded) == ("refunded", 3000),
        f"after refunds adding up to 3000 the payment is {payment.status} with "
        f"{payment.amount_refunded} refunded",
    )
    try:
        app.refund(payment.id, amount=1, nonprofit_id=payment.nonprofit_id)
    except NotRefundable:
        return
    trial.fail("refunded a payment that was already refunded in full")


def check_zero_decimal(trial: ProcessorTrial) -> None:
    """A currency without minor units is charged and refunded in whole units, as given."""
    currency = trial.harness.zero_decimal_currency
    trial.expect(currency_exponent(currency) == 0, f"{currency} is not a zero-decimal currency")
    app = trial.app()
    processor = trial.processor(app)
    supporter = trial.supporter(app, currency)
    fields = trial.fields(app, supporter, "succeed")
    if processor.currencies is not None and currency not in processor.currencies:
        expect_invalid(
            trial,
            lambda: trial.pay(app, supporter, fields, amount=500, currency=currency),
            "currency_not_supported",
        )
        return
    outcome = trial.pay_succeeded(app, supporter, fields, amount=500, currency=currency)
    trial.expect(
        outcome.status is OutcomeStatus.SUCCEEDED and outcome.payment is not None,
        f"a payment of 500 {currency} ended {outcome.status}: {outcome.error}",
    )
    assert outcome.payment is not None
    if not processor.moves_money:
        return
    charge = _charge_on_provider(trial, app, outcome.payment)
    trial.expect(
        (charge.amount, charge.currency.upper()) == (500, currency),
        f"charged {charge.amount} {charge.currency} on the provider's side for 500 {currency}: "
        f"{currency} has no minor unit, so amounts go to the provider as they are "
        "(houdini_pay.money.currency_exponent tells each currency's exponent)",
    )
    trial.expect(outcome.payment.fee <= 500, f"took a fee of {outcome.payment.fee} on 500")
    if Capability.REFUNDS not in processor.capabilities:
        return
    partial = Capability.PARTIAL_REFUNDS in processor.capabilities
    refund = app.refund(
        outcome.payment.id,
        amount=200 if partial else None,
        nonprofit_id=outcome.payment.nonprofit_id,
    )
    expected = 200 if partial else 500
    refunded = refunded_on_provider(trial.movements(app) or [], charge.reference)
    trial.expect(
        refund.status == "succeeded" and refunded == expected,
        f"refunding {expected} {currency} gave back {refunded} on the provider's side",
    )
