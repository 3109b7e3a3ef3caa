"""channel of attempts and payments

Revision ID: core_channel
Revises: core_public_submissions

Every attempt and payment records where it came from (``api``, ``cli``, ``page``,
``recurring``, ``staff``). Rows written before have no record of it: they get ``api``,
except the charges the core's public pages made, whose idempotency keys the pages wrote as
``web-<key>`` (and their payments), which get ``page``, so a page's payment still pending when
the database is upgraded still gets its receipt when it completes. From this revision on the
channel is always set by the entry point, never read from a key.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_channel"
down_revision: str | Sequence[str] | None = "core_public_submissions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("payment_attempts", "payments")


def upgrade() -> None:
    for table in _TABLES:
        op.add_column(
            table,
            sa.Column("channel", sa.String(length=20), server_default="api", nullable=False),
        )
    op.execute(
        "UPDATE payment_attempts SET channel = 'page' "
        "WHERE operation = 'charge' AND idempotency_key LIKE 'web-%'"
    )
    op.execute(
        "UPDATE payments SET channel = 'page' WHERE attempt_id IN ("
        "SELECT id FROM payment_attempts WHERE channel = 'page')"
    )


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("channel")
