"""``invoices verify``: every invoice and credit note against its entries."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from houdini_pay import HoudiniPay, inventory
from houdini_pay.errors import NotFound
from houdini_pay_invoices.accounts import (
    HELD,
    ISSUED,
    OPEN,
    PAID,
    REFUNDED,
    RELEASED,
    VOID,
    credit_applied,
    expected_status,
    item_key,
    item_lines,
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
    "verify",
]


def verify(app: HoudiniPay, nonprofit_id: str | None = None) -> list[str]:
    """Every way an invoice or credit note disagrees with its entries (empty: all agree)."""
    problems: list[str] = []
    with app.session() as session:
        statement = select(Invoice).order_by(Invoice.nonprofit_id, Invoice.number)
        if nonprofit_id is not None:
            statement = statement.where(Invoice.nonprofit_id == nonprofit_id)
        for invoice in session.scalars(statement):
            problems.extend(_verify_invoice(app, session, invoice))
        notes = select(CreditNote).order_by(CreditNote.nonprofit_id, CreditNote.number)
        if nonprofit_id is not None:
            notes = notes.where(CreditNote.nonprofit_id == nonprofit_id)
        for note in session.scalars(notes):
            problems.extend(_verify_note(session, note))
    return problems


def _verify_invoice(app: HoudiniPay, session: Session, invoice: Invoice) -> list[str]:
    problems = []
    name = f"invoice {invoice.number} ({invoice.id})"
    lines = session.scalar(
        select(func.coalesce(func.sum(InvoiceLine.amount), 0)).where(
            InvoiceLine.nonprofit_id == invoice.nonprofit_id,
            InvoiceLine.invoice_id == invoice.id,
        )
    )
    if int(lines or 0) != invoice.total:
        problems.append(f"{name}: total {invoice.total} but its lines add up to {lines}")
    status = expected_status(session, invoice)
    if status != invoice.status:
        problems.append(f"{name}: status {invoice.status} but its entries say {status}")
    wanted = {OPEN: (HELD, ISSUED), PAID: (ISSUED,), VOID: (RELEASED,), REFUNDED: (RELEASED,)}
    for line in item_lines(session, invoice):
        if line.item_state not in wanted.get(invoice.status, ()):
            problems.append(
                f"{name}: {line.item_key} is {line.item_state} on a {invoice.status} invoice"
            )
    net = payments_net(session, invoice)
    credit = credit_applied(session, invoice)
    counts = inventory.item_counts(session, invoice.nonprofit_id, item_key(invoice.id))
    capacity = 0 if invoice.status == VOID else invoice.total - credit
    if counts.issued != net or counts.capacity != capacity:
        problems.append(
            f"{name}: the payable item has {counts.issued} issued of {counts.capacity}, "
            f"but payments hold {net} and {capacity} may be paid"
        )
    for row in session.scalars(
        select(InvoicePayment).where(
            InvoicePayment.nonprofit_id == invoice.nonprofit_id,
            InvoicePayment.invoice_id == invoice.id,
        )
    ):
        try:
            payment = app.get_payment(row.payment_id, nonprofit_id=invoice.nonprofit_id)
        except NotFound:
            problems.append(f"{name}: payment {row.payment_id} does not exist")
            continue
        if payment.amount != row.applied + row.excess:
            problems.append(f"{name}: payment {row.payment_id} does not match its share")
            continue
        on_notes = session.scalar(
            select(func.coalesce(func.sum(CreditNoteSource.refunded), 0)).where(
                CreditNoteSource.nonprofit_id == invoice.nonprofit_id,
                CreditNoteSource.payment_id == row.payment_id,
            )
        )
        if payment.amount_refunded != row.refunded + int(on_notes or 0):
            problems.append(
                f"{name}: payment {row.payment_id} was refunded {payment.amount_refunded}, "
                f"but the invoice and its credit notes count {row.refunded + int(on_notes or 0)}"
            )
    return problems


def _verify_note(session: Session, note: CreditNote) -> list[str]:
    name = f"credit note {note.number} ({note.id})"
    used = session.scalar(
        select(func.coalesce(func.sum(CreditNoteEntry.amount), 0)).where(
            CreditNoteEntry.nonprofit_id == note.nonprofit_id,
            CreditNoteEntry.credit_note_id == note.id,
            CreditNoteEntry.state.in_(("done", "pending")),
        )
    )
    problems = []
    if note.remaining != note.amount - int(used or 0) or note.remaining < 0:
        problems.append(
            f"{name}: {note.remaining} remaining but {note.amount} less its uses is "
            f"{note.amount - int(used or 0)}"
        )
    if note.origin != "staff":
        sources = session.scalar(
            select(func.coalesce(func.sum(CreditNoteSource.amount), 0)).where(
                CreditNoteSource.nonprofit_id == note.nonprofit_id,
                CreditNoteSource.credit_note_id == note.id,
            )
        )
        if int(sources or 0) != note.amount:
            problems.append(f"{name}: {note.amount} but its payments brought {sources}")
    return problems
