"""accounts: ledger accounts, transfers and auto top-ups

Revision ID: accounts_0001
Revises:

Depends on core_tenant_keys: references to the core's supporters and sources are
(nonprofit_id, id) keys, which the core's tables have from that revision on.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "accounts_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("houdini_pay_accounts",)
depends_on: str | Sequence[str] | None = "core_tenant_keys"

_ID = sa.String(length=40)
_TRANSFER_ID = sa.String(length=120)


def _nonprofit(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["nonprofit_id"], ["nonprofits.id"], name=op.f(f"fk_{table}_nonprofit_id_nonprofits")
    )


def _tenant(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["nonprofit_id", column],
        [f"{referred}.nonprofit_id", f"{referred}.id"],
        name=f"fk_{table}_{column}_{referred}",
    )


def upgrade() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column("nonprofit_id", _ID, nullable=False),
        sa.Column("id", _ID, nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("supporter_id", _ID, nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("must_not_overdraw", sa.Boolean(), nullable=False),
        sa.Column("debits_pending", sa.BigInteger(), nullable=False),
        sa.Column("debits_posted", sa.BigInteger(), nullable=False),
        sa.Column("credits_pending", sa.BigInteger(), nullable=False),
        sa.Column("credits_posted", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _nonprofit("ledger_accounts"),
        _tenant("ledger_accounts", "supporter_id", "supporters"),
        sa.PrimaryKeyConstraint("nonprofit_id", "id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("nonprofit_id", "key", name="uq_ledger_accounts_key"),
    )
    op.create_index(
        op.f("ix_ledger_accounts_supporter_id"), "ledger_accounts", ["supporter_id"], unique=False
    )
    op.create_table(
        "ledger_transfers",
        sa.Column("nonprofit_id", _ID, nullable=False),
        sa.Column("id", _TRANSFER_ID, nullable=False),
        sa.Column("debit_account_id", _ID, nullable=False),
        sa.Column("credit_account_id", _ID, nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("flags", sa.String(length=10), nullable=False),
        sa.Column("pending_id", _TRANSFER_ID, nullable=True),
        sa.Column("timeout_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reference", sa.String(length=120), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _nonprofit("ledger_transfers"),
        _tenant("ledger_transfers", "debit_account_id", "ledger_accounts"),
        _tenant("ledger_transfers", "credit_account_id", "ledger_accounts"),
        sa.PrimaryKeyConstraint("nonprofit_id", "id", name=op.f("pk_ledger_transfers")),
        sa.UniqueConstraint("nonprofit_id", "pending_id", name="uq_ledger_transfers_pending_id"),
    )
    for column in ("debit_account_id", "credit_account_id"):
        op.create_index(
            op.f(f"ix_ledger_transfers_{column}"), "ledger_transfers", [column], unique=False
        )
    op.create_table(
        "account_auto_top_ups",
        sa.Column("nonprofit_id", _ID, nullable=False),
        sa.Column("supporter_id", _ID, nullable=False),
        sa.Column("threshold", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("source_id", _ID, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _nonprofit("account_auto_top_ups"),
        _tenant("account_auto_top_ups", "supporter_id", "supporters"),
        _tenant("account_auto_top_ups", "source_id", "sources"),
        sa.PrimaryKeyConstraint(
            "nonprofit_id", "supporter_id", name=op.f("pk_account_auto_top_ups")
        ),
    )


def downgrade() -> None:
    op.drop_table("account_auto_top_ups")
    for column in ("debit_account_id", "credit_account_id"):
        op.drop_index(op.f(f"ix_ledger_transfers_{column}"), table_name="ledger_transfers")
    op.drop_table("ledger_transfers")
    op.drop_index(op.f("ix_ledger_accounts_supporter_id"), table_name="ledger_accounts")
    op.drop_table("ledger_accounts")
