"""receipts: gapless annual receipt numbers per nonprofit

Revision ID: core_receipts
Revises: core_0001
Create Date: 2026-11-25 20:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_receipts"
down_revision: str | Sequence[str] | None = "core_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "receipts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("supporter_id", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"], ["nonprofits.id"], name=op.f("fk_receipts_nonprofit_id_nonprofits")
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"], ["supporters.id"], name=op.f("fk_receipts_supporter_id_supporters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipts")),
        sa.UniqueConstraint(
            "nonprofit_id", "year", "number", name="uq_receipts_nonprofit_id_year_number"
        ),
        sa.UniqueConstraint(
            "nonprofit_id",
            "year",
            "supporter_id",
            name="uq_receipts_nonprofit_id_year_supporter_id",
        ),
    )
    op.create_index(op.f("ix_receipts_supporter_id"), "receipts", ["supporter_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_receipts_supporter_id"), table_name="receipts")
    op.drop_table("receipts")
