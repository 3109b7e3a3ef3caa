"""Invoices and credit notes as JSON-ready documents, found and listed per nonprofit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from houdini_pay import HoudiniPay
from houdini_pay.errors import InvalidRequest, NotFound
from houdini_pay_invoices.accounts import (
    STATUSES,
    amount_due,
    credit_applied,
    payments_net,
)
from houdini_pay_invoices.models import (
    CreditNote,
    CreditNoteEntry,
    CreditNoteSource,
    Invoice,
    InvoiceLine,
    InvoicePayment,
)

__all__ = [
    "credit_note_dict",
    "find_invoice",
    "find_note",
    "get_credit_note",
    "get_invoice",
    "invoice_dict",
    "invoice_owner",
    "list_credit_notes",
    "list_invoices",
    "note_owner",
]


def find_invoice(session: Session, nonprofit_id: str | None, invoice_id: str) -> Invoice:
    statement = select(Invoice).where(Invoice.id == invoice_id)
    if nonprofit_id is not None:
        statement = statement.where(Invoice.nonprofit_id == nonprofit_id)
    invoice = session.scalars(statement).first()
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}", code="invoice_not_found")
    return invoice


def find_note(session: Session, nonprofit_id: str | None, note_id: str) -> CreditNote:
    statement = select(CreditNote).where(CreditNote.id == note_id)
    if nonprofit_id is not None:
        statement = statement.where(CreditNote.nonprofit_id == nonprofit_id)
    note = session.scalars(statement).first()
    if note is None:
        raise NotFound(f"no credit note {note_id}", code="credit_note_not_found")
    return note


def get_invoice(app: HoudiniPay, nonprofit_id: str | None, invoice_id: str) -> dict[str, Any]:
    """The invoice as ``invoices show`` prints it; ``nonprofit_id`` None for an operator."""
    with app.session() as session:
        return invoice_dict(session, find_invoice(session, nonprofit_id, invoice_id))


def invoice_owner(app: HoudiniPay, invoice_id: str) -> str:
    """The nonprofit of an invoice (operator commands name the invoice alone)."""
    with app.session() as session:
        return find_invoice(session, None, invoice_id).nonprofit_id


def note_owner(app: HoudiniPay, note_id: str) -> str:
    """The nonprofit of a credit note (operator commands name the note alone)."""
    with app.session() as session:
        return find_note(session, None, note_id).nonprofit_id


def list_invoices(
    app: HoudiniPay, nonprofit_id: str, status: str | None = None
) -> list[dict[str, Any]]:
    """The nonprofit's invoices, newest number first, optionally of one status."""
    if status is not None and status not in STATUSES:
        raise InvalidRequest(f"status must be one of {', '.join(STATUSES)}", code="invalid_status")
    app.get_nonprofit(nonprofit_id)
    with app.session() as session:
        statement = select(Invoice).where(Invoice.nonprofit_id == nonprofit_id)
        if status is not None:
            statement = statement.where(Invoice.status == status)
        rows = session.scalars(statement.order_by(Invoice.number.desc()))
        return [invoice_dict(session, invoice) for invoice in rows]


def _line_dicts(session: Session, invoice: Invoice) -> list[dict[str, Any]]:
    lines = session.scalars(
        select(InvoiceLine)
        .where(
            InvoiceLine.nonprofit_id == invoice.nonprofit_id, InvoiceLine.invoice_id == invoice.id
        )
        .order_by(InvoiceLine.position)
    )
    return [
        {
            "description": line.description,
            "quantity": line.quantity,
            "unit_amount": line.unit_amount,
            "amount": line.amount,
            **({"item_key": line.item_key, "item_state": line.item_state} if line.item_key else {}),
        }
        for line in lines
    ]


