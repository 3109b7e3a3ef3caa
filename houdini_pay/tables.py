"""The core's tables a plugin may read in its own queries: payments, supporters, nonprofits.

A payment type that reports on what it sold (a campaign's total, a month of recurring gifts)
joins its own tables to the core's. These are the SQLAlchemy Core tables, for ``select``
only; a plugin never inserts, updates or deletes their rows (the core records payments, and
the rest of its tables are private)::

    from sqlalchemy import select
    from houdini_pay import tables

    payments = tables.payments
    kept = select(payments.c.id, payments.c.amount - payments.c.amount_refunded).where(
        payments.c.nonprofit_id == nonprofit_id, payments.c.status == "succeeded"
    )

Columns only ever grow; one that must go is first deprecated in the CHANGELOG.
"""

from __future__ import annotations

from sqlalchemy import Table

from houdini_pay.store._models import Base

__all__ = ["disputes", "nonprofits", "payments", "supporters"]


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


payments: Table = _table("payments")
"""Every payment, refund and dispute movement: ``id``, ``nonprofit_id``, ``supporter_id``,
``kind``, ``status``, ``amount``, ``amount_refunded``, ``currency``, ``payment_type``,
``created_at``, ..."""

supporters: Table = _table("supporters")
"""The supporters of each nonprofit."""

nonprofits: Table = _table("nonprofits")
"""The nonprofits (tenants)."""

disputes: Table = _table("disputes")
"""Chargebacks and their status, one row per processor dispute."""
