"""Money in and out: sharing a payment out, taking refunds off, refunding credit notes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from houdini_pay import HoudiniPay, PaymentRecord, inventory, new_id
from houdini_pay.errors import Conflict
from houdini_pay_invoices.accounts import (
    item_key,
    lock_invoice,
    lock_note,
    new_note,
    set_remaining,
    settle_status,
)
from houdini_pay_invoices.documents import (
    get_credit_note,
)
from houdini_pay_invoices.models import (
    CreditNote,
    CreditNoteEntry,
    CreditNoteSource,
    Invoice,
    InvoicePayment,
)

__all__ = [
    "record_payment",
    "record_refund",
    "refund_credit_note",
]


def record_payment(
    session: Session,
    invoice: Invoice,
    payment: PaymentRecord,
    applied: int,
    app: HoudiniPay,
) -> None:
    """Share a payment out: ``applied`` to the invoice, any excess to a new credit note."""
    excess = payment.amount - applied
    session.add(
        InvoicePayment(
            nonprofit_id=invoice.nonprofit_id,
            id=new_id("ipy"),
            invoice_id=invoice.id,
            payment_id=payment.id,
            processor=payment.processor,
            applied=applied,
            excess=excess,
            refunded=0,
            moved=0,
            created_at=payment.created_at,
        )
    )
    session.flush()
    if excess > 0:
        new_note(
            app,
            session,
            nonprofit_id=invoice.nonprofit_id,
            supporter_id=invoice.supporter_id,
            currency=invoice.currency,
            amount=excess,
            origin="overpayment",
            invoice_id=invoice.id,
            reason=f"overpayment of invoice {invoice.number}",
            sources=[(payment.id, excess)],
        )
    settle_status(session, invoice, payment.updated_at)


def _take_off_notes(
    session: Session,
    payment: PaymentRecord,
    refund: PaymentRecord,
    left: int,
    pending: CreditNoteEntry | None,
) -> None:
    """Take ``left`` of a refund off the credit notes the payment's money went to."""
    nonprofit_id, now = payment.nonprofit_id, refund.created_at
    for source in session.scalars(
        select(CreditNoteSource)
        .where(
            CreditNoteSource.nonprofit_id == nonprofit_id,
            CreditNoteSource.payment_id == payment.id,
        )
        .order_by(CreditNoteSource.id)
        .with_for_update()
    ):
        if left == 0:
            break
        if pending is not None and source.credit_note_id != pending.credit_note_id:
            continue
        take = min(left, source.amount - source.refunded)
        if take <= 0:
            continue
        note = lock_note(session, nonprofit_id, source.credit_note_id)
        source.refunded += take
        left -= take
        if pending is None:
            # Refunded around the note: what the supporter got back is no longer owed.
            set_remaining(note, note.remaining - take, now)
            session.add(
                CreditNoteEntry(
                    nonprofit_id=nonprofit_id,
                    id=new_id("cne"),
                    credit_note_id=note.id,
                    kind="refunded",
                    state="done",
                    amount=take,
                    payment_id=payment.id,
                    refund_id=refund.id,
                    created_at=now,
                )
            )


def record_refund(
    session: Session, app: HoudiniPay, payment: PaymentRecord, refund: PaymentRecord
) -> None:
    """Take a refund of an invoice payment off the invoice and its credit notes.

    A refund a credit note asked for (its entry is pending) comes off that note. Any other
    comes off the invoice's share of the payment first (restocking what may be paid), then
    off the credit notes the payment's money went to.
    """
    nonprofit_id = payment.nonprofit_id
    row = session.scalars(
        select(InvoicePayment).where(
            InvoicePayment.nonprofit_id == nonprofit_id,
            InvoicePayment.payment_id == payment.id,
        )
    ).first()
    if row is None:
        return
    invoice = lock_invoice(session, nonprofit_id, row.invoice_id)
    session.refresh(row, with_for_update=True)
    now = refund.created_at
    left = -refund.amount
    pending = session.scalars(
        select(CreditNoteEntry)
        .where(
            CreditNoteEntry.nonprofit_id == nonprofit_id,
            CreditNoteEntry.payment_id == payment.id,
            CreditNoteEntry.kind == "refunded",
            CreditNoteEntry.state == "pending",
            CreditNoteEntry.amount == left,
        )
        .order_by(CreditNoteEntry.created_at, CreditNoteEntry.id)
    ).first()
    if pending is None:
        on_invoice = row.applied - row.refunded - row.moved
        take = min(left, on_invoice)
        if take > 0:
            inventory.restock(session, nonprofit_id, item_key(invoice.id), take)
            row.refunded += take
            left -= take
    _take_off_notes(session, payment, refund, left, pending)
    if pending is not None:
        pending.state = "done"
        pending.refund_id = refund.id
    session.flush()
    settle_status(session, invoice, now)


