"""The columns of attempts, payments and outbox events, typed, and the one writer of each table.

Every path that adds one of these rows builds its :class:`AttemptColumns`,
:class:`PaymentColumns` or :class:`OutboxColumns` (mypy checks that every column is given,
with its type) and hands it to :func:`insert_attempt`, :func:`insert_payment` (or, on the
pipeline's hot path, :func:`insert_payment_of_charging_attempt`) or :func:`insert_outbox`:
pre-built Core inserts (:mod:`houdini_pay.db.sql`), run on the caller's connection, in the
caller's transaction. The pipeline's hot path, refunds,
disputes and the outbox module all go through them; the ORM models only read and update these
rows. The same column set then makes the read-only record
(``PaymentRecord.from_mapping(columns)``) without reading the row back.

:class:`AttemptRow` is what code reading an attempt relies on: a ``PaymentAttempt``, a Core
row of ``payment_attempts`` and an :class:`AttemptView` of columns held in memory all have
its attributes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol, TypedDict

from sqlalchemy import Connection

from houdini_pay.db import sql

__all__ = [
    "AttemptColumns",
    "AttemptRow",
    "AttemptView",
    "OutboxColumns",
    "PaymentColumns",
    "attempt_columns",
    "insert_attempt",
    "insert_outbox",
    "insert_payment",
    "insert_payment_of_charging_attempt",
    "outbox_parameters",
]


class AttemptColumns(TypedDict):
    """Every column of a ``payment_attempts`` row."""

    id: str
    nonprofit_id: str
    operation: str
    idempotency_key: str
    fingerprint: str
    state: str
    processor: str
    payment_type: str | None
    supporter_id: str | None
    source_id: str | None
    amount: int
    currency: str
    request: dict[str, Any]
    processor_reference: str | None
    next_action: dict[str, Any] | None
    error_code: str | None
    error_message: str | None
    payment_id: str | None
    parent_payment_id: str | None
    reconcile_count: int
    reversal_pending: bool
    channel: str
    created_at: dt.datetime
    updated_at: dt.datetime


class PaymentColumns(TypedDict):
    """Every column of a ``payments`` row."""

    id: str
    nonprofit_id: str
    supporter_id: str | None
    attempt_id: str | None
    kind: str
    status: str
    amount: int
    currency: str
    gross: int
    fee: int
    net: int
    amount_refunded: int
    processor: str
    processor_reference: str | None
    payment_type: str | None
    source_id: str | None
    parent_id: str | None
    description: str | None
    details: dict[str, Any]
    channel: str
    invoice_id: str | None
    failure_reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class OutboxColumns(TypedDict):
    """Every column of an ``outbox`` row."""

    id: str
    nonprofit_id: str
    event: str
    payload: dict[str, Any]
    created_at: dt.datetime
    published_at: dt.datetime | None
    dispatched_at: dt.datetime | None


class AttemptRow(Protocol):
    """An attempt as read: a ``PaymentAttempt`` or a Core row of ``payment_attempts``."""

    @property
    def id(self) -> str: ...
    @property
    def nonprofit_id(self) -> str: ...
    @property
    def operation(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def processor(self) -> str: ...
    @property
    def payment_type(self) -> str | None: ...
    @property
    def supporter_id(self) -> str | None: ...
    @property
    def source_id(self) -> str | None: ...
    @property
    def amount(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def request(self) -> Mapping[str, Any]: ...
    @property
    def processor_reference(self) -> str | None: ...
    @property
    def next_action(self) -> Mapping[str, Any] | None: ...
    @property
    def error_code(self) -> str | None: ...
    @property
    def error_message(self) -> str | None: ...
    @property
    def payment_id(self) -> str | None: ...
    @property
    def parent_payment_id(self) -> str | None: ...
    @property
    def reversal_pending(self) -> bool: ...
    @property
    def channel(self) -> str: ...


class AttemptView:
    """An :class:`AttemptRow` over columns held in memory: an attempt this process wrote.

    ``_mapping`` is the columns, as on a Core row.
    """

    __slots__ = ("_mapping",)

    def __init__(self, columns: Mapping[str, Any]) -> None:
        self._mapping = columns

    def __getattr__(self, name: str) -> Any:
        try:
            return self._mapping[name]
        except KeyError:
            raise AttributeError(name) from None


def attempt_columns(
    *,
    id: str,
    nonprofit_id: str,
    operation: str,
    idempotency_key: str,
    fingerprint: str,
    state: str,
    processor: str,
    payment_type: str | None,
    supporter_id: str | None,
    source_id: str | None,
    amount: int,
    currency: str,
    request: dict[str, Any],
    channel: str,
    now: dt.datetime,
    processor_reference: str | None = None,
    parent_payment_id: str | None = None,
) -> AttemptColumns:
    """A new attempt's columns: what it was asked, and nothing yet of its outcome."""
    return {
        "id": id,
        "nonprofit_id": nonprofit_id,
        "operation": operation,
        "idempotency_key": idempotency_key,
        "fingerprint": fingerprint,
        "state": state,
        "processor": processor,
        "payment_type": payment_type,
        "supporter_id": supporter_id,
        "source_id": source_id,
        "amount": amount,
        "currency": currency,
        "request": request,
        "processor_reference": processor_reference,
        "next_action": None,
        "error_code": None,
        "error_message": None,
        "payment_id": None,
        "parent_payment_id": parent_payment_id,
        "reconcile_count": 0,
        "reversal_pending": False,
        "channel": channel,
        "created_at": now,
        "updated_at": now,
    }


def insert_attempt(connection: Connection, columns: AttemptColumns) -> None:
    """Add an attempt in the connection's transaction (the only way one is added)."""
    connection.execute(sql.INSERT_ATTEMPT, columns)


def insert_payment(connection: Connection, columns: PaymentColumns) -> None:
    """Add a payment in the connection's transaction (the only way one is added)."""
    connection.execute(sql.INSERT_PAYMENT, columns)


def insert_payment_of_charging_attempt(connection: Connection, columns: PaymentColumns) -> bool:
    """Add the payment of an attempt that is still ``charging`` with no payment, locking the
    attempt's row as reading it ``FOR UPDATE`` would; False (nothing added) when the attempt
    has moved on."""
    inserted = connection.execute(sql.INSERT_PAYMENT_OF_CHARGING_ATTEMPT, columns)
    return inserted.rowcount == 1


def insert_outbox(connection: Connection, columns: OutboxColumns) -> None:
    """Add an outbox event in the connection's transaction (the only way one is added, but
    for :func:`outbox_parameters`)."""
    connection.execute(sql.INSERT_OUTBOX, columns)


def outbox_parameters(columns: OutboxColumns) -> dict[str, Any]:
    """The parameters that make ``sql.OUTBOX_INSERT_CTE`` add the row ``columns`` (as
    :func:`insert_outbox` would, in the round trip of the statement the CTE is added to)."""
    return {f"outbox_{name}": value for name, value in columns.items()}
