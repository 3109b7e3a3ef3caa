"""stripe accounts, customers and payment methods

Revision ID: stripe_0001
Revises:
Create Date: 2026-11-25 20:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "stripe_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("houdini_pay_stripe",)
depends_on: str | Sequence[str] | None = "core_0001"


def upgrade() -> None:
    op.create_table(
        "stripe_accounts",
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=255), nullable=False),
        sa.Column("platform_fee_bps", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_stripe_accounts_nonprofit_id_nonprofits"),
        ),
        sa.PrimaryKeyConstraint("nonprofit_id", name=op.f("pk_stripe_accounts")),
    )
    op.create_table(
        "stripe_customers",
        sa.Column("supporter_id", sa.String(length=40), nullable=False),
        sa.Column("stripe_account", sa.String(length=255), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_stripe_customers_nonprofit_id_nonprofits"),
        ),
        sa.ForeignKeyConstraint(
            ["supporter_id"],
            ["supporters.id"],
            name=op.f("fk_stripe_customers_supporter_id_supporters"),
        ),
        sa.PrimaryKeyConstraint("supporter_id", "stripe_account", name=op.f("pk_stripe_customers")),
    )
    op.create_index(
        op.f("ix_stripe_customers_nonprofit_id"), "stripe_customers", ["nonprofit_id"], unique=False
    )
    op.create_table(
        "stripe_payment_methods",
        sa.Column("source_id", sa.String(length=40), nullable=False),
        sa.Column("nonprofit_id", sa.String(length=40), nullable=False),
        sa.Column("payment_method_id", sa.String(length=255), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("stripe_account", sa.String(length=255), nullable=False),
        sa.Column("brand", sa.String(length=40), nullable=True),
        sa.Column("last4", sa.String(length=4), nullable=True),
        sa.Column("exp_month", sa.BigInteger(), nullable=True),
        sa.Column("exp_year", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["nonprofit_id"],
            ["nonprofits.id"],
            name=op.f("fk_stripe_payment_methods_nonprofit_id_nonprofits"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_stripe_payment_methods_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_stripe_payment_methods")),
    )
    op.create_index(
        op.f("ix_stripe_payment_methods_nonprofit_id"),
        "stripe_payment_methods",
        ["nonprofit_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_stripe_payment_methods_nonprofit_id"), table_name="stripe_payment_methods"
    )
    op.drop_table("stripe_payment_methods")
    op.drop_index(op.f("ix_stripe_customers_nonprofit_id"), table_name="stripe_customers")
    op.drop_table("stripe_customers")
    op.drop_table("stripe_accounts")
