"""tenant keys: every key of a tenant table includes nonprofit_id

Revision ID: core_tenant_keys
Revises: core_webhook_claims

The primary key of each tenant table becomes (nonprofit_id, id), and its foreign keys to
other tenant tables (nonprofit_id, column): the rule a database sharded by nonprofit (Citus,
or PostgreSQL's hash partitions) enforces. Disputes are unique per nonprofit and processor
reference. Every row is kept. See houdini_pay.db.tenant_keys and docs/operations.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from houdini_pay.db.tenant_keys import Rekey, downgrade_keys, upgrade_keys

revision: str = "core_tenant_keys"
down_revision: str | Sequence[str] | None = "core_webhook_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    Rekey(
        "supporters",
        old_indexes=[("ix_supporters_nonprofit_id_id", ("nonprofit_id", "id"))],
    ),
    Rekey("addresses", [("supporter_id", "supporters")]),
    Rekey("sources", [("supporter_id", "supporters")]),
    Rekey("payment_attempts", [("supporter_id", "supporters"), ("source_id", "sources")]),
    Rekey(
        "payments",
        [("supporter_id", "supporters"), ("source_id", "sources"), ("parent_id", "payments")],
        old_indexes=[("ix_payments_nonprofit_id_id", ("nonprofit_id", "id"))],
    ),
    Rekey("reservations", [("attempt_id", "payment_attempts")]),
    Rekey("outbox"),
    Rekey(
        "disputes",
        [("payment_id", "payments")],
        unique=[
            (
                "uq_disputes_nonprofit_id_processor_processor_reference",
                ("nonprofit_id", "processor", "processor_reference"),
            )
        ],
        old_unique=[
            ("uq_disputes_processor_processor_reference", ("processor", "processor_reference"))
        ],
    ),
    Rekey("receipts", [("supporter_id", "supporters")]),
    Rekey("public_submissions", [("supporter_id", "supporters"), ("source_id", "sources")]),
)


def upgrade() -> None:
    upgrade_keys(TABLES)


def downgrade() -> None:
    downgrade_keys(TABLES, restore_foreign_keys_to=[rekey.table for rekey in TABLES])
