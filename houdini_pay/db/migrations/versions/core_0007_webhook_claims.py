"""webhook claims and waiting events

Revision ID: core_webhook_claims
Revises: core_channel
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_webhook_claims"
down_revision: str | Sequence[str] | None = "core_channel"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_events") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("waiting_for", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("waiting_observations", sa.JSON(), nullable=True))
    op.create_index("ix_webhook_events_waiting_for", "webhook_events", ["processor", "waiting_for"])


def downgrade() -> None:
    op.drop_index("ix_webhook_events_waiting_for", table_name="webhook_events")
    with op.batch_alter_table("webhook_events") as batch:
        batch.drop_column("waiting_observations")
        batch.drop_column("waiting_for")
        batch.drop_column("claimed_at")
