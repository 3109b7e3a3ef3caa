"""The ``invoice`` payment type: paying all or part of an invoice.

Type object::

    {"invoice_id": "inv_...", "allow_overpayment": false}

Before anything is charged the invoice must exist for the nonprofit and the supporter, be
open, and the amount must be at most what is due (more only with ``allow_overpayment``:
the excess becomes a credit note). What is due is held in the reserve step as the core
limited item ``invoice:<id>`` counted in minor units, so concurrent payments of the whole
amount charge once and the others are refused before their charge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from houdini_pay import (
    ErrorInfo,
    HoudiniPay,
    ItemRequest,
    PaymentContext,
    PaymentRecord,
    PaymentType,
    inventory,
)
from houdini_pay.errors import InvalidRequest, NotFound, SoldOut
from houdini_pay_invoices import ledger, refund_limits
from houdini_pay_invoices.models import Invoice

__all__ = ["InvoicePaymentType", "parse_type_object"]


def parse_type_object(obj: Mapping[str, Any]) -> tuple[str, bool]:
    """``(invoice_id, allow_overpayment)`` of a type object, or ``invalid_type_object``."""
    unknown = set(obj) - {"invoice_id", "allow_overpayment"}
    if unknown:
        raise InvalidRequest(
            f"unknown field {sorted(unknown)[0]!r}: the type object is "
            '{"invoice_id": "inv_...", "allow_overpayment": false}',
            code="invalid_type_object",
        )
    invoice_id = obj.get("invoice_id")
    if not isinstance(invoice_id, str) or not 1 <= len(invoice_id) <= 40:
        raise InvalidRequest(
            "invoice_id is required", code="invalid_type_object", details={"field": "invoice_id"}
        )
    overpay = obj.get("allow_overpayment", False)
    if not isinstance(overpay, bool):
        raise InvalidRequest(
            "allow_overpayment must be true or false",
            code="invalid_type_object",
            details={"field": "allow_overpayment"},
        )
    return invoice_id, overpay


def _invoice(session: Session, context: PaymentContext, *, lock: bool = False) -> Invoice:
    invoice_id, _overpay = parse_type_object(context.request.type_object)
    invoice = session.get(
        Invoice, (context.nonprofit.id, invoice_id), with_for_update=lock, populate_existing=True
    )
    if invoice is None or invoice.supporter_id != context.supporter.id:
        raise NotFound(f"no invoice {invoice_id} for this supporter", code="invoice_not_found")
    return invoice


def _not_open(invoice: Invoice) -> SoldOut:
    return SoldOut(
        f"invoice {invoice.number} is {invoice.status}; nothing was charged",
        code=f"invoice_{invoice.status}",
    )


class InvoicePaymentType(PaymentType):
    """Payments of invoices; their money may overflow into credit notes."""

    symbol = "invoice"
    display_name = "Invoice"

    def __init__(self, app: HoudiniPay) -> None:
        self.app = app

    def validate(self, session: Session, context: PaymentContext) -> None:
        """The invoice is this supporter's, open, and the amount at most what is due."""
        invoice = _invoice(session, context)
        if invoice.status != ledger.OPEN:
            raise _not_open(invoice)
        _id, overpay = parse_type_object(context.request.type_object)
        due = ledger.amount_due(session, invoice)
        if due == 0:
            raise SoldOut(
                f"invoice {invoice.number} is paid; nothing was charged", code="invoice_paid"
            )
        if context.request.amount > due and not overpay:
            raise InvalidRequest(
                f"{due} is due on invoice {invoice.number}, not {context.request.amount} "
                '(send "allow_overpayment": true to credit the rest)',
                code="amount_exceeds_due",
                details={"amount_due": due},
            )

    def reserve_limited_items(
        self, session: Session, context: PaymentContext
    ) -> Sequence[ItemRequest]:
        """Hold the amount (with overpayment allowed: no more than is payable now)."""
        invoice_id, overpay = parse_type_object(context.request.type_object)
        key = ledger.item_key(invoice_id)
        amount = context.request.amount
        if overpay:
            remaining = inventory.item_counts(
                session, context.nonprofit.id, key, context.now
            ).remaining
            amount = min(amount, remaining or amount)
        return [ItemRequest(key, amount)]

    def hold_refused(
        self, session: Session, context: PaymentContext, item: ItemRequest, remaining: int
    ) -> ErrorInfo:
        """``invoice_paid`` when nothing is left to pay, else ``amount_exceeds_due``."""
        invoice = _invoice(session, context)
        if invoice.status in (ledger.VOID, ledger.REFUNDED):
            return ErrorInfo(
                f"invoice_{invoice.status}", f"invoice {invoice.number} is {invoice.status}"
            )
        if remaining == 0:
            return ErrorInfo(
                "invoice_paid",
                f"invoice {invoice.number} is paid (or a payment of all that is due is in "
                "progress)",
            )
        return ErrorInfo(
            "amount_exceeds_due",
            f"{remaining} is due on invoice {invoice.number}, not {item.quantity}",
        )

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Record the payment on the invoice; any excess becomes a credit note."""
        invoice = _invoice(session, context, lock=True)
        if invoice.status not in (ledger.OPEN, ledger.PAID):
            raise _not_open(invoice)  # the core gives the money back
        key = ledger.item_key(invoice.id)
        holds = inventory.holds_of_attempt(session, payment.attempt_id or "", payment.nonprofit_id)
        applied = sum(hold.quantity for hold in holds if hold.item_key == key)
        ledger.record_payment(session, invoice, payment, applied, self.app)

    def on_refund(self, session: Session, payment: PaymentRecord, refund: PaymentRecord) -> None:
        """Take the refund off the invoice (it may be due again) or its credit notes."""
        ledger.record_refund(session, self.app, payment, refund)

    def refund_limit(self, session: Session, payment: PaymentRecord) -> int | None:
        """The invoice's share plus what the credit notes it fed still hold (see
        :mod:`houdini_pay_invoices.refund_limits`)."""
        return refund_limits.refund_limit(session, payment)

    def describe(self, context: PaymentContext) -> str:
        """``Invoice inv_...``."""
        invoice_id = context.request.type_object.get("invoice_id")
        return f"Invoice {invoice_id}" if isinstance(invoice_id, str) else "Invoice"
