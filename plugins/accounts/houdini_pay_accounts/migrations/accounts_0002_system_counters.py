"""accounts: system accounts keep no counters (their balances are summed from transfers)

Revision ID: accounts_0002
Revises: accounts_0001

Every payment from a balance credited the nonprofit's ``spent`` account and every top-up
debited its ``top_ups`` account, so on PostgreSQL they all queued on those rows' locks.
``keeps_counters`` is false for them now: the ledger neither locks nor updates them, and
``accounts verify`` sums their transfers. Their counters are set to 0 (the sums of their
transfers stay what they were).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "accounts_0002"
down_revision: str | Sequence[str] | None = "accounts_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTERS = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")


def _accounts() -> sa.TableClause:
    return sa.table(
        "ledger_accounts",
        sa.column("supporter_id", sa.String()),
        sa.column("keeps_counters", sa.Boolean()),
        *(sa.column(name, sa.BigInteger()) for name in _COUNTERS),
    )


def upgrade() -> None:
    with op.batch_alter_table("ledger_accounts") as batch:
        batch.add_column(
            sa.Column("keeps_counters", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    accounts = _accounts()
    op.execute(
        accounts.update()
        .where(accounts.c.supporter_id.is_(None))
        .values(keeps_counters=False, **dict.fromkeys(_COUNTERS, 0))
    )


def downgrade() -> None:
    """Puts the system accounts' counters back to the sums of their transfers."""
    transfers = sa.table(
        "ledger_transfers",
        sa.column("nonprofit_id", sa.String()),
        sa.column("debit_account_id", sa.String()),
        sa.column("credit_account_id", sa.String()),
        sa.column("amount", sa.BigInteger()),
        sa.column("flags", sa.String()),
    )
    accounts = sa.table(
        "ledger_accounts",
        sa.column("nonprofit_id", sa.String()),
        sa.column("id", sa.String()),
        sa.column("keeps_counters", sa.Boolean()),
        *(sa.column(name, sa.BigInteger()) for name in _COUNTERS),
    )

    def summed(kind: str, side: str) -> sa.ScalarSelect[int]:
        column = transfers.c.debit_account_id if kind == "debits" else transfers.c.credit_account_id
        signed = {
            "pending": sa.case(
                (transfers.c.flags == "pending", transfers.c.amount),
                (transfers.c.flags.in_(("post", "void")), -transfers.c.amount),
                else_=0,
            ),
            "posted": sa.case(
                (transfers.c.flags.in_(("posted", "post")), transfers.c.amount), else_=0
            ),
        }[side]
        return (
            sa.select(sa.func.coalesce(sa.func.sum(signed), 0))
            .where(transfers.c.nonprofit_id == accounts.c.nonprofit_id, column == accounts.c.id)
            .scalar_subquery()
        )

    op.execute(
        accounts.update()
        .where(accounts.c.keeps_counters == sa.false())
        .values({name: summed(*name.split("_")) for name in _COUNTERS})
    )
    with op.batch_alter_table("ledger_accounts") as batch:
        batch.drop_column("keeps_counters")
