"""Deliberately broken plugins: each breaks one rule the conformance suite must catch.

Every processor here is the correct bank processor of ``bank.py`` with one mistake a
newcomer could make; every payment type is the correct seat-selling type of ``seats.py``
with one.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace

from sqlalchemy.orm import Session

from houdini_pay import (
    Capability,
    ChargeRequest,
    ChargeResult,
    ItemRequest,
    LookupRequest,
    PaymentContext,
    PaymentRecord,
    ProcessorEvent,
    RefundRequest,
    RefundResult,
    inventory,
)
from houdini_pay.money import currency_exponent
from tests.plugin_kit.bank import (
    BankTransferProcessor,
    Refused,
    Unavailable,
    charge_result,
    events_of,
)
from tests.plugin_kit.seats import SeatsPaymentType


class DoubleChargingBank(BankTransferProcessor):
    """Makes up a new idempotency key on every call, so a retry charges again."""

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        return super().charge(request, idempotency_key=str(uuid.uuid4()))


class TimeoutAsFailedBank(BankTransferProcessor):
    """Reports a bank that did not answer as a decline."""

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        body = {
            "amount": request.amount,
            "currency": request.currency.lower(),
            "account": request.processing_object["account"],
            "metadata": {"attempt_id": request.attempt_id},
        }
        try:
            return charge_result(self.api.call("POST", "/v1/charges", body, key=idempotency_key))
        except (Refused, Unavailable) as exc:
            return ChargeResult.failed(f"the bank said no: {exc}")


class OverRefundingBank(BankTransferProcessor):
    """Refunds the whole charge whatever amount it is asked to refund."""

    def refund(self, request: RefundRequest, *, idempotency_key: str) -> RefundResult:
        whole = RefundRequest(
            attempt_id=request.attempt_id,
            nonprofit_id=request.nonprofit_id,
            payment_id=request.payment_id,
            payment_reference=request.payment_reference,
            amount=request.payment_amount,
            payment_amount=request.payment_amount,
            currency=request.currency,
        )
        return super().refund(whole, idempotency_key=idempotency_key)


class SignatureIgnoringBank(BankTransferProcessor):
    """Reads webhooks without verifying their signature."""

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ProcessorEvent]:
        return events_of(body)


class UndeclaredRefundsBank(BankTransferProcessor):
    """Implements refunds but forgets to declare them, so the core never offers them."""

    capabilities = BankTransferProcessor.capabilities - {
        Capability.REFUNDS,
        Capability.PARTIAL_REFUNDS,
    }


class InventingLookupBank(BankTransferProcessor):
    """Answers every lookup with success, even for charges the bank never received."""

    def lookup_charge(self, request: LookupRequest) -> ChargeResult | None:
        found = super().lookup_charge(request)
        return found or ChargeResult.succeeded(f"ch_{request.attempt_id}", fee=0)


class FirstPageLookupBank(BankTransferProcessor):
    """Looks a charge up in the first page (100) of the bank's charges, not by its key."""

    def lookup_charge(self, request: LookupRequest) -> ChargeResult | None:
        first_page = self.api.call("GET", "/v1/charges")["data"][:100]
        for charge in first_page:
            if charge["metadata"].get("attempt_id") == request.attempt_id:
                return charge_result(charge)
        return None


class CentsEverywhereBank(BankTransferProcessor):
    """Converts every amount to cents, as if every currency had two decimals."""

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        cents = request.amount * 10 ** (2 - currency_exponent(request.currency))
        return super().charge(replace(request, amount=cents), idempotency_key=idempotency_key)


class RestockingEveryRefund(SeatsPaymentType):
    """Gives the seats back on every refund, partial ones included, though its harness
    says only a full refund does."""

    def on_refund(self, session: Session, payment: PaymentRecord, refund: PaymentRecord) -> None:
        for key, quantity in self.items_of(payment).items():
            inventory.restock(session, payment.nonprofit_id, key, quantity)


class UnheldSeats(SeatsPaymentType):
    """Sells seats without asking the core to hold them, so nothing stops an oversell."""

    def reserve_limited_items(
        self, session: Session, context: PaymentContext
    ) -> Sequence[ItemRequest]:
        return ()
