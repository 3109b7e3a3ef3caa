"""tickets tenant keys: every key includes nonprofit_id

Revision ID: tickets_0002
Revises: tickets_0001

The tickets plugin's half of core_tenant_keys. Every row is kept. A downgrade leaves the
tables without foreign keys to the core's tables (those keep nonprofit_id until the core's
own downgrade).
"""

from __future__ import annotations

from collections.abc import Sequence

from houdini_pay.db.tenant_keys import Rekey, downgrade_keys, upgrade_keys

revision: str = "tickets_0002"
down_revision: str | Sequence[str] | None = "tickets_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "core_tenant_keys"

TABLES = (
    Rekey("ticket_events"),
    Rekey("ticket_levels", [("event_id", "ticket_events")]),
    Rekey(
        "tickets",
        [
            ("event_id", "ticket_events"),
            ("level_id", "ticket_levels"),
            ("payment_id", "payments"),
            ("supporter_id", "supporters"),
        ],
        unique=[
            (
                "uq_tickets_nonprofit_id_payment_id_level_id",
                ("nonprofit_id", "payment_id", "level_id"),
            )
        ],
        old_unique=[("uq_tickets_payment_id_level_id", ("payment_id", "level_id"))],
    ),
)


def upgrade() -> None:
    upgrade_keys(TABLES)


def downgrade() -> None:
    downgrade_keys(TABLES, restore_foreign_keys_to=[rekey.table for rekey in TABLES])
