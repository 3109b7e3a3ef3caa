"""The ledger's one writer: transfers between accounts, pending ones posted or voided once.

Every change of a balance is :func:`create_transfer` (or :func:`resolve_pending`) in the
caller's transaction. Both lock the accounts' rows in the order of their ids before
reading anything (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's writers queue on the
database lock the core takes with ``BEGIN IMMEDIATE``), so two transfers in opposite
directions wait for each other instead of deadlocking, and the check "debits must not
exceed credits" reads counters no one else can change until the commit.

Accounts without ``keeps_counters`` (the nonprofit's system accounts, which every top-up
or payment from a balance touches) are neither locked nor updated: their counters stay 0
and their balances are the sums of their transfers (:func:`summed_counters`), so payments
from different supporters' balances never wait on one shared row.

Transfers are idempotent by id: the same id with the same fields returns the transfer that
was written; with other fields, ``idempotency_conflict``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, bindparam, case, false, func, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from houdini_pay.errors import (
    Conflict,
    HoudiniPayError,
    IdempotencyConflict,
    InvalidRequest,
    NotFound,
)
from houdini_pay_accounts.driver_sql import DriverStatement
from houdini_pay_accounts.models import accounts_table, transfers_table

__all__ = [
    "LOCKED_COLUMNS",
    "POSTED",
    "InsufficientFunds",
    "TransferSpec",
    "add_counters",
    "available_of",
    "create_transfer",
    "find_transfer",
    "lock_accounts",
    "resolution_of",
    "resolve_pending",
    "summed_counters",
    "write_transfer",
]

POSTED, PENDING, POST, VOID = "posted", "pending", "post", "void"

_accounts = accounts_table
_transfers = transfers_table
_COUNTERS = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")
_COMPARED = (
    "debit_account_id",
    "credit_account_id",
    "amount",
    "kind",
    "flags",
    "pending_id",
    "note",
)


class InsufficientFunds(HoudiniPayError):
    """The debit account's available balance is less than the amount (nothing written)."""

    code = "insufficient_funds"
    http_status = 409


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferSpec:
    """A transfer to make: ``amount`` minor units from ``debit`` to ``credit`` under ``id``.

    ``pending`` holds the amount until :func:`resolve_pending` posts or voids it;
    ``timeout`` is how long it may stay held (``accounts verify`` reports older ones).
    """

    id: str
    debit_account_id: str
    credit_account_id: str
    amount: int
    kind: str
    pending: bool = False
    timeout: dt.timedelta | None = None
    reference: str | None = None
    note: str | None = None


def available_of(account: Any) -> int:
    """What an account may still be debited: posted credits less every debit."""
    return int(account.credits_posted - account.debits_posted - account.debits_pending)


