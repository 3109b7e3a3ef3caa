"""Tables of the invoices plugin (on the shared metadata, migrated by its own branch).

Every table is keyed by ``(nonprofit_id, id)`` and every reference, between them and to the
core's supporters and payments, carries the nonprofit, so rows of one tenant can never point
at another's and the tables shard by nonprofit with the core's. What an invoice still lets be
paid is not counted here: it is the core limited item ``invoice:<id>`` (capacity: total less
credit applied; issued: what payments brought), whose conditional updates keep concurrent
payments from paying it twice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay import Base, tenant_foreign_key, utcnow

__all__ = [
    "CreditNote",
    "CreditNoteEntry",
    "CreditNoteSource",
    "DocumentCounter",
    "Invoice",
    "InvoiceLine",
    "InvoicePayment",
]

_ID = String(40)


class DocumentCounter(Base):
    """The last number given to a kind of document (``invoice``, ``credit_note``).

    Numbers are taken by incrementing this row in the transaction that writes the document,
    so a rolled-back document gives its number back: numbers are gapless per nonprofit.
    """

    __tablename__ = "invoice_counters"

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_number: Mapped[int] = mapped_column(BigInteger)


class Invoice(Base):
    """A bill to one supporter: status, total and dates (amounts in minor units)."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("nonprofit_id", "number", name="uq_invoices_number"),
        tenant_foreign_key("invoices", "supporter_id", "supporters"),
    )

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    id: Mapped[str] = mapped_column(_ID, primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    supporter_id: Mapped[str] = mapped_column(_ID, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    total: Mapped[int] = mapped_column(BigInteger)
    issue_date: Mapped[dt.date]
    due_date: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class InvoiceLine(Base):
    """One line of an invoice: description, quantity and unit amount.

    A line may sell ``quantity`` of a core limited item (``item_key``, a ticket level's
    seats): a standing hold while the invoice is open, issued when it is paid, given back
    when it is voided or refunded. ``item_state`` is ``held``, ``issued`` or ``released``.
    """

    __tablename__ = "invoice_lines"
    __table_args__ = (
        ForeignKeyConstraint(
            ["nonprofit_id", "invoice_id"],
            ["invoices.nonprofit_id", "invoices.id"],
            name="fk_invoice_lines_invoice",
        ),
    )

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    id: Mapped[str] = mapped_column(_ID, primary_key=True)
    invoice_id: Mapped[str] = mapped_column(_ID, index=True)
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit_amount: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    item_key: Mapped[str | None] = mapped_column(String(120))
    item_state: Mapped[str | None] = mapped_column(String(20))


class InvoicePayment(Base):
    """How a payment of the ``invoice`` type is shared out.

    ``applied`` went to the invoice, ``excess`` (an overpayment) to a credit note.
    ``refunded`` is what refunds took back from the invoice's share, ``moved`` what voiding
    the invoice turned into a credit note; the share still on the invoice is
    ``applied - refunded - moved``.
    """

    __tablename__ = "invoice_payments"
    __table_args__ = (
        UniqueConstraint("nonprofit_id", "payment_id", name="uq_invoice_payments_payment"),
        ForeignKeyConstraint(
            ["nonprofit_id", "invoice_id"],
            ["invoices.nonprofit_id", "invoices.id"],
            name="fk_invoice_payments_invoice",
        ),
        tenant_foreign_key("invoice_payments", "payment_id", "payments"),
    )

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    id: Mapped[str] = mapped_column(_ID, primary_key=True)
    invoice_id: Mapped[str] = mapped_column(_ID, index=True)
    payment_id: Mapped[str] = mapped_column(_ID)
    processor: Mapped[str] = mapped_column(String(50))
    applied: Mapped[int] = mapped_column(BigInteger)
    excess: Mapped[int] = mapped_column(BigInteger)
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    moved: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CreditNote(Base):
    """Money a supporter is owed: ``remaining`` of ``amount`` can still be applied or refunded.

    ``origin`` is ``overpayment``, ``void`` or ``staff``; ``invoice_id`` the invoice it came
    from (None for staff's). ``status`` is ``open`` while something remains, then ``used``.
    """

    __tablename__ = "credit_notes"
    __table_args__ = (
        UniqueConstraint("nonprofit_id", "number", name="uq_credit_notes_number"),
        ForeignKeyConstraint(
            ["nonprofit_id", "invoice_id"],
            ["invoices.nonprofit_id", "invoices.id"],
            name="fk_credit_notes_invoice",
        ),
        tenant_foreign_key("credit_notes", "supporter_id", "supporters"),
    )

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    id: Mapped[str] = mapped_column(_ID, primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    supporter_id: Mapped[str] = mapped_column(_ID, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(20))
    invoice_id: Mapped[str | None] = mapped_column(_ID)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CreditNoteSource(Base):
    """A payment whose money is (part of) a credit note: refunds go back through it."""

    __tablename__ = "credit_note_sources"
    __table_args__ = (
        ForeignKeyConstraint(
            ["nonprofit_id", "credit_note_id"],
            ["credit_notes.nonprofit_id", "credit_notes.id"],
            name="fk_credit_note_sources_credit_note",
        ),
        tenant_foreign_key("credit_note_sources", "payment_id", "payments"),
    )

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    id: Mapped[str] = mapped_column(_ID, primary_key=True)
    credit_note_id: Mapped[str] = mapped_column(_ID, index=True)
    payment_id: Mapped[str] = mapped_column(_ID, index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    refunded: Mapped[int] = mapped_column(BigInteger, default=0)


class CreditNoteEntry(Base):
    """An immutable use of a credit note: ``applied`` to an invoice, or ``refunded``.

    A refund entry is written ``pending`` before the processor is asked and becomes ``done``
    (with the refund payment) or ``failed``; an application is ``done`` at once, and
    ``reversed`` when its invoice is voided (the money goes back on the note).
    """

    __tablename__ = "credit_note_entries"
    __table_args__ = (
        ForeignKeyConstraint(
            ["nonprofit_id", "credit_note_id"],
            ["credit_notes.nonprofit_id", "credit_notes.id"],
            name="fk_credit_note_entries_credit_note",
        ),
        ForeignKeyConstraint(
            ["nonprofit_id", "invoice_id"],
            ["invoices.nonprofit_id", "invoices.id"],
            name="fk_credit_note_entries_invoice",
        ),
    )

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    id: Mapped[str] = mapped_column(_ID, primary_key=True)
    credit_note_id: Mapped[str] = mapped_column(_ID, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)
    invoice_id: Mapped[str | None] = mapped_column(_ID)
    payment_id: Mapped[str | None] = mapped_column(_ID)
    refund_id: Mapped[str | None] = mapped_column(_ID)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
