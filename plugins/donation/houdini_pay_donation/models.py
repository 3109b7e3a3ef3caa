"""Tables of the donation plugin (on the shared metadata, migrated by its own branch)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay import Base, utcnow

__all__ = ["Donation"]


class Donation(Base):
    """A gift: what a donation payment was given for."""

    __tablename__ = "donations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    supporter_id: Mapped[str] = mapped_column(ForeignKey("supporters.id"), index=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), unique=True)
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    designation: Mapped[str | None] = mapped_column(String(200))
    dedication: Mapped[dict[str, Any] | None]
    comment: Mapped[str | None] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
