"""page settings: the donor pages' branding and the sites that may frame them

Revision ID: core_page_settings
Revises: core_rate_limits
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_page_settings"
down_revision: str | Sequence[str] | None = "core_rate_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "page_settings",
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("logo_url", sa.String(length=2000), nullable=True),
        sa.Column("accent", sa.String(length=7), nullable=True),
        sa.Column("headline", sa.String(length=200), nullable=True),
        sa.Column("story", sa.Text(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("presets", sa.JSON(), nullable=False),
        sa.Column("frame_ancestors", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_page_settings_nonprofit_id_nonprofits"),
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", name=op.f("pk_page_settings")),
    )


def downgrade() -> None:
    op.drop_table("page_settings")
