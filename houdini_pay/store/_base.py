"""The declarative base of every table and the helpers the tables share.

Every tenant-owned row carries ``nonprofit_id`` and every query filters on it: that keeps
tenants apart and lets a distributed PostgreSQL shard the tables by nonprofit. Money columns
are ``int`` minor units beside a currency column. States are explicit columns whose values
come from :mod:`houdini_pay.store._states`.

Plugins declare their own tables on :class:`Base` too (so one ``MetaData`` knows all of them)
and ship their own Alembic migrations; they never write the core's tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKeyConstraint,
    MetaData,
    PrimaryKeyConstraint,
    String,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

__all__ = [
    "ID",
    "REFERENCE_INFO",
    "REFERENCE_TABLES",
    "Base",
    "UTCDateTime",
    "tenant_foreign_key",
    "tenant_primary_key",
    "utcnow",
]


ID = String(40)

REFERENCE_TABLES: frozenset[str] = frozenset(
    {"nonprofits", "api_keys", "webhook_events", "rate_limit_windows"}
)
"""The core's tables that are not per tenant; every other table is keyed by ``nonprofit_id``.

``nonprofits`` is the tenants themselves; ``api_keys`` maps a key to its nonprofit before
the nonprofit is known (a request names none); ``webhook_events`` is unique per processor
event, recorded before the nonprofit it concerns is known; ``rate_limit_windows`` counts a
client across every nonprofit (a deployment on Citus keeps its rate limits in Redis
instead, ``HOUDINI_PAY_REDIS_URL``, and the table stays empty). A distributed PostgreSQL copies
them to every node (reference tables); every other table is sharded by ``nonprofit_id``, so
its primary key, unique constraints and foreign keys to other tenant tables all include
``nonprofit_id`` (docs/operations.md). A plugin's table that is not per tenant says so with
``{"info": {"houdini_pay_reference": True}}`` in its ``__table_args__``.
"""

REFERENCE_INFO = "houdini_pay_reference"
"""The ``Table.info`` key marking a plugin's table as a reference table (not per tenant)."""


def tenant_primary_key(table: str) -> PrimaryKeyConstraint:
    """The primary key ``(nonprofit_id, id)`` of a tenant table named ``table``."""
    return PrimaryKeyConstraint("nonprofit_id", "id", name=f"pk_{table}")


def tenant_foreign_key(
    table: str, column: str, referred: str, *, ondelete: str | None = None
) -> ForeignKeyConstraint:
    """The foreign key ``(nonprofit_id, column)`` of ``table`` to ``referred``'s
    ``(nonprofit_id, id)``: a row may only point at a row of its own nonprofit, and a
    sharded database finds both on the same shard.

    Named as the single-column key it replaces (``fk_<table>_<column>_<referred>``).
    """
    return ForeignKeyConstraint(
        ["nonprofit_id", column],
        [f"{referred}.nonprofit_id", f"{referred}.id"],
        name=f"fk_{table}_{column}_{referred}",
        ondelete=ondelete,
    )


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC (every stored time is UTC)."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no timezone type and hands back naive values; this makes both databases
    return the same aware ``datetime``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base shared by the core and every plugin's tables."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        int: BigInteger(),
    }
