"""Limited items: holding, issuing and giving back seats and other countable things.

The invariant ``issued + held <= capacity`` is kept by conditional ``UPDATE`` statements
(``... SET held = held + q WHERE issued + held + q <= capacity``): the database applies each
one atomically under its row lock, so the invariant holds with any number of concurrent
buyers on PostgreSQL, and on SQLite where write transactions are serialized anyway. No
read-then-write happens in Python.

A hold that expires is swept (its quantity given back) lazily before every new hold of the
same item, and by :func:`sweep_expired` for all items. A hold is turned into issued items
with a conditional update of its state, so a sweep and a late finalize can never both
count it.

Plugins define their items with :func:`define_item` (or create them when first needed with
:func:`ensure_item`, which any number of payments may call at once) and give refunded items
back with :func:`restock`; the pipeline does the rest.

A **standing hold** (:func:`hold_standing`: no attempt, no expiry, an open invoice's seats)
counts in ``held``; its owner records it and issues or releases it (:func:`issue_standing`).
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Insert, func, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from houdini_pay import text
from houdini_pay.contract._payment_types import HeldItem, ItemRequest
from houdini_pay.errors import InvalidRequest, SoldOut
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import LimitedItem, Reservation
from houdini_pay.store._states import ReservationState

__all__ = [
    "ItemCounts",
    "define_item",
    "ensure_item",
    "finalize",
    "hold",
    "hold_standing",
    "holds_of_attempt",
    "issue_standing",
    "item_counts",
    "release",
    "release_standing",
    "restock",
    "sweep_expired",
]

_HELD = ReservationState.HELD.value


@dataclass(frozen=True, slots=True)
class ItemCounts:
    """How much of an item is issued, held and left (``remaining`` None: unlimited)."""

    item_key: str
    capacity: int | None
    issued: int
    held: int

    @property
    def remaining(self) -> int | None:
        """What can still be held, or None for an unlimited item."""
        if self.capacity is None:
            return None
        return max(self.capacity - self.issued - self.held, 0)


MAX_KEY_LENGTH = 120
"""The longest item key (the column's length)."""


def _check_item(item_key: str, capacity: int | None) -> None:
    if not isinstance(item_key, str) or not 1 <= len(item_key) <= MAX_KEY_LENGTH:
        raise InvalidRequest(
            f"an item key must be 1 to {MAX_KEY_LENGTH} characters", code="invalid_item_key"
        )
    text.check_text(item_key, "item key")
    if capacity is not None and (
        isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0
    ):
        raise InvalidRequest(f"capacity must be zero or more, not {capacity!r}")


def _insert_if_missing(session: Session) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING`` of a limited item, in the session's dialect."""
    if session.connection().dialect.name == "postgresql":
        return postgresql.insert(LimitedItem).on_conflict_do_nothing()
    return sqlite.insert(LimitedItem).on_conflict_do_nothing()


def ensure_item(session: Session, nonprofit_id: str, item_key: str, capacity: int | None) -> None:
    """Create the item with ``capacity`` unless it exists; an existing item is left as it is.

    For items made when first needed (one membership per supporter, a seat per table):
    any number of payments may call it for the same item at once, on either database, and
    exactly one creates it. It needs no lock of its own: the payments then queue on the
    item's row when they hold it.
    """
    _check_item(item_key, capacity)
    session.flush()  # the plugin's own pending rows go first, as they would on a flush
    values = {
        "nonprofit_id": nonprofit_id,
        "item_key": item_key,
        "capacity": capacity,
        "issued": 0,
        "held": 0,
    }
    session.execute(_insert_if_missing(session), values)


def define_item(session: Session, nonprofit_id: str, item_key: str, capacity: int | None) -> None:
    """Create the item, or change its capacity (never below what is issued and held).

    Safe when several transactions define the same item at once: the last one's capacity
    stands.
    """
    ensure_item(session, nonprofit_id, item_key, capacity)
    row = session.get(
        LimitedItem, (nonprofit_id, item_key), with_for_update=True, populate_existing=True
    )
    assert row is not None  # ensure_item made it, or it existed
    if capacity is not None and capacity < row.issued + row.held:
        raise InvalidRequest(
            f"capacity {capacity} is below the {row.issued + row.held} already issued or held",
            code="capacity_too_low",
        )
    row.capacity = capacity


def item_counts(
    session: Session, nonprofit_id: str, item_key: str, now: dt.datetime | None = None
) -> ItemCounts:
    """Current counts of an item; holds past ``now`` are not counted as held."""
    row = session.get(LimitedItem, (nonprofit_id, item_key), populate_existing=True)
    if row is None:
        raise InvalidRequest(f"no limited item {item_key!r}", code="item_not_found")
    held = row.held
    if now is not None:
        expired = session.scalar(
            select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
                Reservation.nonprofit_id == nonprofit_id,
                Reservation.item_key == item_key,
                Reservation.state == _HELD,
                Reservation.expires_at < now,
            )
        )
        held -= int(expired or 0)
    return ItemCounts(item_key, row.capacity, row.issued, held)


