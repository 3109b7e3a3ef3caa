"""Staff's changes: issuing invoices and credit notes, voiding, applying credit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from houdini_pay import HoudiniPay, inventory, new_id, text
from houdini_pay.errors import Conflict, InvalidRequest
from houdini_pay_invoices.accounts import (
    HELD,
    OPEN,
    VOID,
    LineInput,
    check_amount,
    check_lines,
    item_key,
    lock_invoice,
    lock_note,
    move_items,
    new_note,
    next_number,
    set_remaining,
    settle_status,
)
from houdini_pay_invoices.documents import (
    credit_note_dict,
    invoice_dict,
)
from houdini_pay_invoices.models import (
    CreditNote,
    CreditNoteEntry,
    Invoice,
    InvoiceLine,
    InvoicePayment,
)

__all__ = [
    "apply_credit_note",
    "create_credit_note",
    "create_invoice",
    "void_invoice",
]


def create_invoice(
    app: HoudiniPay,
    nonprofit_id: str,
    supporter_id: str,
    lines: Sequence[LineInput],
    *,
    due_date: dt.date | None = None,
) -> dict[str, Any]:
    """Issue an invoice to a supporter of the nonprofit, in the nonprofit's currency."""
    total = check_lines(lines)
    nonprofit = app.get_nonprofit(nonprofit_id)
    app.get_supporter(supporter_id, nonprofit_id=nonprofit_id)
    now = app.clock()
    if due_date is not None and due_date < now.date():
        raise InvalidRequest("the due date is in the past", code="invalid_date")
    with app.unit_of_work() as uow:
        session = uow.session
        invoice = Invoice(
            nonprofit_id=nonprofit_id,
            id=new_id("inv"),
            number=next_number(app, session, nonprofit_id, "invoice"),
            supporter_id=supporter_id,
            currency=nonprofit.currency,
            status=OPEN,
            total=total,
            issue_date=now.date(),
            due_date=due_date,
            created_at=now,
            updated_at=now,
        )
        session.add(invoice)
        for position, line in enumerate(lines, start=1):
            session.add(
                InvoiceLine(
                    nonprofit_id=nonprofit_id,
                    id=new_id("inl"),
                    invoice_id=invoice.id,
                    position=position,
                    description=line.description.strip(),
                    quantity=line.quantity,
                    unit_amount=line.unit_amount,
                    amount=line.quantity * line.unit_amount,
                    item_key=line.item_key,
                    item_state=HELD if line.item_key else None,
                )
            )
        session.flush()
        # Items in key order, as the pipeline holds them, so no two writers deadlock.
        for line in sorted((x for x in lines if x.item_key), key=lambda x: x.item_key or ""):
            assert line.item_key is not None
            inventory.hold_standing(session, nonprofit_id, line.item_key, line.quantity, now)
        inventory.define_item(session, nonprofit_id, item_key(invoice.id), total)
        return invoice_dict(session, invoice)


def create_credit_note(
    app: HoudiniPay,
    nonprofit_id: str,
    supporter_id: str,
    amount: int,
    *,
    reason: str | None = None,
) -> dict[str, Any]:
    """Staff credit a supporter (goodwill): the note can be applied, not refunded."""
    check_amount(amount, "amount")
    if reason is not None:
        text.check_text(reason, "reason")
        if len(reason) > 200:
            raise InvalidRequest("the reason is at most 200 characters", code="invalid_reason")
    nonprofit = app.get_nonprofit(nonprofit_id)
    app.get_supporter(supporter_id, nonprofit_id=nonprofit_id)
    with app.unit_of_work() as uow:
        note = new_note(
            app,
            uow.session,
            nonprofit_id=nonprofit_id,
            supporter_id=supporter_id,
            currency=nonprofit.currency,
            amount=amount,
            origin="staff",
            invoice_id=None,
            reason=reason,
        )
        return credit_note_dict(uow.session, note)


def _in_progress() -> Conflict:
    return Conflict(
        "a payment of this invoice is in progress; try again once it has finished",
        code="invoice_payment_in_progress",
    )


def _take_payments_off(session: Session, invoice: Invoice) -> list[tuple[str, int]]:
    """Mark what each payment still holds on the invoice as moved; return the shares."""
    shares = []
    for row in session.scalars(
        select(InvoicePayment)
        .where(
            InvoicePayment.nonprofit_id == invoice.nonprofit_id,
            InvoicePayment.invoice_id == invoice.id,
        )
        .order_by(InvoicePayment.id)
        .with_for_update()
    ):
        share = row.applied - row.refunded - row.moved
        if share > 0:
            row.moved += share
            shares.append((row.payment_id, share))
    return shares


