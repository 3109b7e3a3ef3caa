"""``houdini-pay tickets ...``: events, ticket levels, issued tickets and sweeping holds."""

from __future__ import annotations

import datetime as dt

import click

from houdini_pay import HoudiniPay, inventory, json_option, parse_minor_units, pass_app, print_json
from houdini_pay.errors import InvalidRequest
from houdini_pay.money import format_amount
from houdini_pay_tickets import catalog

__all__ = ["tickets"]


def parse_moment(raw: str | None, option: str) -> dt.datetime | None:
    """``YYYY-MM-DD`` or an ISO 8601 time; a time without an offset is taken as UTC."""
    if raw is None:
        return None
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidRequest(
            f"{option} must be a date or time in ISO 8601 (2026-12-01 or 2026-12-01T18:00Z), "
            f"not {raw!r}",
            code="invalid_date",
        ) from None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _limit(raw: str | None) -> int | None:
    if raw is None or raw == "unlimited":
        return None
    if not raw.isdigit():
        raise InvalidRequest(
            f"--limit must be a whole number of seats or 'unlimited', not {raw!r}",
            code="invalid_limit",
        )
    return int(raw)


@click.group()
def tickets() -> None:
    """Events, ticket levels with limited seats, and issued tickets."""


@tickets.group()
def events() -> None:
    """Create and list events."""


@events.command("create")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--name", required=True, help="Name of the event.")
@click.option("--starts-at", help="When the event starts (ISO 8601).")
@json_option
@pass_app
def create_event(
    app: HoudiniPay, nonprofit_id: str, name: str, starts_at: str | None, as_json: bool
) -> None:
    """Create an event."""
    event = catalog.create_event(
        app, nonprofit_id, name, starts_at=parse_moment(starts_at, "--starts-at")
    )
    if as_json:
        print_json(event)
    else:
        click.echo(f"{event.id}  {event.name}")


@events.command("list")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@json_option
@pass_app
def list_events(app: HoudiniPay, nonprofit_id: str, as_json: bool) -> None:
    """List a nonprofit's events."""
    found = catalog.list_events(app, nonprofit_id)
    if as_json:
        print_json([event.to_dict() for event in found])
        return
    for event in found:
        click.echo(f"{event.id}  {event.name}")


@tickets.group()
def levels() -> None:
    """Create and list ticket levels (price, seat limit, sale window)."""


def _level_line(level: catalog.LevelRecord) -> str:
    limit = "unlimited" if level.limit is None else str(level.limit)
    remaining = "-" if level.remaining is None else str(level.remaining)
    return (
        f"{level.id}  {level.name}  {format_amount(level.amount, level.currency)}  "
        f"limit {limit}  sold {level.sold}  held {level.held}  remaining {remaining}"
    )


@levels.command("create")
@click.option("--event", "event_id", required=True, help="Event id.")
@click.option("--name", required=True, help="Name of the level (General admission).")
@click.option("--amount", required=True, help="Price of one ticket in minor units.")
@click.option("--limit", help="Seats for sale, or 'unlimited' (the default).")
@click.option("--fair-market-value", help="What one ticket is worth to the buyer, minor units.")
@click.option("--sales-start", help="When the sale opens (ISO 8601).")
@click.option("--sales-end", help="When the sale closes (ISO 8601).")
@json_option
@pass_app
def create_level(
    app: HoudiniPay,
    event_id: str,
    name: str,
    amount: str,
    limit: str | None,
    fair_market_value: str | None,
    sales_start: str | None,
    sales_end: str | None,
    as_json: bool,
) -> None:
    """Create a ticket level of an event."""
    level = catalog.create_level(
        app,
        event_id,
        name,
        parse_minor_units(amount) or 0,
        limit=_limit(limit),
        fair_market_value=parse_minor_units(fair_market_value, "--fair-market-value"),
        sales_start=parse_moment(sales_start, "--sales-start"),
        sales_end=parse_moment(sales_end, "--sales-end"),
    )
    if as_json:
        print_json(level)
    else:
        click.echo(_level_line(level))


@levels.command("list")
@click.option("--event", "event_id", required=True, help="Event id.")
@json_option
@pass_app
def list_levels(app: HoudiniPay, event_id: str, as_json: bool) -> None:
    """List an event's levels with sold, held and remaining seats."""
    found = catalog.list_levels(app, event_id)
    if as_json:
        print_json([level.to_dict() for level in found])
        return
    for level in found:
        click.echo(_level_line(level))


@tickets.command("list")
@click.option("--event", "event_id", required=True, help="Event id.")
@json_option
@pass_app
def list_tickets(app: HoudiniPay, event_id: str, as_json: bool) -> None:
    """List the tickets issued for an event (one line per payment and level)."""
    found = catalog.list_tickets(app, event_id)
    if as_json:
        print_json([ticket.to_dict() for ticket in found])
        return
    for ticket in found:
        click.echo(
            f"{ticket.id}  {ticket.quantity} x {ticket.level_id}  {ticket.status}  "
            f"payment {ticket.payment_id}"
        )


@tickets.command("sweep")
@json_option
@pass_app
def sweep(app: HoudiniPay, as_json: bool) -> None:
    """Give back every expired seat hold (also done before each new hold of a level)."""
    with app.unit_of_work() as uow:
        swept = inventory.sweep_expired(uow.session, app.clock())
    if as_json:
        print_json({"swept": swept})
    else:
        click.echo(f"{swept} expired hold{'s' if swept != 1 else ''} given back")
