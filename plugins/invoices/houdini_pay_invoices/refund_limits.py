"""How much of an invoice payment may still go back to the supporter.

An invoice payment's money is in two places: the invoice it paid (its share, which a refund
frees to be paid again) and the credit notes its excess went to. What is on a credit note
may be applied to another invoice; once it is, that money has paid for something and must
not also be refunded. So a payment may give back its share of the invoice, plus, for each
credit note it fed, no more than the note still holds — and the refunds the note itself has
planned for this payment (their amounts already left the note).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from houdini_pay import PaymentRecord
from houdini_pay_invoices.models import (
    CreditNote,
    CreditNoteEntry,
    CreditNoteSource,
    InvoicePayment,
)

__all__ = ["refund_limit"]


def refund_limit(session: Session, payment: PaymentRecord) -> int | None:
    """The most of ``payment`` the supporter may still get back; None if it paid no invoice."""
    nonprofit_id = payment.nonprofit_id
    share = session.scalars(
        select(InvoicePayment).where(
            InvoicePayment.nonprofit_id == nonprofit_id,
            InvoicePayment.payment_id == payment.id,
        )
    ).first()
    if share is None:
        return None
    limit = share.applied - share.refunded - share.moved
    on_notes: dict[str, int] = defaultdict(int)
    for source in session.scalars(
        select(CreditNoteSource).where(
            CreditNoteSource.nonprofit_id == nonprofit_id,
            CreditNoteSource.payment_id == payment.id,
        )
    ):
        on_notes[source.credit_note_id] += source.amount - source.refunded
    for note_id, brought in on_notes.items():
        note = session.get_one(CreditNote, (nonprofit_id, note_id))
        planned = int(
            session.scalar(
                select(func.coalesce(func.sum(CreditNoteEntry.amount), 0)).where(
                    CreditNoteEntry.nonprofit_id == nonprofit_id,
                    CreditNoteEntry.credit_note_id == note_id,
                    CreditNoteEntry.payment_id == payment.id,
                    CreditNoteEntry.kind == "refunded",
                    CreditNoteEntry.state == "pending",
                )
            )
            or 0
        )
        limit += min(brought - planned, note.remaining) + planned
    return max(limit, 0)
