"""Tables of the accounts plugin: a double-entry ledger on the shared metadata.

The model is TigerBeetle's. An account holds four counters in minor units: debits and
credits, each pending (held by a two-phase transfer) and posted. A transfer moves an amount
from a debit account to a credit account and is never changed once written: a pending
transfer is resolved by a second transfer that posts or voids it (``pending_id``), and the
unique key on ``(nonprofit_id, pending_id)`` lets a pending transfer resolve at most once.

Every table is keyed by ``(nonprofit_id, ...)`` and every reference carries the nonprofit,
like the core's, so the ledger shards with its nonprofit.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay import Base, tenant_foreign_key, utcnow

__all__ = [
    "NOTE_LENGTH",
    "AutoTopUp",
    "LedgerAccount",
    "Transfer",
    "accounts_table",
    "transfers_table",
]

_ID = String(40)
TRANSFER_ID = String(120)
NOTE_LENGTH = 500
"""The most characters a transfer's note holds."""


class LedgerAccount(Base):
    """A supporter's balance in one currency, or one of a nonprofit's system accounts.

    ``key`` names the account (``supporter:<id>:<currency>``, ``system:<kind>:<currency>``)
    and is unique per nonprofit. A supporter's account has ``must_not_overdraw``: its
    pending and posted debits never exceed its posted credits. An account without
    ``keeps_counters`` (a system account) leaves its counters at 0: its balances are the
    sums of its transfers, so no transfer waits on its row.
    """

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("nonprofit_id", "key", name="uq_ledger_accounts_key"),
        tenant_foreign_key("ledger_accounts", "supporter_id", "supporters"),
    )

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    id: Mapped[str] = mapped_column(_ID, primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    supporter_id: Mapped[str | None] = mapped_column(_ID, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    must_not_overdraw: Mapped[bool] = mapped_column(Boolean)
    keeps_counters: Mapped[bool] = mapped_column(Boolean, server_default=true())
    debits_pending: Mapped[int] = mapped_column(BigInteger)
    debits_posted: Mapped[int] = mapped_column(BigInteger)
    credits_pending: Mapped[int] = mapped_column(BigInteger)
    credits_posted: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Transfer(Base):
    """One immutable movement between two accounts, under the caller's id.

    ``flags`` is ``posted`` (moves at once), ``pending`` (held until resolved), ``post`` or
    ``void`` (resolves the pending transfer ``pending_id``, same accounts and amount).
    """

    __tablename__ = "ledger_transfers"
    __table_args__ = (
        UniqueConstraint("nonprofit_id", "pending_id", name="uq_ledger_transfers_pending_id"),
        ForeignKeyConstraint(
            ["nonprofit_id", "debit_account_id"],
            ["ledger_accounts.nonprofit_id", "ledger_accounts.id"],
            name="fk_ledger_transfers_debit_account_id_ledger_accounts",
        ),
        ForeignKeyConstraint(
            ["nonprofit_id", "credit_account_id"],
            ["ledger_accounts.nonprofit_id", "ledger_accounts.id"],
            name="fk_ledger_transfers_credit_account_id_ledger_accounts",
        ),
    )

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    id: Mapped[str] = mapped_column(TRANSFER_ID, primary_key=True)
    debit_account_id: Mapped[str] = mapped_column(_ID, index=True)
    credit_account_id: Mapped[str] = mapped_column(_ID, index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(20))
    flags: Mapped[str] = mapped_column(String(10))
    pending_id: Mapped[str | None] = mapped_column(TRANSFER_ID)
    timeout_at: Mapped[dt.datetime | None]
    reference: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(String(NOTE_LENGTH))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AutoTopUp(Base):
    """A supporter's standing order to top up by card when the balance runs low.

    ``status`` is ``active`` or ``needs_attention`` (a top-up was declined or needs the
    supporter); ``failures`` counts declines since the last success.
    """

    __tablename__ = "account_auto_top_ups"
    __table_args__ = (
        tenant_foreign_key("account_auto_top_ups", "supporter_id", "supporters"),
        tenant_foreign_key("account_auto_top_ups", "source_id", "sources"),
    )

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    supporter_id: Mapped[str] = mapped_column(_ID, primary_key=True)
    threshold: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    source_id: Mapped[str] = mapped_column(_ID)
    status: Mapped[str] = mapped_column(String(20))
    failures: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


accounts_table = Base.metadata.tables["ledger_accounts"]
"""The accounts as a Core table (the ledger writes with Core statements)."""

transfers_table = Base.metadata.tables["ledger_transfers"]
"""The transfers as a Core table."""
