"""core tables

Revision ID: core_0001
Revises:
Create Date: 2026-11-25 19:14:14.136546
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("houdini_pay",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nonprofits",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nonprofits")),
        sa.UniqueConstraint("slug", name=op.f("uq_nonprofits_slug")),
    )
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("processor", sa.String(length=50), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
        sa.UniqueConstraint("processor", "event_id", name="uq_webhook_events_processor_event_id"),
    )
    op.create_table(
        "limited_items",
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("item_key", sa.String(length=120), nullable=False),
        sa.Column("capacity", sa.BigInteger(), nullable=True),
        sa.Column("issued", sa.BigInteger(), nullable=False),
        sa.Column("held", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_limited_items_nonprofit_id_nonprofits"),
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", "item_key", name=op.f("pk_limited_items")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"], ["nonprofits.id"], name=op.f("fk_outbox_nonprofit_id_nonprofits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_published_at_id", "outbox", ["published_at", "id"], unique=False)
    op.create_table(
        "plugin_settings",
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("symbol", sa.String(length=50), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_plugin_settings_nonprofit_id_nonprofits"),
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", "kind", "symbol", name=op.f("pk_plugin_settings")),
    )
    op.create_table(
        "supporters",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"], ["nonprofits.id"], name=op.f("fk_supporters_nonprofit_id_nonprofits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supporters")),
    )
    op.create_index(
        "ix_supporters_nonprofit_id_id", "supporters", ["nonprofit_id", "id"], unique=False
    )
    op.create_table(
        "addresses",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("supporter_id", sa.String(length=40), nullable=False),
        sa.Column("line1", sa.String(length=200), nullable=False),
        sa.Column("line2", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"], ["nonprofits.id"], name=op.f("fk_addresses_nonprofit_id_nonprofits")
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"], ["supporters.id"], name=op.f("fk_addresses_supporter_id_supporters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addresses")),
    )
    op.create_index(op.f("ix_addresses_nonprofit_id"), "addresses", ["nonprofit_id"], unique=False)
    op.create_index(op.f("ix_addresses_supporter_id"), "addresses", ["supporter_id"], unique=False)
    op.create_table(
        "sources",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("supporter_id", sa.String(length=40), nullable=False),
        sa.Column("processor", sa.String(length=50), nullable=False),
        sa.Column("source_type", sa.String(length=50), nullable=False),
        sa.Column("processor_reference", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"], ["nonprofits.id"], name=op.f("fk_sources_nonprofit_id_nonprofits")
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"], ["supporters.id"], name=op.f("fk_sources_supporter_id_supporters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
    )
    op.create_index(op.f("ix_sources_nonprofit_id"), "sources", ["nonprofit_id"], unique=False)
    op.create_index(op.f("ix_sources_supporter_id"), "sources", ["supporter_id"], unique=False)
    op.create_table(
        "payment_attempts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("operation", sa.String(length=20), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("processor", sa.String(length=50), nullable=False),
        sa.Column("payment_type", sa.String(length=50), nullable=True),
        sa.Column("supporter_id", sa.String(length=40), nullable=True),
        sa.Column("source_id", sa.String(length=40), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("processor_reference", sa.String(length=255), nullable=True),
        sa.Column("next_action", sa.JSON(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("payment_id", sa.String(length=40), nullable=True),
        sa.Column("parent_payment_id", sa.String(length=40), nullable=True),
        sa.Column("reconcile_count", sa.BigInteger(), nullable=False),
        sa.Column("reversal_pending", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_payment_attempts_nonprofit_id_nonprofits"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_payment_attempts_source_id_sources")
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"],
            ["supporters.id"],
            name=op.f("fk_payment_attempts_supporter_id_supporters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attempts")),
        sa.UniqueConstraint(
            "nonprofit_id",
            "idempotency_key",
            name="uq_payment_attempts_nonprofit_id_idempotency_key",
        ),
    )
    op.create_index(
        op.f("ix_payment_attempts_parent_payment_id"),
        "payment_attempts",
        ["parent_payment_id"],
        unique=False,
    )
    op.create_index(
        "ix_payment_attempts_state_updated_at",
        "payment_attempts",
        ["state", "updated_at"],
        unique=False,
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("supporter_id", sa.String(length=40), nullable=True),
        sa.Column("attempt_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("net", sa.BigInteger(), nullable=False),
        sa.Column("amount_refunded", sa.BigInteger(), nullable=False),
        sa.Column("processor", sa.String(length=50), nullable=False),
        sa.Column("processor_reference", sa.String(length=255), nullable=True),
        sa.Column("payment_type", sa.String(length=50), nullable=True),
        sa.Column("source_id", sa.String(length=40), nullable=True),
        sa.Column("parent_id", sa.String(length=40), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"], ["nonprofits.id"], name=op.f("fk_payments_nonprofit_id_nonprofits")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["payments.id"], name=op.f("fk_payments_parent_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_payments_source_id_sources")
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"], ["supporters.id"], name=op.f("fk_payments_supporter_id_supporters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index(
        "ix_payments_nonprofit_id_created_at",
        "payments",
        ["nonprofit_id", "created_at"],
        unique=False,
    )
    op.create_index("ix_payments_nonprofit_id_id", "payments", ["nonprofit_id", "id"], unique=False)
    op.create_index(op.f("ix_payments_parent_id"), "payments", ["parent_id"], unique=False)
    op.create_index("ix_payments_supporter_id", "payments", ["supporter_id"], unique=False)
    op.create_table(
        "reservations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("attempt_id", sa.String(length=40), nullable=False),
        sa.Column("item_key", sa.String(length=120), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["payment_attempts.id"],
            name=op.f("fk_reservations_attempt_id_payment_attempts"),
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_reservations_nonprofit_id_nonprofits"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
    )
    op.create_index(
        op.f("ix_reservations_attempt_id"), "reservations", ["attempt_id"], unique=False
    )
    op.create_index(
        "ix_reservations_item_state_expires",
        "reservations",
        ["nonprofit_id", "item_key", "state", "expires_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_reservations_item_state_expires", table_name="reservations")
    op.drop_index(op.f("ix_reservations_attempt_id"), table_name="reservations")
    op.drop_table("reservations")
    op.drop_index("ix_payments_supporter_id", table_name="payments")
    op.drop_index(op.f("ix_payments_parent_id"), table_name="payments")
    op.drop_index("ix_payments_nonprofit_id_id", table_name="payments")
    op.drop_index("ix_payments_nonprofit_id_created_at", table_name="payments")
    op.drop_table("payments")
    op.drop_index("ix_payment_attempts_state_updated_at", table_name="payment_attempts")
    op.drop_index(op.f("ix_payment_attempts_parent_payment_id"), table_name="payment_attempts")
    op.drop_table("payment_attempts")
    op.drop_index(op.f("ix_sources_supporter_id"), table_name="sources")
    op.drop_index(op.f("ix_sources_nonprofit_id"), table_name="sources")
    op.drop_table("sources")
    op.drop_index(op.f("ix_addresses_supporter_id"), table_name="addresses")
    op.drop_index(op.f("ix_addresses_nonprofit_id"), table_name="addresses")
    op.drop_table("addresses")
    op.drop_index("ix_supporters_nonprofit_id_id", table_name="supporters")
    op.drop_table("supporters")
    op.drop_table("plugin_settings")
    op.drop_index("ix_outbox_published_at_id", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("limited_items")
    op.drop_table("webhook_events")
    op.drop_table("nonprofits")
