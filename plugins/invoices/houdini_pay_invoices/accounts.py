"""What an invoice or credit note holds: amounts, status, items, locks and numbers.

Amounts are whole minor units. An invoice's ``amount_paid`` is what its payments still
hold (``applied - refunded - moved``) plus the credit applied to it; what is due is the
total less that. The core limited item ``invoice:<id>`` guards it under concurrency: its
capacity is the total less the credit applied, a payment holds (then issues) its amount, a
refund restocks it. Every change locks the invoice row first (then its notes, then items),
so changes to one invoice queue and changes to different invoices never wait on each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from houdini_pay import HoudiniPay, inventory, new_id, text
from houdini_pay.errors import InvalidRequest, NotFound
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
    "HELD",
    "ISSUED",
    "MAX_LINES",
    "MAX_TOTAL",
    "OPEN",
    "PAID",
    "REFUNDED",
    "RELEASED",
    "STATUSES",
    "VOID",
    "LineInput",
    "amount_due",
    "check_amount",
    "check_lines",
    "credit_applied",
    "expected_status",
    "item_key",
    "item_lines",
    "lock_invoice",
    "lock_note",
    "move_items",
    "new_note",
    "next_number",
    "payments_net",
    "set_remaining",
    "settle_status",
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


def next_number(app: HoudiniPay, session: Session, nonprofit_id: str, kind: str) -> str:
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


def check_amount(value: object, name: str, *, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_TOTAL:
        raise InvalidRequest(
            f"{name} must be a whole number of minor units from {low} to {MAX_TOTAL}",
            code="invalid_amount",
            details={"field": name},
        )
    return value


def check_lines(lines: Sequence[LineInput]) -> int:
    if not 1 <= len(lines) <= MAX_LINES:
        raise InvalidRequest(f"an invoice has 1 to {MAX_LINES} lines", code="invalid_lines")
    total = 0
    for line in lines:
        description = text.check_text(line.description, "description")
        if not 1 <= len(description.strip()) <= 200 or len(description) > 200:
            raise InvalidRequest(
                "a line's description must be 1 to 200 characters", code="invalid_lines"
            )
        total += check_amount(line.unit_amount, "unit amount") * check_amount(
            line.quantity, "quantity"
        )
    return check_amount(total, "total")


def lock_invoice(session: Session, nonprofit_id: str, invoice_id: str) -> Invoice:
    invoice = session.get(
        Invoice, (nonprofit_id, invoice_id), with_for_update=True, populate_existing=True
    )
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}", code="invoice_not_found")
    return invoice


def lock_note(session: Session, nonprofit_id: str, note_id: str) -> CreditNote:
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


def item_lines(session: Session, invoice: Invoice) -> list[InvoiceLine]:
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
    for line in item_lines(session, invoice):
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


def new_note(
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
        number=next_number(app, session, nonprofit_id, "credit_note"),
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


def set_remaining(note: CreditNote, remaining: int, now: dt.datetime) -> None:
    note.remaining = remaining
    note.status = OPEN if remaining > 0 else "used"
    note.updated_at = now