def _release_quantities(
    session: Session, nonprofit_id: str, released: Iterable[tuple[str, int]]
) -> None:
    totals: dict[str, int] = {}
    for item_key, quantity in released:
        totals[item_key] = totals.get(item_key, 0) + quantity
    for item_key, quantity in sorted(totals.items()):
        _shift(session, nonprofit_id, item_key, true(), {"held": LimitedItem.held - quantity})


def sweep_expired(
    session: Session,
    now: dt.datetime,
    *,
    nonprofit_id: str | None = None,
    item_key: str | None = None,
) -> int:
    """Give back every hold that expired before ``now``; return how many were swept."""
    statement = (
        update(Reservation)
        .where(Reservation.state == _HELD, Reservation.expires_at < now)
        .values(state=ReservationState.RELEASED.value)
        .returning(Reservation.nonprofit_id, Reservation.item_key, Reservation.quantity)
    )
    if nonprofit_id is not None:
        statement = statement.where(Reservation.nonprofit_id == nonprofit_id)
    if item_key is not None:
        statement = statement.where(Reservation.item_key == item_key)
    rows = session.execute(statement, execution_options={"synchronize_session": False}).all()
    by_nonprofit: dict[str, list[tuple[str, int]]] = {}
    for owner, key, quantity in rows:
        by_nonprofit.setdefault(owner, []).append((key, quantity))
    for owner, released in by_nonprofit.items():
        _release_quantities(session, owner, released)
    return len(rows)


def _check_quantity(quantity: object) -> None:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise InvalidRequest(
            f"quantity must be positive, not {quantity!r}", code="invalid_quantity"
        )


