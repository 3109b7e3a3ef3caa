"""tickets: events, ticket levels and issued tickets

Revision ID: tickets_0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "tickets_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("houdini_pay_tickets",)
depends_on: str | Sequence[str] | None = "core_0001"


def upgrade() -> None:
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_ticket_events_nonprofit_id_nonprofits"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    op.create_index(
        op.f("ix_ticket_events_nonprofit_id"), "ticket_events", ["nonprofit_id"], unique=False
    )
    op.create_table(
        "ticket_levels",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("seat_limit", sa.BigInteger(), nullable=True),
        sa.Column("fair_market_value", sa.BigInteger(), nullable=True),
        sa.Column("sales_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sales_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["ticket_events.id"], name=op.f("fk_ticket_levels_event_id_ticket_events")
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_ticket_levels_nonprofit_id_nonprofits"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_levels")),
    )
    op.create_index(op.f("ix_ticket_levels_event_id"), "ticket_levels", ["event_id"], unique=False)
    op.create_index(
        op.f("ix_ticket_levels_nonprofit_id"), "ticket_levels", ["nonprofit_id"], unique=False
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("level_id", sa.String(length=40), nullable=False),
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("supporter_id", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["ticket_events.id"], name=op.f("fk_tickets_event_id_ticket_events")
        ),
        sa.ForeignKeyConstraint(
            ["level_id"], ["ticket_levels.id"], name=op.f("fk_tickets_level_id_ticket_levels")
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"], ["nonprofits.id"], name=op.f("fk_tickets_nonprofit_id_nonprofits")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_tickets_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"], ["supporters.id"], name=op.f("fk_tickets_supporter_id_supporters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("payment_id", "level_id", name="uq_tickets_payment_id_level_id"),
    )
    op.create_index(op.f("ix_tickets_event_id"), "tickets", ["event_id"], unique=False)
    op.create_index(op.f("ix_tickets_level_id"), "tickets", ["level_id"], unique=False)
    op.create_index(op.f("ix_tickets_nonprofit_id"), "tickets", ["nonprofit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tickets_nonprofit_id"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_level_id"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_event_id"), table_name="tickets")
    op.drop_table("tickets")
    op.drop_index(op.f("ix_ticket_levels_nonprofit_id"), table_name="ticket_levels")
    op.drop_index(op.f("ix_ticket_levels_event_id"), table_name="ticket_levels")
    op.drop_table("ticket_levels")
    op.drop_index(op.f("ix_ticket_events_nonprofit_id"), table_name="ticket_events")
    op.drop_table("ticket_events")
