"""recurring donations, recurring charges and campaigns

Revision ID: donation_0002
Revises: donation_0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "donation_0002"
down_revision: str | Sequence[str] | None = "donation_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("goal_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"], ["nonprofits.id"], name=op.f("fk_campaigns_nonprofit_id_nonprofits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index(op.f("ix_campaigns_nonprofit_id"), "campaigns", ["nonprofit_id"], unique=False)
    op.create_table(
        "campaign_gift_options",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("min_amount", sa.BigInteger(), nullable=False),
        sa.Column("quantity_limit", sa.BigInteger(), nullable=True),
        sa.Column("fair_market_value", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_gift_options_campaign_id_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_campaign_gift_options_nonprofit_id_nonprofits"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_gift_options")),
    )
    op.create_index(
        op.f("ix_campaign_gift_options_campaign_id"),
        "campaign_gift_options",
        ["campaign_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_campaign_gift_options_nonprofit_id"),
        "campaign_gift_options",
        ["nonprofit_id"],
        unique=False,
    )
    op.create_table(
        "campaign_gifts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("campaign_id", sa.String(length=40), nullable=False),
        sa.Column("gift_option_id", sa.String(length=40), nullable=True),
        sa.Column("payment_id", sa.String(length=40), nullable=False),
        sa.Column("supporter_id", sa.String(length=40), nullable=False),
        sa.Column("option_returned", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_gifts_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["gift_option_id"],
            ["campaign_gift_options.id"],
            name=op.f("fk_campaign_gifts_gift_option_id_campaign_gift_options"),
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_campaign_gifts_nonprofit_id_nonprofits"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_campaign_gifts_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"],
            ["supporters.id"],
            name=op.f("fk_campaign_gifts_supporter_id_supporters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_gifts")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_campaign_gifts_payment_id")),
    )
    op.create_index(
        op.f("ix_campaign_gifts_campaign_id"), "campaign_gifts", ["campaign_id"], unique=False
    )
    op.create_index(
        op.f("ix_campaign_gifts_nonprofit_id"), "campaign_gifts", ["nonprofit_id"], unique=False
    )
    op.create_table(
        "recurring_donations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("supporter_id", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=40), nullable=True),
        sa.Column("processor", sa.String(length=50), nullable=False),
        sa.Column("collection", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("interval", sa.String(length=10), nullable=False),
        sa.Column("interval_count", sa.BigInteger(), nullable=False),
        sa.Column("paydate", sa.BigInteger(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("next_period", sa.BigInteger(), nullable=False),
        sa.Column("next_charge_at", sa.Date(), nullable=False),
        sa.Column("failure_count", sa.BigInteger(), nullable=False),
        sa.Column("gift", sa.JSON(), nullable=False),
        sa.Column("processing_object", sa.JSON(), nullable=False),
        sa.Column("first_payment_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_payment_id"],
            ["payments.id"],
            name=op.f("fk_recurring_donations_first_payment_id_payments"),
        ),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_recurring_donations_nonprofit_id_nonprofits"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_recurring_donations_source_id_sources")
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"],
            ["supporters.id"],
            name=op.f("fk_recurring_donations_supporter_id_supporters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_donations")),
    )
    op.create_index(
        op.f("ix_recurring_donations_nonprofit_id"),
        "recurring_donations",
        ["nonprofit_id"],
        unique=False,
    )
    op.create_index(
        "ix_recurring_donations_status_next_charge_at",
        "recurring_donations",
        ["status", "next_charge_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_recurring_donations_supporter_id"),
        "recurring_donations",
        ["supporter_id"],
        unique=False,
    )
    op.create_table(
        "recurring_charges",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("recurring_donation_id", sa.String(length=40), nullable=False),
        sa.Column("period", sa.BigInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("tries", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("next_try_on", sa.Date(), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_id", sa.String(length=40), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_recurring_charges_nonprofit_id_nonprofits"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_recurring_charges_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["recurring_donation_id"],
            ["recurring_donations.id"],
            name=op.f("fk_recurring_charges_recurring_donation_id_recurring_donations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_charges")),
        sa.UniqueConstraint(
            "recurring_donation_id",
            "period",
            name="uq_recurring_charges_recurring_donation_id_period",
        ),
    )
    op.create_index(
        "ix_recurring_charges_nonprofit_id_due_on",
        "recurring_charges",
        ["nonprofit_id", "due_on"],
        unique=False,
    )
    op.create_index(
        "ix_recurring_charges_status_next_try_on",
        "recurring_charges",
        ["status", "next_try_on"],
        unique=False,
    )
    # Batch mode, because SQLite cannot add a constraint to an existing table in place.
    with op.batch_alter_table("donations") as batch:
        batch.add_column(sa.Column("recurring_donation_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("period", sa.BigInteger(), nullable=True))
        batch.create_unique_constraint(
            "uq_donations_recurring_donation_id_period", ["recurring_donation_id", "period"]
        )
        batch.create_foreign_key(
            op.f("fk_donations_recurring_donation_id_recurring_donations"),
            "recurring_donations",
            ["recurring_donation_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("donations") as batch:
        batch.drop_constraint(
            op.f("fk_donations_recurring_donation_id_recurring_donations"), type_="foreignkey"
        )
        batch.drop_constraint("uq_donations_recurring_donation_id_period", type_="unique")
        batch.drop_column("period")
        batch.drop_column("recurring_donation_id")
    op.drop_index("ix_recurring_charges_status_next_try_on", table_name="recurring_charges")
    op.drop_index("ix_recurring_charges_nonprofit_id_due_on", table_name="recurring_charges")
    op.drop_table("recurring_charges")
    op.drop_index(op.f("ix_recurring_donations_supporter_id"), table_name="recurring_donations")
    op.drop_index("ix_recurring_donations_status_next_charge_at", table_name="recurring_donations")
    op.drop_index(op.f("ix_recurring_donations_nonprofit_id"), table_name="recurring_donations")
    op.drop_table("recurring_donations")
    op.drop_index(op.f("ix_campaign_gifts_nonprofit_id"), table_name="campaign_gifts")
    op.drop_index(op.f("ix_campaign_gifts_campaign_id"), table_name="campaign_gifts")
    op.drop_table("campaign_gifts")
    op.drop_index(op.f("ix_campaign_gift_options_nonprofit_id"), table_name="campaign_gift_options")
    op.drop_index(op.f("ix_campaign_gift_options_campaign_id"), table_name="campaign_gift_options")
    op.drop_table("campaign_gift_options")
    op.drop_index(op.f("ix_campaigns_nonprofit_id"), table_name="campaigns")
    op.drop_table("campaigns")