def _shift(
    session: Session,
    nonprofit_id: str,
    item_key: str,
    enough: ColumnElement[bool],
    values: Mapping[str, Any],
) -> bool:
    """Change the item's counts by ``values`` if ``enough`` holds; whether it did."""
    result = session.execute(
        update(LimitedItem)
        .where(LimitedItem.nonprofit_id == nonprofit_id, LimitedItem.item_key == item_key, enough)
        .values(values)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _take(session: Session, nonprofit_id: str, item_key: str, quantity: int) -> None:
    """Add ``quantity`` to ``held`` if it fits, else raise ``SoldOut``."""
    fits = LimitedItem.capacity.is_(None) | (
        LimitedItem.issued + LimitedItem.held + quantity <= LimitedItem.capacity
    )
    if _shift(session, nonprofit_id, item_key, fits, {"held": LimitedItem.held + quantity}):
        return
    row = session.get(LimitedItem, (nonprofit_id, item_key), populate_existing=True)
    if row is None:
        raise InvalidRequest(
            f"no limited item {item_key!r}", code="item_not_found", details={"item_key": item_key}
        )
    remaining = max((row.capacity or 0) - row.issued - row.held, 0)
    # The message never names the key: it may reach a donor; the pipeline asks the payment
    # type for better words (PaymentType.hold_refused).
    raise SoldOut(
        f"only {remaining} left, not enough for {quantity} more",
        details={"item_key": item_key, "quantity": quantity, "remaining": remaining},
    )


def hold(
    session: Session,
    nonprofit_id: str,
    attempt_id: str,
    requests: Sequence[ItemRequest],
    now: dt.datetime,
    default_hold_for: dt.timedelta,
) -> list[HeldItem]:
    """Hold every requested item for ``attempt_id``, or none of them (``SoldOut``).

    Items are taken in key order so concurrent buyers of several items lock rows in the
    same order and never deadlock. The caller's transaction rolls back on ``SoldOut``.
    """
    held: list[HeldItem] = []
    for request in sorted(requests, key=lambda r: r.item_key):
        _check_quantity(request.quantity)
        sweep_expired(session, now, nonprofit_id=nonprofit_id, item_key=request.item_key)
        _take(session, nonprofit_id, request.item_key, request.quantity)
        expires_at = now + (request.hold_for or default_hold_for)
        reservation = Reservation(
            id=new_id("res"),
            nonprofit_id=nonprofit_id,
            attempt_id=attempt_id,
            item_key=request.item_key,
            quantity=request.quantity,
            state=_HELD,
            expires_at=expires_at,
        )
        session.add(reservation)
        held.append(HeldItem(reservation.id, request.item_key, request.quantity, expires_at))
    session.flush()
    return held


def holds_of_attempt(
    session: Session, attempt_id: str, nonprofit_id: str | None = None
) -> list[Reservation]:
    """Every reservation made for ``attempt_id`` of ``nonprofit_id``, in item order.

    ``nonprofit_id`` is required in practice: without it (deprecated) the search covers every
    nonprofit, which a database sharded by nonprofit runs on every shard.
    """
    statement = select(Reservation).where(Reservation.attempt_id == attempt_id)
    if nonprofit_id is None:
        warnings.warn(
            "holds_of_attempt(session, attempt_id) without nonprofit_id is deprecated: "
            "pass the attempt's nonprofit_id",
            DeprecationWarning,
            stacklevel=2,
        )
    else:
        statement = statement.where(Reservation.nonprofit_id == nonprofit_id)
    return list(session.scalars(statement.order_by(Reservation.item_key)))


def _set_state(session: Session, reservation: Reservation, target: ReservationState) -> bool:
    """Move a held reservation to ``target``; False if a sweep released it first."""
    result = session.execute(
        update(Reservation)
        .where(
            Reservation.nonprofit_id == reservation.nonprofit_id,
            Reservation.id == reservation.id,
            Reservation.state == _HELD,
        )
        .values(state=target.value),
        execution_options={"synchronize_session": False},
    )
    session.refresh(reservation)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def finalize(session: Session, nonprofit_id: str, attempt_id: str) -> list[HeldItem]:
    """Turn the attempt's holds into issued items.

    A hold that was swept after expiring is taken again if enough remains; otherwise
    ``SoldOut`` is raised and the caller must give the money back.
    """
    issued: list[HeldItem] = []
    for reservation in holds_of_attempt(session, attempt_id, nonprofit_id):
        if reservation.state == ReservationState.FINALIZED.value:
            continue
        if not _set_state(session, reservation, ReservationState.FINALIZED):
            # Swept meanwhile: take the seats again (SoldOut if they were resold).
            _take(session, nonprofit_id, reservation.item_key, reservation.quantity)
            reservation.state = ReservationState.FINALIZED.value
        quantity = reservation.quantity
        moved = {"held": LimitedItem.held - quantity, "issued": LimitedItem.issued + quantity}
        _shift(session, nonprofit_id, reservation.item_key, true(), moved)
        issued.append(
            HeldItem(
                reservation.id, reservation.item_key, reservation.quantity, reservation.expires_at
            )
        )
    session.flush()
    return issued


def release(session: Session, nonprofit_id: str, attempt_id: str) -> list[HeldItem]:
    """Give back the attempt's holds that are still held; return what was released."""
    released: list[HeldItem] = []
    for reservation in holds_of_attempt(session, attempt_id, nonprofit_id):
        if reservation.state == _HELD and _set_state(
            session, reservation, ReservationState.RELEASED
        ):
            released.append(
                HeldItem(
                    reservation.id,
                    reservation.item_key,
                    reservation.quantity,
                    reservation.expires_at,
                )
            )
    _release_quantities(session, nonprofit_id, ((h.item_key, h.quantity) for h in released))
    return released


def restock(session: Session, nonprofit_id: str, item_key: str, quantity: int) -> None:
    """Give back ``quantity`` issued items (a refunded ticket frees its seat)."""
    values = {"issued": LimitedItem.issued - quantity}
    if not _shift(session, nonprofit_id, item_key, LimitedItem.issued >= quantity, values):
        raise InvalidRequest(
            f"cannot restock {quantity} of {item_key!r}: not that many issued",
            code="invalid_restock",
        )


def hold_standing(
    session: Session, nonprofit_id: str, item_key: str, quantity: int, now: dt.datetime
) -> None:
    """Hold ``quantity`` of an item with no attempt and no expiry, or raise ``SoldOut``.

    The caller records the hold on its own rows and moves it once, by :func:`issue_standing`
    or :func:`release_standing`, in the transaction that changes those rows."""
    _check_quantity(quantity)
    sweep_expired(session, now, nonprofit_id=nonprofit_id, item_key=item_key)
    _take(session, nonprofit_id, item_key, quantity)


def _move_standing(
    session: Session, nonprofit_id: str, item_key: str, quantity: int, issue: bool
) -> None:
    values = {"held": LimitedItem.held - quantity}
    if issue:
        values["issued"] = LimitedItem.issued + quantity
    if not _shift(session, nonprofit_id, item_key, LimitedItem.held >= quantity, values):
        raise InvalidRequest(f"{item_key!r} does not hold {quantity}", code="invalid_standing_hold")


def issue_standing(session: Session, nonprofit_id: str, item_key: str, quantity: int) -> None:
    """Turn a standing hold into issued items (the invoice holding them was paid)."""
    _move_standing(session, nonprofit_id, item_key, quantity, issue=True)


def release_standing(session: Session, nonprofit_id: str, item_key: str, quantity: int) -> None:
    """Give a standing hold back (the invoice holding it was voided)."""
    _move_standing(session, nonprofit_id, item_key, quantity, issue=False)
