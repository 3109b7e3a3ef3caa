"""The ``ticket`` payment type: seats of one or more ticket levels.

Type object, one level or several::

    {"ticket_level_id": "tlv_...", "quantity": 2}
    {"lines": [{"ticket_level_id": "tlv_...", "quantity": 2},
               {"ticket_level_id": "tlv_...", "quantity": 1}]}

The amount must equal the sum of price times quantity. Seats are held by the core while the
payment runs (``reserve_limited_items``) and issued in the finalize transaction; a failed or
abandoned payment gives them back, and so does a full refund.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from houdini_pay import (
    ErrorInfo,
    ItemRequest,
    PaymentContext,
    PaymentRecord,
    PaymentType,
    inventory,
    new_id,
)
from houdini_pay.errors import InvalidRequest
from houdini_pay_tickets.catalog import item_key, load_level
from houdini_pay_tickets.models import Ticket, TicketLevel

__all__ = ["MAX_QUANTITY", "TicketLine", "TicketPaymentType", "parse_lines"]

MAX_QUANTITY = 100
ISSUED = "issued"
REFUNDED = "refunded"


@dataclass(frozen=True, slots=True)
class TicketLine:
    """Seats of one level asked for in a payment."""

    level_id: str
    quantity: int


def _invalid(message: str, **details: Any) -> InvalidRequest:
    return InvalidRequest(message, code="invalid_type_object", details=details)


def _line(obj: object) -> TicketLine:
    if not isinstance(obj, Mapping) or set(obj) - {"ticket_level_id", "quantity"}:
        raise _invalid('a ticket line is {"ticket_level_id": "tlv_...", "quantity": N}')
    level_id = obj.get("ticket_level_id")
    if not isinstance(level_id, str) or not level_id:
        raise _invalid("ticket_level_id is required", field="ticket_level_id")
    quantity = obj.get("quantity", 1)
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise _invalid("quantity must be a whole number", field="quantity")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise _invalid(f"quantity must be 1 to {MAX_QUANTITY}", field="quantity")
    return TicketLine(level_id, quantity)


def parse_lines(obj: Mapping[str, Any]) -> list[TicketLine]:
    """The ticket lines of a type object (see the module docstring)."""
    if "lines" in obj:
        if set(obj) != {"lines"}:
            raise _invalid("give either lines or one ticket_level_id, not both")
        raw = obj["lines"]
        if not isinstance(raw, list) or not raw:
            raise _invalid("lines must be a non-empty list", field="lines")
        lines = [_line(item) for item in raw]
    else:
        lines = [_line(obj)]
    seen = [line.level_id for line in lines]
    if len(set(seen)) != len(seen):
        raise _invalid("each ticket level may appear once; add up the quantities")
    return lines


def _levels(session: Session, context: PaymentContext) -> list[tuple[TicketLine, TicketLevel]]:
    lines = parse_lines(context.request.type_object)
    return [(line, load_level(session, line.level_id, context.nonprofit.id)) for line in lines]


def _check_sale_window(level: TicketLevel, context: PaymentContext) -> None:
    if level.sales_start is not None and context.now < level.sales_start:
        raise InvalidRequest(
            f"tickets of {level.name!r} go on sale at {level.sales_start.isoformat()}",
            code="ticket_sales_not_open",
            details={"ticket_level_id": level.id},
        )
    if level.sales_end is not None and context.now >= level.sales_end:
        raise InvalidRequest(
            f"the sale of {level.name!r} tickets has ended",
            code="ticket_sales_closed",
            details={"ticket_level_id": level.id},
        )


class TicketPaymentType(PaymentType):
    """Tickets to an event, each level a limited item of the core's inventory."""

    symbol = "ticket"
    display_name = "Tickets"

    def validate(self, session: Session, context: PaymentContext) -> None:
        """Check the lines, the sale windows and that the amount is the total price."""
        levels = _levels(session, context)
        for _line, level in levels:
            _check_sale_window(level, context)
        expected = sum(level.amount * line.quantity for line, level in levels)
        if context.request.amount != expected:
            raise InvalidRequest(
                f"the tickets cost {expected} minor units, not {context.request.amount}",
                code="amount_mismatch",
                details={"expected": expected, "got": context.request.amount},
            )

    def reserve_limited_items(
        self, session: Session, context: PaymentContext
    ) -> Sequence[ItemRequest]:
        """Hold the seats of every line (the core holds all of them or none)."""
        return [
            ItemRequest(item_key(line.level_id), line.quantity)
            for line in parse_lines(context.request.type_object)
        ]

    def hold_refused(
        self, session: Session, context: PaymentContext, item: ItemRequest, remaining: int
    ) -> ErrorInfo:
        """Name the level whose seats ran out, and how many are left."""
        level = load_level(session, item.item_key.removeprefix(item_key("")), context.nonprofit.id)
        if remaining == 0:
            return ErrorInfo("sold_out", f"{level.name} tickets are sold out")
        left = f"{remaining} {level.name} ticket{'s are' if remaining != 1 else ' is'} left"
        return ErrorInfo("sold_out", f"only {left}, not {item.quantity}")

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Issue the tickets: one row per level, in the finalize transaction."""
        for line, level in _levels(session, context):
            session.add(
                Ticket(
                    id=new_id("tkt"),
                    nonprofit_id=payment.nonprofit_id,
                    event_id=level.event_id,
                    level_id=level.id,
                    payment_id=payment.id,
                    supporter_id=context.supporter.id,
                    quantity=line.quantity,
                    status=ISSUED,
                    created_at=context.now,
                    updated_at=context.now,
                )
            )

    def on_refund(self, session: Session, payment: PaymentRecord, refund: PaymentRecord) -> None:
        """A full refund frees every seat of the payment; a partial one keeps the tickets.

        A partial refund (a discount given back) cannot say which seat it is for, so the
        tickets stay valid until the payment is refunded in full.
        """
        if payment.amount_refunded < payment.amount:
            return
        tickets = session.scalars(
            select(Ticket)
            .where(Ticket.payment_id == payment.id, Ticket.status == ISSUED)
            .order_by(Ticket.level_id)
            .with_for_update()
        )
        for ticket in tickets:
            inventory.restock(
                session, payment.nonprofit_id, item_key(ticket.level_id), ticket.quantity
            )
            ticket.status = REFUNDED
            ticket.updated_at = refund.created_at

    def fair_market_value(self, session: Session, payment: PaymentRecord) -> int:
        """Each ticket's declared value (its price when none is declared) times quantity."""
        rows = session.execute(
            select(Ticket.quantity, TicketLevel.amount, TicketLevel.fair_market_value)
            .join(TicketLevel, TicketLevel.id == Ticket.level_id)
            .where(Ticket.payment_id == payment.id)
        )
        return sum(
            quantity * (amount if value is None else value) for quantity, amount, value in rows
        )

    def describe(self, context: PaymentContext) -> str:
        """``3 tickets`` (``1 ticket``)."""
        try:
            seats = sum(line.quantity for line in parse_lines(context.request.type_object))
        except InvalidRequest:
            return "Tickets"
        return f"{seats} ticket{'s' if seats != 1 else ''}"
