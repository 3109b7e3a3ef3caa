"""Invoices and credit notes: creating, paying, voiding, applying, refunding, verifying.

Amounts are whole minor units. An invoice's ``amount_paid`` is what its payments still
hold (``applied - refunded - moved``) plus the credit applied to it; what is due is the
total less that. The core limited item ``invoice:<id>`` guards it under concurrency: its
capacity is the total less the credit applied, a payment holds (then issues) its amount, a
refund restocks it. Every change runs in one unit of work that locks the invoice row first,
so changes to one invoice queue, and changes to different invoices never wait on each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from houdini_pay import HoudiniPay, PaymentRecord, inventory, new_id, text
from houdini_pay.errors import Conflict, InvalidRequest, NotFound
from houdini_pay_invoices.models import (
    CreditNote,
    CreditNoteEntry,
    CreditNoteSource,
    DocumentCounter,
    Invoice,
    InvoiceLine,
    InvoicePayment,
)

__all__ = [
    "MAX_TOTAL",
    "LineInput",
    "apply_credit_note",
    "create_credit_note",
    "create_invoice",
    "credit_note_dict",
    "get_credit_note",
    "get_invoice",
    "invoice_dict",
    "item_key",
    "list_credit_notes",
    "list_invoices",
    "refund_credit_note",
    "verify",
    "void_invoice",
]

OPEN, PAID, VOID, REFUNDED = "open", "paid", "void", "refunded"
HELD, ISSUED, RELEASED = "held", "issued", "released"
STATUSES = (OPEN, PAID, VOID, REFUNDED)
MAX_TOTAL = 10**12
"""The largest invoice or credit note, in minor units (ten billion dollars)."""
MAX_LINES = 100


@dataclass(frozen=True, slots=True)
class LineInput:
    """A line as asked for: description, unit amount (minor units) and quantity.

    ``item_key`` names a core limited item (``ticket_level:<id>``) the line sells
    ``quantity`` of: held while the invoice is open, issued when it is paid.
    """

    description: str
    unit_amount: int
    quantity: int = 1
    item_key: str | None = None


def item_key(invoice_id: str) -> str:
    """The core limited item that holds what ``invoice_id`` lets be paid."""
    return f"invoice:{invoice_id}"


def _prefix(app: HoudiniPay, kind: str) -> str:
    name = "HOUDINI_PAY_INVOICE_PREFIX" if kind == "invoice" else "HOUDINI_PAY_CREDIT_NOTE_PREFIX"
    default = "INV" if kind == "invoice" else "CN"
    return app.settings.environ.get(name) or default


def _next_number(app: HoudiniPay, session: Session, nonprofit_id: str, kind: str) -> str:
    """The next gapless number, taken under the counter row's lock."""
    counter = session.get(DocumentCounter, (nonprofit_id, kind), with_for_update=True)
    if counter is None:
        session.add(DocumentCounter(nonprofit_id=nonprofit_id, kind=kind, last_number=0))
        session.flush()  # two first documents at once: one waits here, the other fails loud
        counter = session.get(DocumentCounter, (nonprofit_id, kind), with_for_update=True)
        assert counter is not None
    counter.last_number += 1
    year = app.clock().year
    return f"{_prefix(app, kind)}-{year}-{counter.last_number:06d}"


def _amount(value: object, name: str, *, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_TOTAL:
        raise InvalidRequest(
            f"{name} must be a whole number of minor units from {low} to {MAX_TOTAL}",
            code="invalid_amount",
            details={"field": name},
        )
    return value


def _check_lines(lines: Sequence[LineInput]) -> int:
    if not 1 <= len(lines) <= MAX_LINES:
        raise InvalidRequest(f"an invoice has 1 to {MAX_LINES} lines", code="invalid_lines")
    total = 0
    for line in lines:
        description = text.check_text(line.description, "description")
        if not 1 <= len(description.strip()) <= 200 or len(description) > 200:
            raise InvalidRequest(
                "a line's description must be 1 to 200 characters", code="invalid_lines"
            )
        total += _amount(line.unit_amount, "unit amount") * _amount(line.quantity, "quantity")
    return _amount(total, "total")


def _lock_invoice(session: Session, nonprofit_id: str, invoice_id: str) -> Invoice:
    invoice = session.get(
        Invoice, (nonprofit_id, invoice_id), with_for_update=True, populate_existing=True
    )
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}", code="invoice_not_found")
    return invoice