_FIND = select(_transfers).where(
    _transfers.c.nonprofit_id == bindparam("np"), _transfers.c.id == bindparam("transfer")
)
_RESOLUTION = select(_transfers).where(
    _transfers.c.nonprofit_id == bindparam("np"), _transfers.c.pending_id == bindparam("pending")
)
LOCKED_COLUMNS = tuple(
    getattr(_accounts.c, name)
    for name in (
        "id",
        "supporter_id",
        "currency",
        "must_not_overdraw",
        "keeps_counters",
        *_COUNTERS,
    )
)
"""What a transfer reads of its accounts (the rows :func:`lock_accounts` returns)."""
_PAIR = _accounts.c.id.in_([bindparam("a"), bindparam("b")])
_LOCK = DriverStatement(
    select(*LOCKED_COLUMNS)
    .where(_accounts.c.nonprofit_id == bindparam("np"), _PAIR, _accounts.c.keeps_counters == true())
    .order_by(_accounts.c.id)
    .with_for_update()
)
_READ = DriverStatement(
    select(*LOCKED_COLUMNS).where(
        _accounts.c.nonprofit_id == bindparam("np"), _PAIR, _accounts.c.keeps_counters == false()
    )
)
_INSERT = _transfers.insert()
_INSERT_NEW = {
    name: dialect.insert(_transfers)
    .on_conflict_do_nothing(index_elements=["nonprofit_id", "id"])
    .returning(_transfers.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
"""Insert unless a transfer holds the id already (then no row comes back, and the caller
compares the two)."""
_ADD = DriverStatement(
    update(_accounts)
    .where(_accounts.c.nonprofit_id == bindparam("np"), _PAIR)
    .values(
        {
            name: getattr(_accounts.c, name)
            + case(
                (_accounts.c.id == bindparam("a"), bindparam(f"a_{name}")),
                else_=bindparam(f"b_{name}"),
            )
            for name in _COUNTERS
        }
    )
)
"""Statements built once (every transfer runs them; building them costs more than running)."""


def find_transfer(connection: Connection, nonprofit_id: str, transfer_id: str) -> Any:
    """The transfer ``transfer_id`` (a row), or None."""
    return connection.execute(_FIND, {"np": nonprofit_id, "transfer": transfer_id}).one_or_none()


def resolution_of(connection: Connection, nonprofit_id: str, pending_id: str) -> Any:
    """The transfer that posted or voided ``pending_id`` (a row), or None."""
    found = connection.execute(_RESOLUTION, {"np": nonprofit_id, "pending": pending_id})
    return found.one_or_none()


def _lock(connection: Connection, nonprofit_id: str, *ids: str) -> dict[str, Any]:
    """Lock the accounts ``ids`` that keep counters, in the order of their ids, and read the
    others; return them by id. NotFound if one is missing."""
    pair = {"np": nonprofit_id, "a": ids[0], "b": ids[-1]}
    found = {row.id: row for row in _LOCK.execute(connection, pair)}
    if len(found) < len(set(ids)):
        found.update((row.id, row) for row in _READ.execute(connection, pair))
    for account_id in ids:
        if account_id not in found:
            raise NotFound(f"no account {account_id}", code="account_not_found")
    return found


def lock_accounts(session: Session, nonprofit_id: str, *ids: str) -> dict[str, Any]:
    """Lock the accounts' rows in the order of their ids (as every transfer does, so no two
    transactions wait for each other in a circle) and return them by id."""
    session.flush()
    return _lock(session.connection(), nonprofit_id, *ids)


def _add(
    connection: Connection,
    nonprofit_id: str,
    found: dict[str, Any],
    changes: dict[str, dict[str, int]],
) -> None:
    """Add to the counters of the accounts that keep them (one statement; rows locked)."""
    kept = sorted(account_id for account_id in changes if found[account_id].keeps_counters)
    if not kept:
        return
    values: dict[str, Any] = {"np": nonprofit_id, "a": kept[0], "b": kept[-1]}
    for letter, account_id in (("a", kept[0]), ("b", kept[-1])):
        values.update({f"{letter}_{name}": changes[account_id].get(name, 0) for name in _COUNTERS})
    _ADD.execute(connection, values)


def summed_counters(connection: Connection, nonprofit_id: str, account_id: str) -> dict[str, int]:
    """An account's four counters summed from its transfers (what an account without
    ``keeps_counters`` holds; for the others, what its row must hold)."""
    counters = dict.fromkeys(_COUNTERS, 0)
    for kind, column in (
        ("debits", _transfers.c.debit_account_id),
        ("credits", _transfers.c.credit_account_id),
    ):
        rows = connection.execute(
            select(_transfers.c.flags, func.sum(_transfers.c.amount))
            .where(_transfers.c.nonprofit_id == nonprofit_id, column == account_id)
            .group_by(_transfers.c.flags)
        )
        for flags, amount in rows:
            add_counters(counters, kind, flags, int(amount))
    return counters


def add_counters(counters: dict[str, int], kind: str, flags: str, amount: int) -> None:
    """Add a transfer of ``flags`` and ``amount`` to one side (``debits`` or ``credits``)."""
    side = "pending" if flags in (PENDING, POST, VOID) else "posted"
    counters[f"{kind}_{side}"] += amount if flags in (PENDING, POSTED) else -amount
    if flags == POST:
        counters[f"{kind}_posted"] += amount


def _replayed(existing: Any, wanted: dict[str, Any]) -> Any:
    if any(getattr(existing, name) != wanted[name] for name in _COMPARED):
        raise IdempotencyConflict(
            f"transfer {existing.id} was made with other fields",
            details={"transfer_id": existing.id},
        )
    return existing


def create_transfer(
    session: Session, nonprofit_id: str, spec: TransferSpec, now: dt.datetime
) -> Any:
    """Write the transfer ``spec`` (or return the one written under its id) in the session's
    transaction; see :func:`write_transfer`."""
    session.flush()
    return write_transfer(session.connection(), nonprofit_id, spec, now)


def _checked(spec: TransferSpec, debit: Any, credit: Any) -> None:
    """Raise what keeps ``spec`` from being written between ``debit`` and ``credit``."""
    if debit.currency != credit.currency:
        raise InvalidRequest("the accounts hold different currencies", code="currency_mismatch")
    if debit.must_not_overdraw and available_of(debit) < spec.amount:
        raise InsufficientFunds(
            f"the balance has {available_of(debit)} available, less than {spec.amount}",
            details={"available": available_of(debit), "amount": spec.amount},
        )


def write_transfer(
    connection: Connection,
    nonprofit_id: str,
    spec: TransferSpec,
    now: dt.datetime,
    locked: dict[str, Row[Any]] | None = None,
) -> Any:
    """Write the transfer ``spec`` (or return the one written under its id); see the module.

    ``locked``: the two accounts' rows, already locked in this transaction as
    :func:`lock_accounts` does (they are locked here otherwise). Raises
    ``InsufficientFunds`` (with ``available``) when the debit account has
    ``must_not_overdraw`` and too little available, ``invalid_amount`` for an amount that
    is not positive, ``currency_mismatch`` between accounts of two currencies. A transfer
    already written under the id is returned instead, whatever the balances are now, if its
    fields are the same (``idempotency_conflict`` otherwise).
    """
    if spec.amount <= 0:
        raise InvalidRequest(
            "the amount must be a positive number of minor units", code="invalid_amount"
        )
    if spec.debit_account_id == spec.credit_account_id:
        raise InvalidRequest("a transfer needs two different accounts", code="same_account")
    ids = (spec.debit_account_id, spec.credit_account_id)
    found = locked or _lock(connection, nonprofit_id, *ids)
    wanted = {
        "nonprofit_id": nonprofit_id,
        "id": spec.id,
        "debit_account_id": spec.debit_account_id,
        "credit_account_id": spec.credit_account_id,
        "amount": spec.amount,
        "kind": spec.kind,
        "flags": PENDING if spec.pending else POSTED,
        "pending_id": None,
        "timeout_at": now + spec.timeout if spec.pending and spec.timeout else None,
        "reference": spec.reference,
        "note": spec.note,
        "created_at": now,
    }
    try:
        _checked(spec, found[spec.debit_account_id], found[spec.credit_account_id])
    except HoudiniPayError:
        existing = find_transfer(connection, nonprofit_id, spec.id)
        if existing is None:
            raise
        return _replayed(existing, wanted)
    if connection.execute(_INSERT_NEW[connection.dialect.name], wanted).first() is None:
        return _replayed(find_transfer(connection, nonprofit_id, spec.id), wanted)
    side = "pending" if spec.pending else "posted"
    changes = {ids[0]: {f"debits_{side}": spec.amount}, ids[1]: {f"credits_{side}": spec.amount}}
    _add(connection, nonprofit_id, found, changes)
    return SimpleNamespace(**wanted)


def resolve_pending(
    session: Session, nonprofit_id: str, pending_id: str, *, post: bool, now: dt.datetime
) -> Any:
    """Post (``post=True``) or void the pending transfer ``pending_id``, at most once.

    Returns the resolving transfer (id ``<pending_id>:post`` or ``:void``); asking again for
    the same resolution returns it again; asking for the other one is a ``conflict``.
    """
    session.flush()
    connection = session.connection()
    pending = find_transfer(connection, nonprofit_id, pending_id)
    if pending is None or pending.flags != PENDING:
        raise NotFound(f"no pending transfer {pending_id}", code="pending_transfer_not_found")
    found = _lock(connection, nonprofit_id, pending.debit_account_id, pending.credit_account_id)
    flags = POST if post else VOID
    done = resolution_of(connection, nonprofit_id, pending_id)
    if done is not None:
        if done.flags != flags:
            raise Conflict(
                f"transfer {pending_id} was already {'posted' if done.flags == POST else 'voided'}",
                code="pending_transfer_resolved",
                details={"transfer_id": pending_id, "resolution": done.flags},
            )
        return done
    amount = pending.amount
    debit = {"debits_pending": -amount, **({"debits_posted": amount} if post else {})}
    credit = {"credits_pending": -amount, **({"credits_posted": amount} if post else {})}
    _add(
        connection,
        nonprofit_id,
        found,
        {pending.debit_account_id: debit, pending.credit_account_id: credit},
    )
    values = {
        "nonprofit_id": nonprofit_id,
        "id": f"{pending_id}:{flags}",
        "debit_account_id": pending.debit_account_id,
        "credit_account_id": pending.credit_account_id,
        "amount": amount,
        "kind": pending.kind,
        "flags": flags,
        "pending_id": pending_id,
        "timeout_at": None,
        "reference": pending.reference,
        "note": None,
        "created_at": now,
    }
    connection.execute(_INSERT, values)
    return SimpleNamespace(**values)
