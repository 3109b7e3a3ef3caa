"""invoices: invoices, their lines and payments, credit notes, number counters

Revision ID: invoices_0001
Revises:

Depends on core_tenant_keys: references to the core's supporters and payments are
(nonprofit_id, id) keys, which the core's tables have from that revision on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "invoices_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("houdini_pay_invoices",)
depends_on: str | Sequence[str] | None = "core_tenant_keys"


def upgrade() -> None:
    op.create_table(
        "invoice_counters",
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("last_number", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_invoice_counters_nonprofit_id_nonprofits"),
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", "kind", name=op.f("pk_invoice_counters")),
    )
    op.create_table(
        "invoices",
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("supporter_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"], ["nonprofits.id"], name=op.f("fk_invoices_nonprofit_id_nonprofits")
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id", "supporter_id"],
            ["supporters.nonprofit_id", "supporters.id"],
            name="fk_invoices_supporter_id_supporters",
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", "id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("nonprofit_id", "number", name="uq_invoices_number"),
    )
    op.create_index(op.f("ix_invoices_supporter_id"), "invoices", ["supporter_id"], unique=False)
    op.create_table(
        "credit_notes",
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("supporter_id", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id", "invoice_id"],
            ["invoices.nonprofit_id", "invoices.id"],
            name="fk_credit_notes_invoice",
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_credit_notes_nonprofit_id_nonprofits"),
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id", "supporter_id"],
            ["supporters.nonprofit_id", "supporters.id"],
            name="fk_credit_notes_supporter_id_supporters",
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", "id", name=op.f("pk_credit_notes")),
        sa.UniqueConstraint("nonprofit_id", "number", name="uq_credit_notes_number"),
    )
    op.create_index(
        op.f("ix_credit_notes_supporter_id"), "credit_notes", ["supporter_id"], unique=False
    )
    op.create_table(
        "invoice_lines",
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("unit_amount", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("item_key", sa.String(length=120), nullable=True),
        sa.Column("item_state", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["nonprofit_id", "invoice_id"],
            ["invoices.nonprofit_id", "invoices.id"],
            name="fk_invoice_lines_invoice",
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_invoice_lines_nonprofit_id_nonprofits"),
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", "id", name=op.f("pk_invoice_lines")),
    )
    op.create_index(
        op.f("ix_invoice_lines_invoice_id"), "invoice_lines", ["invoice_id"], unique=False
    )
    op.create_table(
        "credit_note_entries",
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("credit_note_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=True),
        sa.Column("payment_id", sa.String(length=40), nullable=True),
        sa.Column("refund_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id", "credit_note_id"],
            ["credit_notes.nonprofit_id", "credit_notes.id"],
            name="fk_credit_note_entries_credit_note",
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id", "invoice_id"],
            ["invoices.nonprofit_id", "invoices.id"],
            name="fk_credit_note_entries_invoice",
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_credit_note_entries_nonprofit_id_nonprofits"),
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", "id", name=op.f("pk_credit_note_entries")),
    )
    op.create_index(
        op.f("ix_credit_note_entries_credit_note_id"),
        "credit_note_entries",
        ["credit_note_id"],
        unique=False,
    )
    op.create_table(
        "credit_note_sources",
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("credit_note_id", sa.String(length=40), nullable=False),
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id", "credit_note_id"],
            ["credit_notes.nonprofit_id", "credit_notes.id"],
            name="fk_credit_note_sources_credit_note",
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_credit_note_sources_nonprofit_id_nonprofits"),
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id", "payment_id"],
            ["payments.nonprofit_id", "payments.id"],
            name="fk_credit_note_sources_payment_id_payments",
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", "id", name=op.f("pk_credit_note_sources")),
    )
    op.create_index(
        op.f("ix_credit_note_sources_credit_note_id"),
        "credit_note_sources",
        ["credit_note_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_credit_note_sources_payment_id"),
        "credit_note_sources",
        ["payment_id"],
        unique=False,
    )
    op.create_table(
        "invoice_payments",
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("invoice_id", sa.String(length=40), nullable=False),
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("processor", sa.String(length=50), nullable=False),
        sa.Column("applied", sa.BigInteger(), nullable=False),
        sa.Column("excess", sa.BigInteger(), nullable=False),
        sa.Column("refunded", sa.BigInteger(), nullable=False),
        sa.Column("moved", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id", "invoice_id"],
            ["invoices.nonprofit_id", "invoices.id"],
            name="fk_invoice_payments_invoice",
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_invoice_payments_nonprofit_id_nonprofits"),
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id", "payment_id"],
            ["payments.nonprofit_id", "payments.id"],
            name="fk_invoice_payments_payment_id_payments",
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", "id", name=op.f("pk_invoice_payments")),
        sa.UniqueConstraint("nonprofit_id", "payment_id", name="uq_invoice_payments_payment"),
    )
    op.create_index(
        op.f("ix_invoice_payments_invoice_id"), "invoice_payments", ["invoice_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_invoice_payments_invoice_id"), table_name="invoice_payments")
    op.drop_table("invoice_payments")
    op.drop_index(op.f("ix_credit_note_sources_payment_id"), table_name="credit_note_sources")
    op.drop_index(op.f("ix_credit_note_sources_credit_note_id"), table_name="credit_note_sources")
    op.drop_table("credit_note_sources")
    op.drop_index(op.f("ix_credit_note_entries_credit_note_id"), table_name="credit_note_entries")
    op.drop_table("credit_note_entries")
    op.drop_index(op.f("ix_invoice_lines_invoice_id"), table_name="invoice_lines")
    op.drop_table("invoice_lines")
    op.drop_index(op.f("ix_credit_notes_supporter_id"), table_name="credit_notes")
    op.drop_table("credit_notes")
    op.drop_index(op.f("ix_invoices_supporter_id"), table_name="invoices")
    op.drop_table("invoices")
    op.drop_table("invoice_counters")
