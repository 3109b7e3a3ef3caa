"""Tables of the tickets plugin (on the shared metadata, migrated by its own branch).

Seat counts are not kept here: each ticket level is a limited item of the core
(:mod:`houdini_pay.inventory`, key ``ticket_level:<id>``), whose conditional updates are what
make overselling impossible.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay import Base, tenant_foreign_key, tenant_primary_key, utcnow

__all__ = ["Ticket", "TicketEvent", "TicketLevel"]


class TicketEvent(Base):
    """An event a nonprofit sells tickets for (a gala, a concert)."""

    __tablename__ = "ticket_events"
    __table_args__ = (tenant_primary_key("ticket_events"),)

    id: Mapped[str] = mapped_column(String(40))
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TicketLevel(Base):
    """A kind of ticket of an event: its price, seat limit and sale window.

    ``seat_limit`` None means unlimited. ``fair_market_value`` is what one ticket is worth
    to the buyer (the dinner), for giving statements; None means the whole price.
    """

    __tablename__ = "ticket_levels"
    __table_args__ = (
        tenant_primary_key("ticket_levels"),
        tenant_foreign_key("ticket_levels", "event_id", "ticket_events"),
    )

    id: Mapped[str] = mapped_column(String(40))
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    seat_limit: Mapped[int | None]
    fair_market_value: Mapped[int | None]
    sales_start: Mapped[dt.datetime | None]
    sales_end: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Ticket(Base):
    """Tickets of one level issued by one payment (``status`` issued or refunded)."""

    __tablename__ = "tickets"
    __table_args__ = (
        tenant_primary_key("tickets"),
        tenant_foreign_key("tickets", "event_id", "ticket_events"),
        tenant_foreign_key("tickets", "level_id", "ticket_levels"),
        tenant_foreign_key("tickets", "payment_id", "payments"),
        tenant_foreign_key("tickets", "supporter_id", "supporters"),
        UniqueConstraint(
            "nonprofit_id",
            "payment_id",
            "level_id",
            name="uq_tickets_nonprofit_id_payment_id_level_id",
        ),
    )

    id: Mapped[str] = mapped_column(String(40))
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(40), index=True)
    level_id: Mapped[str] = mapped_column(String(40), index=True)
    payment_id: Mapped[str] = mapped_column(String(40))
    supporter_id: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