def _unapply_credit(session: Session, invoice: Invoice, now: dt.datetime) -> None:
    """Put the credit applied to the invoice back on its notes."""
    for entry in session.scalars(
        select(CreditNoteEntry)
        .where(
            CreditNoteEntry.nonprofit_id == invoice.nonprofit_id,
            CreditNoteEntry.invoice_id == invoice.id,
            CreditNoteEntry.kind == "applied",
            CreditNoteEntry.state == "done",
        )
        .order_by(CreditNoteEntry.credit_note_id)
    ):
        note = lock_note(session, invoice.nonprofit_id, entry.credit_note_id)
        entry.state = "reversed"
        set_remaining(note, note.remaining + entry.amount, now)


def void_invoice(app: HoudiniPay, nonprofit_id: str, invoice_id: str) -> dict[str, Any]:
    """Void an open invoice; money already on it becomes a credit note for the supporter.

    Credit applied from other notes goes back on them. Refused (409) for a paid, void or
    refunded invoice, and while a payment of it is in flight (its hold would be orphaned).
    """
    with app.unit_of_work() as uow:
        session = uow.session
        invoice = lock_invoice(session, nonprofit_id, invoice_id)
        if invoice.status != OPEN:
            raise Conflict(
                f"invoice {invoice.number} is {invoice.status}; only an open invoice is voided",
                code=f"invoice_{invoice.status}",
            )
        now = app.clock()
        key = item_key(invoice.id)
        inventory.sweep_expired(session, now, nonprofit_id=nonprofit_id, item_key=key)
        counts = inventory.item_counts(session, nonprofit_id, key)
        if counts.held:
            raise _in_progress()
        shares = _take_payments_off(session, invoice)
        _unapply_credit(session, invoice, now)
        if counts.issued:
            inventory.restock(session, nonprofit_id, key, counts.issued)
        inventory.define_item(session, nonprofit_id, key, 0)
        invoice.status = VOID
        invoice.updated_at = now
        move_items(session, invoice)
        moved = sum(share for _payment, share in shares)
        if moved:
            new_note(
                app,
                session,
                nonprofit_id=nonprofit_id,
                supporter_id=invoice.supporter_id,
                currency=invoice.currency,
                amount=moved,
                origin="void",
                invoice_id=invoice.id,
                reason=f"paid on void invoice {invoice.number}",
                sources=shares,
            )
        session.flush()
        return invoice_dict(session, invoice)


def _check_applicable(invoice: Invoice, note: CreditNote) -> None:
    if note.supporter_id != invoice.supporter_id:
        raise InvalidRequest(
            "a credit note applies only to invoices of its own supporter",
            code="supporter_mismatch",
        )
    if invoice.status != OPEN:
        raise Conflict(
            f"invoice {invoice.number} is {invoice.status}", code=f"invoice_{invoice.status}"
        )
    if note.remaining == 0:
        raise Conflict(f"credit note {note.number} is used up", code="credit_note_used")


def apply_credit_note(
    app: HoudiniPay,
    nonprofit_id: str,
    note_id: str,
    invoice_id: str,
    amount: int | None = None,
) -> dict[str, Any]:
    """Apply a credit note to an open invoice of the same supporter.

    ``amount`` defaults to the smaller of what remains on the note and what is due; the
    remainder stays on the note. Returns the invoice as it stands after.
    """
    if amount is not None:
        check_amount(amount, "amount")
    with app.unit_of_work() as uow:
        session = uow.session
        # Invoice first, then note: every writer takes them in this order (void does too).
        invoice = lock_invoice(session, nonprofit_id, invoice_id)
        note = lock_note(session, nonprofit_id, note_id)
        _check_applicable(invoice, note)
        now = app.clock()
        key = item_key(invoice.id)
        inventory.sweep_expired(session, now, nonprofit_id=nonprofit_id, item_key=key)
        counts = inventory.item_counts(session, nonprofit_id, key)
        due = counts.remaining or 0
        wanted = min(note.remaining, due) if amount is None else amount
        if amount is not None and amount > note.remaining:
            raise InvalidRequest(
                f"credit note {note.number} has {note.remaining} left, not {amount}",
                code="amount_exceeds_credit",
                details={"remaining": note.remaining},
            )
        if wanted == 0 or wanted > due:
            raise InvalidRequest(
                f"{due} is due on invoice {invoice.number} (payments in flight count), "
                f"not {wanted}",
                code="amount_exceeds_due",
                details={"amount_due": due},
            )
        assert counts.capacity is not None
        inventory.define_item(session, nonprofit_id, key, counts.capacity - wanted)
        session.add(
            CreditNoteEntry(
                nonprofit_id=nonprofit_id,
                id=new_id("cne"),
                credit_note_id=note.id,
                kind="applied",
                state="done",
                amount=wanted,
                invoice_id=invoice.id,
                created_at=now,
            )
        )
        set_remaining(note, note.remaining - wanted, now)
        session.flush()
        settle_status(session, invoice, now)
        return invoice_dict(session, invoice)
