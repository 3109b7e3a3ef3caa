"""The tables of limited items: their stock and the holds on it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay.store._base import ID, Base, tenant_foreign_key, tenant_primary_key, utcnow

__all__ = ["LimitedItem", "Reservation"]


class LimitedItem(Base):
    """Stock of one limited item (a ticket level's seats, a gift option).

    ``issued + held <= capacity`` always holds; it is kept by conditional updates, so it
    holds under any number of concurrent buyers on SQLite and PostgreSQL alike.
    ``capacity`` None means unlimited (the counters are still kept).
    """

    __tablename__ = "limited_items"

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    item_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    capacity: Mapped[int | None]
    issued: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)


class Reservation(Base):
    """Limited items held for an attempt until it finalizes, fails or the hold expires."""

    __tablename__ = "reservations"
    __table_args__ = (
        tenant_primary_key("reservations"),
        tenant_foreign_key("reservations", "attempt_id", "payment_attempts"),
        Index(
            "ix_reservations_item_state_expires", "nonprofit_id", "item_key", "state", "expires_at"
        ),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    attempt_id: Mapped[str] = mapped_column(ID, index=True)
    item_key: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int]
    state: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