def _lock_note(session: Session, nonprofit_id: str, note_id: str) -> CreditNote:
    note = session.get(
        CreditNote, (nonprofit_id, note_id), with_for_update=True, populate_existing=True
    )
    if note is None:
        raise NotFound(f"no credit note {note_id}", code="credit_note_not_found")
    return note


def payments_net(session: Session, invoice: Invoice) -> int:
    """What the invoice's payments still hold for it."""
    value = session.scalar(
        select(
            func.coalesce(
                func.sum(InvoicePayment.applied - InvoicePayment.refunded - InvoicePayment.moved),
                0,
            )
        ).where(
            InvoicePayment.nonprofit_id == invoice.nonprofit_id,
            InvoicePayment.invoice_id == invoice.id,
        )
    )
    return int(value or 0)


def credit_applied(session: Session, invoice: Invoice) -> int:
    """The credit notes applied to the invoice (and not reversed by a void)."""
    value = session.scalar(
        select(func.coalesce(func.sum(CreditNoteEntry.amount), 0)).where(
            CreditNoteEntry.nonprofit_id == invoice.nonprofit_id,
            CreditNoteEntry.invoice_id == invoice.id,
            CreditNoteEntry.kind == "applied",
            CreditNoteEntry.state == "done",
        )
    )
    return int(value or 0)


def _ever_refunded(session: Session, invoice: Invoice) -> bool:
    value = session.scalar(
        select(func.coalesce(func.sum(InvoicePayment.refunded), 0)).where(
            InvoicePayment.nonprofit_id == invoice.nonprofit_id,
            InvoicePayment.invoice_id == invoice.id,
        )
    )
    return bool(value)


def expected_status(session: Session, invoice: Invoice) -> str:
    """The status the invoice's entries call for (a void invoice stays void)."""
    if invoice.status == VOID:
        return VOID
    paid = payments_net(session, invoice) + credit_applied(session, invoice)
    if paid >= invoice.total:
        return PAID
    if paid == 0 and _ever_refunded(session, invoice):
        return REFUNDED
    return OPEN


def settle_status(session: Session, invoice: Invoice, now: dt.datetime) -> None:
    """Set the status from the entries (after every change of them), and move its items."""
    status = expected_status(session, invoice)
    if status != invoice.status:
        invoice.status = status
        invoice.updated_at = now
        move_items(session, invoice)


def _item_lines(session: Session, invoice: Invoice) -> list[InvoiceLine]:
    return list(
        session.scalars(
            select(InvoiceLine)
            .where(
                InvoiceLine.nonprofit_id == invoice.nonprofit_id,
                InvoiceLine.invoice_id == invoice.id,
                InvoiceLine.item_key.is_not(None),
            )
            .order_by(InvoiceLine.item_key)  # the order every writer locks items in
        )
    )


def move_items(session: Session, invoice: Invoice) -> None:
    """Issue the lines' held items once paid; give every item back once void or refunded.

    An invoice paid and then partly refunded (open again) keeps what it issued.
    """
    for line in _item_lines(session, invoice):
        assert line.item_key is not None
        key, nonprofit_id = line.item_key, invoice.nonprofit_id
        if invoice.status == PAID and line.item_state == HELD:
            inventory.issue_standing(session, nonprofit_id, key, line.quantity)
            line.item_state = ISSUED
        elif invoice.status in (VOID, REFUNDED) and line.item_state == HELD:
            inventory.release_standing(session, nonprofit_id, key, line.quantity)
            line.item_state = RELEASED
        elif invoice.status in (VOID, REFUNDED) and line.item_state == ISSUED:
            inventory.restock(session, nonprofit_id, key, line.quantity)
            line.item_state = RELEASED


def amount_due(session: Session, invoice: Invoice) -> int:
    """What may still be paid on the invoice (0 unless open)."""
    if invoice.status != OPEN:
        return 0
    paid = payments_net(session, invoice) + credit_applied(session, invoice)
    return max(invoice.total - paid, 0)


def create_invoice(
    app: HoudiniPay,
    nonprofit_id: str,
    supporter_id: str,
    lines: Sequence[LineInput],
    *,
    due_date: dt.date | None = None,
) -> dict[str, Any]:
    """Issue an invoice to a supporter of the nonprofit, in the nonprofit's currency."""
    total = _check_lines(lines)
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
            number=_next_number(app, session, nonprofit_id, "invoice"),
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


def get_invoice(app: HoudiniPay, nonprofit_id: str | None, invoice_id: str) -> dict[str, Any]:
    """The invoice as ``invoices show`` prints it; ``nonprofit_id`` None for an operator."""
    with app.session() as session:
        return invoice_dict(session, _find_invoice(session, nonprofit_id, invoice_id))


