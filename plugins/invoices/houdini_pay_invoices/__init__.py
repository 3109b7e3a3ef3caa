"""houdini-pay invoices: bills to supporters, paid through the pipeline, and credit notes."""

from houdini_pay_invoices.ledger import (
    LineInput,
    apply_credit_note,
    create_credit_note,
    create_invoice,
    get_credit_note,
    get_invoice,
    list_credit_notes,
    list_invoices,
    refund_credit_note,
    verify,
    void_invoice,
)
from houdini_pay_invoices.payment_type import InvoicePaymentType

__all__ = [
    "InvoicePaymentType",
    "LineInput",
    "apply_credit_note",
    "create_credit_note",
    "create_invoice",
    "get_credit_note",
    "get_invoice",
    "list_credit_notes",
    "list_invoices",
    "refund_credit_note",
    "verify",
    "void_invoice",
]
