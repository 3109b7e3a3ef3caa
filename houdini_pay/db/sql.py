"""Pre-built SQLAlchemy Core statements (SQL) of the pipeline's hot path.

Not to be confused with :mod:`houdini_pay.statements`, the giving statements for supporters.

Building a statement (``select(...).where(...)``) costs more than executing a cached one, so
the statements every payment runs are built once here with bound parameters; SQLAlchemy
compiles each once per dialect and caches it. Everything off the hot path uses the ORM.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, insert, select, update

from houdini_pay.store._models import (
    Address,
    Nonprofit,
    OutboxEvent,
    Payment,
    PaymentAttempt,
    PluginSetting,
    Source,
    Supporter,
)

__all__ = [
    "ADDRESS_BY_ID",
    "ATTEMPT_BY_ID",
    "ATTEMPT_BY_ID_FOR_UPDATE",
    "ATTEMPT_BY_KEY",
    "DISABLED_PLUGINS",
    "INSERT_ATTEMPT",
    "INSERT_OUTBOX",
    "INSERT_PAYMENT",
    "INSERT_PAYMENT_OF_CHARGING_ATTEMPT",
    "MARK_CHARGING",
    "NONPROFIT_BY_ID",
    "OUTBOX_INSERT_CTE",
    "PAYMENT_BY_ID",
    "SOURCE_BY_ID",
    "SUPPORTER_BY_ID",
    "UPDATE_ATTEMPT",
]

attempts = cast(Table, PaymentAttempt.__table__)
payments = cast(Table, Payment.__table__)
outbox = cast(Table, OutboxEvent.__table__)


def _by_key(table: Table) -> Select[Any]:
    """A tenant table's row by its key: ``nonprofit_id`` and ``id`` (one shard's row)."""
    return select(table).where(
        table.c.nonprofit_id == bindparam("nonprofit_id"), table.c.id == bindparam("id")
    )


NONPROFIT_BY_ID = select(Nonprofit.__table__).where(Nonprofit.__table__.c.id == bindparam("id"))
SUPPORTER_BY_ID = _by_key(cast(Table, Supporter.__table__))
SOURCE_BY_ID = _by_key(cast(Table, Source.__table__))
ADDRESS_BY_ID = _by_key(cast(Table, Address.__table__))
PAYMENT_BY_ID = _by_key(payments)

DISABLED_PLUGINS = select(PluginSetting.__table__.c.kind, PluginSetting.__table__.c.symbol).where(
    PluginSetting.__table__.c.nonprofit_id == bindparam("nonprofit_id"),
    PluginSetting.__table__.c.enabled.is_(False),
)

ATTEMPT_BY_KEY = select(attempts).where(
    attempts.c.nonprofit_id == bindparam("nonprofit_id"),
    attempts.c.idempotency_key == bindparam("idempotency_key"),
    attempts.c.operation == bindparam("operation"),
)
ATTEMPT_BY_ID = _by_key(attempts)
ATTEMPT_BY_ID_FOR_UPDATE = ATTEMPT_BY_ID.with_for_update()

INSERT_ATTEMPT = insert(attempts)
INSERT_PAYMENT = insert(payments)
INSERT_OUTBOX = insert(outbox)
INSERT_PAYMENT_OF_CHARGING_ATTEMPT = (
    insert(payments)
    .from_select(
        [column.name for column in payments.c],
        select(*(bindparam(column.name, type_=column.type) for column in payments.c))
        .where(
            attempts.c.nonprofit_id == bindparam("nonprofit_id"),
            attempts.c.id == bindparam("attempt_id"),
            attempts.c.state == "charging",
            attempts.c.payment_id.is_(None),
        )
        .with_for_update(),
    )
    .execution_options(preserve_rowcount=True)
)  # an INSERT's rowcount is dropped otherwise
"""Insert a payment (its columns as parameters) only while its attempt is ``charging`` with
no payment, locking the attempt's row as ``ATTEMPT_BY_ID_FOR_UPDATE`` would: the lock and the
check of the attempt's state ride on the insert. No row inserted: the attempt moved on."""
OUTBOX_INSERT_CTE = (
    insert(outbox)
    .values({c.name: bindparam(f"outbox_{c.name}", type_=c.type) for c in outbox.c})
    .cte("outbox_event")
)
"""The outbox's insert as a data-modifying CTE (PostgreSQL only): added to an ``UPDATE`` with
``add_cte``, it writes the event in that statement's round trip. Its parameters are the
columns prefixed ``outbox_`` (``houdini_pay.store._rows.outbox_parameters``)."""

UPDATE_ATTEMPT = update(attempts).where(
    attempts.c.nonprofit_id == bindparam("attempt_nonprofit_id"),
    attempts.c.id == bindparam("attempt_id"),
)
"""Update an attempt by key: execute with ``attempt_nonprofit_id``, ``attempt_id`` and the
columns to set."""

MARK_CHARGING = (
    update(attempts)
    .where(
        attempts.c.nonprofit_id == bindparam("attempt_nonprofit_id"),
        attempts.c.id == bindparam("attempt_id"),
        attempts.c.state == "started",
    )
    .values(state="charging", updated_at=bindparam("now"))
)