def _find_invoice(session: Session, nonprofit_id: str | None, invoice_id: str) -> Invoice:
    statement = select(Invoice).where(Invoice.id == invoice_id)
    if nonprofit_id is not None:
        statement = statement.where(Invoice.nonprofit_id == nonprofit_id)
    invoice = session.scalars(statement).first()
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}", code="invoice_not_found")
    return invoice


def _find_note(session: Session, nonprofit_id: str | None, note_id: str) -> CreditNote:
    statement = select(CreditNote).where(CreditNote.id == note_id)
    if nonprofit_id is not None:
        statement = statement.where(CreditNote.nonprofit_id == nonprofit_id)
    note = session.scalars(statement).first()
    if note is None:
        raise NotFound(f"no credit note {note_id}", code="credit_note_not_found")
    return note


def invoice_owner(app: HoudiniPay, invoice_id: str) -> str:
    """The nonprofit of an invoice (operator commands name the invoice alone)."""
    with app.session() as session:
        return _find_invoice(session, None, invoice_id).nonprofit_id


def note_owner(app: HoudiniPay, note_id: str) -> str:
    """The nonprofit of a credit note (operator commands name the note alone)."""
    with app.session() as session:
        return _find_note(session, None, note_id).nonprofit_id


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


def invoice_dict(session: Session, invoice: Invoice) -> dict[str, Any]:
    """The invoice with its lines, payments and credit notes, as JSON-ready values."""
    key = (invoice.nonprofit_id, invoice.id)
    lines = session.scalars(
        select(InvoiceLine)
        .where(InvoiceLine.nonprofit_id == key[0], InvoiceLine.invoice_id == key[1])
        .order_by(InvoiceLine.position)
    )
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
        "lines": [
            {
                "description": line.description,
                "quantity": line.quantity,
                "unit_amount": line.unit_amount,
                "amount": line.amount,
                **(
                    {"item_key": line.item_key, "item_state": line.item_state}
                    if line.item_key
                    else {}
                ),
            }
            for line in lines
        ],
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


def _new_note(
    app: HoudiniPay,
    session: Session,
    *,
    nonprofit_id: str,
    supporter_id: str,
    currency: str,
    amount: int,
    origin: str,
    invoice_id: str | None,
    reason: str | None,
    sources: Sequence[tuple[str, int]] = (),
) -> CreditNote:
    now = app.clock()
    note = CreditNote(
        nonprofit_id=nonprofit_id,
        id=new_id("cn"),
        number=_next_number(app, session, nonprofit_id, "credit_note"),
        supporter_id=supporter_id,
        currency=currency,
        amount=amount,
        remaining=amount,
        status=OPEN,
        origin=origin,
        invoice_id=invoice_id,
        reason=reason,
        created_at=now,
        updated_at=now,
    )
    session.add(note)
    session.flush()
    for payment_id, share in sources:
        session.add(
            CreditNoteSource(
                nonprofit_id=nonprofit_id,
                id=new_id("cns"),
                credit_note_id=note.id,
                payment_id=payment_id,
                amount=share,
                refunded=0,
            )
        )
    session.flush()
    return note


def _set_remaining(note: CreditNote, remaining: int, now: dt.datetime) -> None:
    note.remaining = remaining
    note.status = OPEN if remaining > 0 else "used"
    note.updated_at = now