def _plan_refunds(
    session: Session, note: CreditNote, now: dt.datetime
) -> list[tuple[str, str, int]]:
    """Write a pending refund entry per payment share of what remains; return them."""
    planned: list[tuple[str, str, int]] = []
    left = note.remaining
    for source in session.scalars(
        select(CreditNoteSource)
        .where(
            CreditNoteSource.nonprofit_id == note.nonprofit_id,
            CreditNoteSource.credit_note_id == note.id,
        )
        .order_by(CreditNoteSource.id)
    ):
        in_flight = session.scalar(
            select(func.coalesce(func.sum(CreditNoteEntry.amount), 0)).where(
                CreditNoteEntry.nonprofit_id == note.nonprofit_id,
                CreditNoteEntry.credit_note_id == note.id,
                CreditNoteEntry.payment_id == source.payment_id,
                CreditNoteEntry.kind == "refunded",
                CreditNoteEntry.state == "pending",
            )
        )
        take = min(left, source.amount - source.refunded - int(in_flight or 0))
        if take <= 0:
            continue
        entry_id = new_id("cne")
        session.add(
            CreditNoteEntry(
                nonprofit_id=note.nonprofit_id,
                id=entry_id,
                credit_note_id=note.id,
                kind="refunded",
                state="pending",
                amount=take,
                payment_id=source.payment_id,
                created_at=now,
            )
        )
        planned.append((entry_id, source.payment_id, take))
        left -= take
    return planned


def refund_credit_note(app: HoudiniPay, nonprofit_id: str, note_id: str) -> dict[str, Any]:
    """Give what remains on a credit note back through the payments it came from.

    Each share is refunded through its own payment's processor, never more than that
    payment brought to the note. The note's remaining falls when the entry is written,
    before the processor is asked, so two refunds at once never give back the same money;
    a refused refund puts its share back.
    """
    with app.unit_of_work() as uow:
        session = uow.session
        note = lock_note(session, nonprofit_id, note_id)
        if note.remaining == 0:
            raise Conflict(f"credit note {note.number} is used up", code="credit_note_used")
        now = app.clock()
        planned = _plan_refunds(session, note, now)
        left = note.remaining - sum(take for _entry, _payment, take in planned)
        if not planned:
            raise Conflict(
                f"credit note {note.number} came from no payment that can be refunded "
                "(staff credit is applied to invoices, never paid out)",
                code="credit_note_not_refundable",
            )
        set_remaining(note, left, now)
        number = note.number
    for entry_id, payment_id, take in planned:
        try:
            outcome = app.refund(
                payment_id,
                nonprofit_id=nonprofit_id,
                amount=take,
                reason=f"credit note {number} refunded",
                idempotency_key=entry_id,
            )
        except Exception:
            _refund_failed(app, nonprofit_id, note_id, entry_id)
            raise
        if outcome.status == "failed":
            _refund_failed(app, nonprofit_id, note_id, entry_id)
    return get_credit_note(app, nonprofit_id, note_id)


def _refund_failed(app: HoudiniPay, nonprofit_id: str, note_id: str, entry_id: str) -> None:
    """Put a refused refund's share back on the note."""
    with app.unit_of_work() as uow:
        session = uow.session
        note = lock_note(session, nonprofit_id, note_id)
        result = session.execute(
            update(CreditNoteEntry)
            .where(
                CreditNoteEntry.nonprofit_id == nonprofit_id,
                CreditNoteEntry.id == entry_id,
                CreditNoteEntry.state == "pending",
            )
            .values(state="failed")
            .returning(CreditNoteEntry.amount)
        ).first()
        if result is not None:
            set_remaining(note, note.remaining + int(result[0]), app.clock())
