"""rate limit windows shared by every server process

Revision ID: core_rate_limits
Revises: core_deliveries
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_rate_limits"
down_revision: str | Sequence[str] | None = "core_deliveries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_windows",
        sa.Column("scope", sa.String(length=50), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("window", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "client", "window", name=op.f("pk_rate_limit_windows")),
    )
    op.create_index("ix_rate_limit_windows_window", "rate_limit_windows", ["window"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_windows_window", table_name="rate_limit_windows")
    op.drop_table("rate_limit_windows")
