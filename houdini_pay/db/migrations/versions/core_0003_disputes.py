"""disputes, and indexes to find attempts and payments by processor reference

Revision ID: core_disputes
Revises: core_receipts
Create Date: 2026-11-25 20:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_disputes"
down_revision: str | Sequence[str] | None = "core_receipts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("processor", sa.String(length=50), nullable=False),
        sa.Column("processor_reference", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"], ["nonprofits.id"], name=op.f("fk_disputes_nonprofit_id_nonprofits")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_disputes_payment_id_payments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint(
            "processor", "processor_reference", name="uq_disputes_processor_processor_reference"
        ),
    )
    op.create_index(op.f("ix_disputes_nonprofit_id"), "disputes", ["nonprofit_id"], unique=False)
    op.create_index(op.f("ix_disputes_payment_id"), "disputes", ["payment_id"], unique=False)
    op.create_index(
        "ix_payment_attempts_processor_reference",
        "payment_attempts",
        ["processor", "processor_reference"],
        unique=False,
    )
    op.create_index(
        "ix_payments_processor_reference",
        "payments",
        ["processor", "processor_reference"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_payments_processor_reference", table_name="payments")
    op.drop_index("ix_payment_attempts_processor_reference", table_name="payment_attempts")
    op.drop_index(op.f("ix_disputes_payment_id"), table_name="disputes")
    op.drop_index(op.f("ix_disputes_nonprofit_id"), table_name="disputes")
    op.drop_table("disputes")
