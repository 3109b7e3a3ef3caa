"""public submissions

Revision ID: core_public_submissions
Revises: core_api_keys
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_public_submissions"
down_revision: str | Sequence[str] | None = "core_api_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "public_submissions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("page", sa.String(length=50), nullable=False),
        sa.Column("supporter_id", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=40), nullable=True),
        sa.Column("attempt_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_public_submissions_nonprofit_id_nonprofits"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_public_submissions_source_id_sources")
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"],
            ["supporters.id"],
            name=op.f("fk_public_submissions_supporter_id_supporters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_submissions")),
        sa.UniqueConstraint(
            "nonprofit_id", "key", name=op.f("uq_public_submissions_nonprofit_id_key")
        ),
    )


def downgrade() -> None:
    op.drop_table("public_submissions")
