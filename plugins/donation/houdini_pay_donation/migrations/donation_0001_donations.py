"""donations

Revision ID: donation_0001
Revises:
Create Date: 2026-11-25 19:14:18.236918
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "donation_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("houdini_pay_donation",)
depends_on: str | Sequence[str] | None = "core_0001"


def upgrade() -> None:
    op.create_table(
        "donations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("supporter_id", sa.String(length=40), nullable=False),
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("designation", sa.String(length=200), nullable=True),
        sa.Column("dedication", sa.JSON(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"], ["nonprofits.id"], name=op.f("fk_donations_nonprofit_id_nonprofits")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_donations_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"], ["supporters.id"], name=op.f("fk_donations_supporter_id_supporters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_donations")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_donations_payment_id")),
    )
    op.create_index(op.f("ix_donations_nonprofit_id"), "donations", ["nonprofit_id"], unique=False)
    op.create_index(op.f("ix_donations_supporter_id"), "donations", ["supporter_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_donations_supporter_id"), table_name="donations")
    op.drop_index(op.f("ix_donations_nonprofit_id"), table_name="donations")
    op.drop_table("donations")