def invoice_dict(session: Session, invoice: Invoice) -> dict[str, Any]:
    """The invoice with its lines, payments and credit notes, as JSON-ready values."""
    key = (invoice.nonprofit_id, invoice.id)
    payments = session.scalars(
        select(InvoicePayment)
        .where(InvoicePayment.nonprofit_id == key[0], InvoicePayment.invoice_id == key[1])
        .order_by(InvoicePayment.created_at, InvoicePayment.id)
    )
    notes = session.scalars(
        select(CreditNote)
        .where(CreditNote.nonprofit_id == key[0], CreditNote.invoice_id == key[1])
        .order_by(CreditNote.number)
    )
    applied = session.scalars(
        select(CreditNoteEntry)
        .where(
            CreditNoteEntry.nonprofit_id == key[0],
            CreditNoteEntry.invoice_id == key[1],
            CreditNoteEntry.kind == "applied",
        )
        .order_by(CreditNoteEntry.created_at, CreditNoteEntry.id)
    )
    paid = payments_net(session, invoice) + credit_applied(session, invoice)
    return {
        "id": invoice.id,
        "nonprofit_id": invoice.nonprofit_id,
        "supporter_id": invoice.supporter_id,
        "number": invoice.number,
        "status": invoice.status,
        "currency": invoice.currency,
        "total": invoice.total,
        "amount_paid": paid,
        "amount_due": amount_due(session, invoice),
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
        "lines": _line_dicts(session, invoice),
        "payments": [
            {
                "payment_id": row.payment_id,
                "processor": row.processor,
                "applied": row.applied,
                "excess": row.excess,
                "refunded": row.refunded,
                "moved_to_credit_note": row.moved,
            }
            for row in payments
        ],
        "credit_notes": [note.id for note in notes],
        "credit_applied": [
            {"credit_note_id": e.credit_note_id, "amount": e.amount, "state": e.state}
            for e in applied
        ],
    }


def credit_note_dict(session: Session, note: CreditNote) -> dict[str, Any]:
    """The credit note with where its money came from and went, as JSON-ready values."""
    sources = session.scalars(
        select(CreditNoteSource)
        .where(
            CreditNoteSource.nonprofit_id == note.nonprofit_id,
            CreditNoteSource.credit_note_id == note.id,
        )
        .order_by(CreditNoteSource.id)
    )
    entries = session.scalars(
        select(CreditNoteEntry)
        .where(
            CreditNoteEntry.nonprofit_id == note.nonprofit_id,
            CreditNoteEntry.credit_note_id == note.id,
        )
        .order_by(CreditNoteEntry.created_at, CreditNoteEntry.id)
    )
    return {
        "id": note.id,
        "nonprofit_id": note.nonprofit_id,
        "supporter_id": note.supporter_id,
        "number": note.number,
        "status": note.status,
        "currency": note.currency,
        "amount": note.amount,
        "remaining": note.remaining,
        "origin": note.origin,
        "invoice_id": note.invoice_id,
        "reason": note.reason,
        "sources": [
            {"payment_id": s.payment_id, "amount": s.amount, "refunded": s.refunded}
            for s in sources
        ],
        "entries": [
            {
                "kind": e.kind,
                "state": e.state,
                "amount": e.amount,
                "invoice_id": e.invoice_id,
                "payment_id": e.payment_id,
                "refund_id": e.refund_id,
            }
            for e in entries
        ],
    }


def get_credit_note(app: HoudiniPay, nonprofit_id: str | None, note_id: str) -> dict[str, Any]:
    """The credit note; ``nonprofit_id`` None for an operator."""
    with app.session() as session:
        return credit_note_dict(session, find_note(session, nonprofit_id, note_id))


def list_credit_notes(
    app: HoudiniPay, nonprofit_id: str, supporter_id: str
) -> list[dict[str, Any]]:
    """A supporter's credit notes, newest number first."""
    app.get_supporter(supporter_id, nonprofit_id=nonprofit_id)
    with app.session() as session:
        rows = session.scalars(
            select(CreditNote)
            .where(CreditNote.nonprofit_id == nonprofit_id, CreditNote.supporter_id == supporter_id)
            .order_by(CreditNote.number.desc())
        )
        return [credit_note_dict(session, note) for note in rows]
