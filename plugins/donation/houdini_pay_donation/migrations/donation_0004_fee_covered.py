"""donation fee covered: what a donor added to a gift to cover the processor's fee

Revision ID: donation_0004
Revises: donation_0003

A nullable column: existing gifts covered no fee (NULL), as do gifts whose donor did not
tick the box.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "donation_0004"
down_revision: str | Sequence[str] | None = "donation_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``donations.fee_covered``."""
    with op.batch_alter_table("donations") as batch:
        batch.add_column(sa.Column("fee_covered", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Drop ``donations.fee_covered``."""
    with op.batch_alter_table("donations") as batch:
        batch.drop_column("fee_covered")
