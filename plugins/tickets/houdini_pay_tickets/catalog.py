"""Events and ticket levels: creating them and reading them with their seat counts.

Every function takes the application and opens its own unit of work; each record belongs to
one nonprofit and is looked up scoped to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from houdini_pay import (
    ALL_NONPROFITS,
    AllNonprofits,
    HoudiniPay,
    inventory,
    load_tenant_row,
    new_id,
    text,
)
from houdini_pay.errors import InvalidRequest
from houdini_pay.money import validate_amount
from houdini_pay_tickets.models import Ticket, TicketEvent, TicketLevel

__all__ = [
    "EventRecord",
    "LevelRecord",
    "TicketRecord",
    "create_event",
    "create_level",
    "item_key",
    "list_events",
    "list_levels",
    "list_tickets",
    "load_event",
    "load_level",
]

MAX_NAME = 200


def item_key(level_id: str) -> str:
    """The core inventory key holding a level's seats."""
    return f"ticket_level:{level_id}"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


@dataclass(frozen=True, slots=True)
class EventRecord:
    """An event, as the CLI prints it."""

    id: str
    nonprofit_id: str
    name: str
    starts_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        """The event as JSON."""
        return {**asdict(self), "starts_at": _iso(self.starts_at)}


@dataclass(frozen=True, slots=True)
class LevelRecord:
    """A ticket level with its seat counts (``remaining`` None: unlimited)."""

    id: str
    nonprofit_id: str
    event_id: str
    name: str
    amount: int
    currency: str
    limit: int | None
    fair_market_value: int | None
    sales_start: dt.datetime | None
    sales_end: dt.datetime | None
    sold: int
    held: int
    remaining: int | None

    def to_dict(self) -> dict[str, Any]:
        """The level as JSON."""
        data = asdict(self)
        data["sales_start"], data["sales_end"] = _iso(self.sales_start), _iso(self.sales_end)
        return data


@dataclass(frozen=True, slots=True)
class TicketRecord:
    """Tickets of one level bought by one payment."""

    id: str
    event_id: str
    level_id: str
    payment_id: str
    supporter_id: str
    quantity: int
    status: str

    def to_dict(self) -> dict[str, Any]:
        """The tickets as JSON."""
        return asdict(self)


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_NAME:
        raise InvalidRequest(f"name must be 1 to {MAX_NAME} characters", details={"field": "name"})
    return text.check_text(value.strip(), "name")


def load_event(
    session: Session, event_id: object, nonprofit_id: str | AllNonprofits
) -> TicketEvent:
    """The nonprofit's event, or ``NotFound`` (``event_not_found``).

    Raises:
        TypeError: ``nonprofit_id`` is None (pass ``houdini_pay.ALL_NONPROFITS`` to look in
            every nonprofit).
    """
    return load_tenant_row(
        session, TicketEvent, event_id, nonprofit_id, not_found="event_not_found"
    )


def load_level(
    session: Session, level_id: object, nonprofit_id: str | AllNonprofits
) -> TicketLevel:
    """The nonprofit's ticket level, or ``NotFound`` (``ticket_level_not_found``).

    Raises:
        TypeError: ``nonprofit_id`` is None (pass ``houdini_pay.ALL_NONPROFITS`` to look in
            every nonprofit).
    """
    return load_tenant_row(
        session, TicketLevel, level_id, nonprofit_id, not_found="ticket_level_not_found"
    )


def _event_record(row: TicketEvent) -> EventRecord:
    return EventRecord(row.id, row.nonprofit_id, row.name, row.starts_at)


def create_event(
    app: HoudiniPay, nonprofit_id: str, name: str, *, starts_at: dt.datetime | None = None
) -> EventRecord:
    """Create an event of ``nonprofit_id``."""
    name = _name(name)
    app.get_nonprofit(nonprofit_id)
    with app.unit_of_work() as uow:
        row = TicketEvent(
            id=new_id("evn"), nonprofit_id=nonprofit_id, name=name, starts_at=starts_at
        )
        uow.session.add(row)
        uow.session.flush()
        return _event_record(row)


