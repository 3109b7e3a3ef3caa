"""donation tenant keys: every key includes nonprofit_id

Revision ID: donation_0003
Revises: donation_0002

The donation plugin's half of core_tenant_keys: (nonprofit_id, id) primary keys, foreign
keys and unique constraints with nonprofit_id. Every row is kept. A downgrade leaves the
tables without foreign keys to the core's tables (those keep nonprofit_id until the core's
own downgrade).
"""

from __future__ import annotations

from collections.abc import Sequence

from houdini_pay.db.tenant_keys import Rekey, downgrade_keys, upgrade_keys

revision: str = "donation_0003"
down_revision: str | Sequence[str] | None = "donation_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "core_tenant_keys"

TABLES = (
    Rekey("campaigns"),
    Rekey("campaign_gift_options", [("campaign_id", "campaigns")]),
    Rekey(
        "recurring_donations",
        [
            ("supporter_id", "supporters"),
            ("source_id", "sources"),
            ("first_payment_id", "payments"),
        ],
    ),
    Rekey(
        "recurring_charges",
        [("recurring_donation_id", "recurring_donations"), ("payment_id", "payments")],
        unique=[
            (
                "uq_recurring_charges_nonprofit_id_recurring_donation_id_period",
                ("nonprofit_id", "recurring_donation_id", "period"),
            )
        ],
        old_unique=[
            (
                "uq_recurring_charges_recurring_donation_id_period",
                ("recurring_donation_id", "period"),
            )
        ],
    ),
    Rekey(
        "donations",
        [
            ("supporter_id", "supporters"),
            ("payment_id", "payments"),
            ("recurring_donation_id", "recurring_donations"),
        ],
        unique=[
            ("uq_donations_nonprofit_id_payment_id", ("nonprofit_id", "payment_id")),
            (
                "uq_donations_nonprofit_id_recurring_donation_id_period",
                ("nonprofit_id", "recurring_donation_id", "period"),
            ),
        ],
        old_unique=[
            ("uq_donations_payment_id", ("payment_id",)),
            (
                "uq_donations_recurring_donation_id_period",
                ("recurring_donation_id", "period"),
            ),
        ],
    ),
    Rekey(
        "campaign_gifts",
        [
            ("campaign_id", "campaigns"),
            ("gift_option_id", "campaign_gift_options"),
            ("payment_id", "payments"),
            ("supporter_id", "supporters"),
        ],
        unique=[("uq_campaign_gifts_nonprofit_id_payment_id", ("nonprofit_id", "payment_id"))],
        old_unique=[("uq_campaign_gifts_payment_id", ("payment_id",))],
    ),
)

OWN_TABLES = [rekey.table for rekey in TABLES]


def upgrade() -> None:
    upgrade_keys(TABLES)


def downgrade() -> None:
    downgrade_keys(TABLES, restore_foreign_keys_to=OWN_TABLES)
