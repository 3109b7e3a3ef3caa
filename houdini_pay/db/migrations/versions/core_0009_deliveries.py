"""deliveries: webhook endpoints, deliveries and their attempts; outbox dispatch mark

Revision ID: core_deliveries
Revises: core_tenant_keys
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "core_deliveries"
down_revision: str | Sequence[str] | None = "core_tenant_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(_when("dispatched_at", True))
    op.create_index("ix_outbox_dispatched_at_id", "outbox", ["dispatched_at", "id"])
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=200), nullable=True),
        _when("failing_since", True),
        _when("created_at", False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_webhook_endpoints_nonprofit_id_nonprofits"),
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", "id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=60), nullable=False),
        sa.Column("endpoint_id", sa.String(length=40), nullable=True),
        sa.Column("ordering_key", sa.String(length=60), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("next_attempt_at", False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        _when("claimed_until", True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_status_code", sa.BigInteger(), nullable=True),
        _when("created_at", False),
        _when("queued_at", False),
        _when("completed_at", True),
        sa.ForeignKeyConstraint(
            ["nonprofit_id", "endpoint_id"],
            ["webhook_endpoints.nonprofit_id", "webhook_endpoints.id"],
            name=op.f("fk_deliveries_endpoint_id_webhook_endpoints"),
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id", "event_id"],
            ["outbox.nonprofit_id", "outbox.id"],
            name=op.f("fk_deliveries_event_id_outbox"),
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"], ["nonprofits.id"], name=op.f("fk_deliveries_nonprofit_id_nonprofits")
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", "id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint(
            "nonprofit_id", "event_id", "target", name="uq_deliveries_nonprofit_id_event_id_target"
        ),
    )
    op.create_index(
        "ix_deliveries_status_next_attempt_at", "deliveries", ["status", "next_attempt_at"]
    )
    op.create_index(
        "ix_deliveries_target_ordering_key", "deliveries", ["target", "ordering_key", "event_id"]
    )
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("delivery_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=100), nullable=False),
        _when("started_at", False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["nonprofit_id", "delivery_id"],
            ["deliveries.nonprofit_id", "deliveries.id"],
            name=op.f("fk_delivery_attempts_delivery_id_deliveries"),
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_delivery_attempts_nonprofit_id_nonprofits"),
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", "id", name=op.f("pk_delivery_attempts")),
    )
    op.create_index(
        "ix_delivery_attempts_delivery_id", "delivery_attempts", ["delivery_id", "number"]
    )


def downgrade() -> None:
    op.drop_index("ix_delivery_attempts_delivery_id", table_name="delivery_attempts")
    op.drop_table("delivery_attempts")
    op.drop_index("ix_deliveries_target_ordering_key", table_name="deliveries")
    op.drop_index("ix_deliveries_status_next_attempt_at", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("webhook_endpoints")
    op.drop_index("ix_outbox_dispatched_at_id", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("dispatched_at")