def create_credit_note(
    app: HoudiniPay,
    nonprofit_id: str,
    supporter_id: str,
    amount: int,
    *,
    reason: str | None = None,
) -> dict[str, Any]:
    """Staff credit a supporter (goodwill): the note can be applied, not refunded."""
    _amount(amount, "amount")
    if reason is not None:
        text.check_text(reason, "reason")
        if len(reason) > 200:
            raise InvalidRequest("the reason is at most 200 characters", code="invalid_reason")
    nonprofit = app.get_nonprofit(nonprofit_id)
    app.get_supporter(supporter_id, nonprofit_id=nonprofit_id)
    with app.unit_of_work() as uow:
        note = _new_note(
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


def get_credit_note(app: HoudiniPay, nonprofit_id: str | None, note_id: str) -> dict[str, Any]:
    """The credit note; ``nonprofit_id`` None for an operator."""
    with app.session() as session:
        return credit_note_dict(session, _find_note(session, nonprofit_id, note_id))


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


def _in_progress() -> Conflict:
    return Conflict(
        "a payment of this invoice is in progress; try again once it has finished",
        code="invoice_payment_in_progress",
    )


def void_invoice(app: HoudiniPay, nonprofit_id: str, invoice_id: str) -> dict[str, Any]:
    """Void an open invoice; money already on it becomes a credit note for the supporter.

    Credit applied from other notes goes back on them. Refused (409) for a paid, void or
    refunded invoice, and while a payment of it is in flight (its hold would be orphaned).
    """
    with app.unit_of_work() as uow:
        session = uow.session
        invoice = _lock_invoice(session, nonprofit_id, invoice_id)
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
        shares = []
        for row in session.scalars(
            select(InvoicePayment)
            .where(
                InvoicePayment.nonprofit_id == nonprofit_id,
                InvoicePayment.invoice_id == invoice.id,
            )
            .order_by(InvoicePayment.id)
            .with_for_update()
        ):
            share = row.applied - row.refunded - row.moved
            if share > 0:
                row.moved += share
                shares.append((row.payment_id, share))
        for entry in session.scalars(
            select(CreditNoteEntry)
            .where(
                CreditNoteEntry.nonprofit_id == nonprofit_id,
                CreditNoteEntry.invoice_id == invoice.id,
                CreditNoteEntry.kind == "applied",
                CreditNoteEntry.state == "done",
            )
            .order_by(CreditNoteEntry.credit_note_id)
        ):
            note = _lock_note(session, nonprofit_id, entry.credit_note_id)
            entry.state = "reversed"
            _set_remaining(note, note.remaining + entry.amount, now)
        if counts.issued:
            inventory.restock(session, nonprofit_id, key, counts.issued)
        inventory.define_item(session, nonprofit_id, key, 0)
        invoice.status = VOID
        invoice.updated_at = now
        move_items(session, invoice)
        moved = sum(share for _payment, share in shares)
        if moved:
            _new_note(
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
        _amount(amount, "amount")
    with app.unit_of_work() as uow:
        session = uow.session
        # Invoice first, then note: every writer takes them in this order (void does too).
        invoice = _lock_invoice(session, nonprofit_id, invoice_id)
        note = _lock_note(session, nonprofit_id, note_id)
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
        _set_remaining(note, note.remaining - wanted, now)
        session.flush()
        settle_status(session, invoice, now)
        return invoice_dict(session, invoice)


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
        _new_note(
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
    invoice = _lock_invoice(session, nonprofit_id, row.invoice_id)
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
        note = _lock_note(session, nonprofit_id, source.credit_note_id)
        source.refunded += take
        left -= take
        if pending is None:
            # Refunded around the note: what the supporter got back is no longer owed.
            _set_remaining(note, note.remaining - take, now)
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
    if pending is not None:
        pending.state = "done"
        pending.refund_id = refund.id
    session.flush()
    settle_status(session, invoice, now)


def refund_credit_note(app: HoudiniPay, nonprofit_id: str, note_id: str) -> dict[str, Any]:
    """Give what remains on a credit note back through the payments it came from.

    Each share is refunded through its own payment's processor, never more than that
    payment brought to the note. The note's remaining falls when the entry is written,
    before the processor is asked, so two refunds at once never give back the same money;
    a refused refund puts its share back.
    """
    with app.unit_of_work() as uow:
        session = uow.session
        note = _lock_note(session, nonprofit_id, note_id)
        if note.remaining == 0:
            raise Conflict(f"credit note {note.number} is used up", code="credit_note_used")
        now = app.clock()
        planned: list[tuple[str, str, int]] = []
        left = note.remaining
        for source in session.scalars(
            select(CreditNoteSource)
            .where(
                CreditNoteSource.nonprofit_id == nonprofit_id,
                CreditNoteSource.credit_note_id == note.id,
            )
            .order_by(CreditNoteSource.id)
        ):
            in_flight = session.scalar(
                select(func.coalesce(func.sum(CreditNoteEntry.amount), 0)).where(
                    CreditNoteEntry.nonprofit_id == nonprofit_id,
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
                    nonprofit_id=nonprofit_id,
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
        if not planned:
            raise Conflict(
                f"credit note {note.number} came from no payment that can be refunded "
                "(staff credit is applied to invoices, never paid out)",
                code="credit_note_not_refundable",
            )
        _set_remaining(note, left, now)
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
        note = _lock_note(session, nonprofit_id, note_id)
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
            _set_remaining(note, note.remaining + int(result[0]), app.clock())


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
    for line in _item_lines(session, invoice):
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
