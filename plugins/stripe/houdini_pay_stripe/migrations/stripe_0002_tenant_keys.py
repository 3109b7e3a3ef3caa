"""stripe tenant keys: every key includes nonprofit_id

Revision ID: stripe_0002
Revises: stripe_0001

The Stripe plugin's half of core_tenant_keys: customers and payment methods are keyed by
nonprofit too. Every row is kept. A downgrade leaves the tables without foreign keys to the
core's tables (those keep nonprofit_id until the core's own downgrade).
"""

from __future__ import annotations

from collections.abc import Sequence

from houdini_pay.db.tenant_keys import Rekey, downgrade_keys, upgrade_keys

revision: str = "stripe_0002"
down_revision: str | Sequence[str] | None = "stripe_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "core_tenant_keys"

TABLES = (
    Rekey(
        "stripe_customers",
        [("supporter_id", "supporters")],
        primary_key=("nonprofit_id", "supporter_id", "stripe_account"),
        old_primary_key=("supporter_id", "stripe_account"),
    ),
    Rekey(
        "stripe_payment_methods",
        [("source_id", "sources")],
        primary_key=("nonprofit_id", "source_id"),
        old_primary_key=("source_id",),
    ),
)


def upgrade() -> None:
    upgrade_keys(TABLES)


def downgrade() -> None:
    downgrade_keys(TABLES, restore_foreign_keys_to=[])