def list_events(app: HoudiniPay, nonprofit_id: str) -> list[EventRecord]:
    """The nonprofit's events, oldest first."""
    app.get_nonprofit(nonprofit_id)
    with app.session() as session:
        rows = session.scalars(
            select(TicketEvent)
            .where(TicketEvent.nonprofit_id == nonprofit_id)
            .order_by(TicketEvent.id)
        )
        return [_event_record(row) for row in rows]


def _level_record(session: Session, row: TicketLevel, now: dt.datetime) -> LevelRecord:
    counts = inventory.item_counts(session, row.nonprofit_id, item_key(row.id), now)
    return LevelRecord(
        id=row.id,
        nonprofit_id=row.nonprofit_id,
        event_id=row.event_id,
        name=row.name,
        amount=row.amount,
        currency=row.currency,
        limit=row.seat_limit,
        fair_market_value=row.fair_market_value,
        sales_start=row.sales_start,
        sales_end=row.sales_end,
        sold=counts.issued,
        held=counts.held,
        remaining=counts.remaining,
    )


def _check_level_numbers(amount: int, limit: int | None, fair_market_value: int | None) -> None:
    validate_amount(amount)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise InvalidRequest(
            f"limit must be a whole number of seats, zero or more, not {limit!r}",
            code="invalid_limit",
        )
    if fair_market_value is not None and (
        isinstance(fair_market_value, bool)
        or not isinstance(fair_market_value, int)
        or not 0 <= fair_market_value <= amount
    ):
        raise InvalidRequest(
            "fair market value must be whole minor units between 0 and the ticket price",
            code="invalid_fair_market_value",
        )


def create_level(
    app: HoudiniPay,
    event_id: str,
    name: str,
    amount: int,
    *,
    limit: int | None,
    fair_market_value: int | None = None,
    sales_start: dt.datetime | None = None,
    sales_end: dt.datetime | None = None,
) -> LevelRecord:
    """Create a ticket level of an event; ``limit`` None sells unlimited seats."""
    name = _name(name)
    _check_level_numbers(amount, limit, fair_market_value)
    if sales_start and sales_end and sales_end <= sales_start:
        raise InvalidRequest("the sale must end after it starts", code="invalid_sale_window")
    with app.unit_of_work() as uow:
        session = uow.session
        event = load_event(session, event_id, ALL_NONPROFITS)
        nonprofit = app.get_nonprofit(event.nonprofit_id)
        row = TicketLevel(
            id=new_id("tlv"),
            nonprofit_id=event.nonprofit_id,
            event_id=event.id,
            name=name,
            amount=amount,
            currency=nonprofit.currency,
            seat_limit=limit,
            fair_market_value=fair_market_value,
            sales_start=sales_start,
            sales_end=sales_end,
        )
        session.add(row)
        session.flush()
        inventory.define_item(session, event.nonprofit_id, item_key(row.id), limit)
        return _level_record(session, row, app.clock())


def list_levels(app: HoudiniPay, event_id: str) -> list[LevelRecord]:
    """The event's levels with sold, held and remaining seats, oldest first."""
    now = app.clock()
    with app.session() as session:
        event = load_event(session, event_id, ALL_NONPROFITS)
        rows = session.scalars(
            select(TicketLevel)
            .where(TicketLevel.nonprofit_id == event.nonprofit_id, TicketLevel.event_id == event.id)
            .order_by(TicketLevel.id)
        )
        return [_level_record(session, row, now) for row in rows]


def list_tickets(app: HoudiniPay, event_id: str) -> list[TicketRecord]:
    """Every ticket line of the event, oldest first."""
    with app.session() as session:
        event = load_event(session, event_id, ALL_NONPROFITS)
        rows = session.scalars(
            select(Ticket)
            .where(Ticket.nonprofit_id == event.nonprofit_id, Ticket.event_id == event.id)
            .order_by(Ticket.id)
        )
        return [
            TicketRecord(
                r.id, r.event_id, r.level_id, r.payment_id, r.supporter_id, r.quantity, r.status
            )
            for r in rows
        ]
