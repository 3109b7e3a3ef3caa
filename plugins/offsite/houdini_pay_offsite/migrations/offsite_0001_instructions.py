"""offsite instructions: the bank-transfer instructions each nonprofit's staff write

Revision ID: offsite_0001
Revises:
Create Date: 2026-11-27 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "offsite_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("houdini_pay_offsite",)
depends_on: str | Sequence[str] | None = "core_0001"


def upgrade() -> None:
    op.create_table(
        "offsite_instructions",
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_offsite_instructions_nonprofit_id_nonprofits"),
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", name=op.f("pk_offsite_instructions")),
    )


def downgrade() -> None:
    op.drop_table("offsite_instructions")
