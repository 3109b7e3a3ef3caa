"""houdini-pay tickets: events, ticket levels with limited seats, the ``ticket`` payment type."""

from houdini_pay_tickets.catalog import (
    EventRecord,
    LevelRecord,
    TicketRecord,
    create_event,
    create_level,
    item_key,
    list_events,
    list_levels,
    list_tickets,
)
from houdini_pay_tickets.models import Ticket, TicketEvent, TicketLevel
from houdini_pay_tickets.payment_type import TicketPaymentType

__all__ = [
    "EventRecord",
    "LevelRecord",
    "Ticket",
    "TicketEvent",
    "TicketLevel",
    "TicketPaymentType",
    "TicketRecord",
    "create_event",
    "create_level",
    "item_key",
    "list_events",
    "list_levels",
    "list_tickets",
]
