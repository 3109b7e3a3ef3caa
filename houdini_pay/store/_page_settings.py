"""The donor pages' branding and embedding, one row per nonprofit.

Kept apart from :mod:`houdini_pay.store._models` (one table, one module), on the same
:class:`~houdini_pay.store._models.Base` so that migrations and the key checks see it.
What may be stored is decided by :mod:`houdini_pay.web.branding`, which alone writes it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay.store._models import Base, utcnow

__all__ = ["PageSettings"]


class PageSettings(Base):
    """How a nonprofit's donor pages look and which sites may frame them.

    A tenant table keyed by ``nonprofit_id`` alone: a nonprofit has one set of page
    settings. ``presets`` are ``{"amount": minor_units, "label": text}`` objects in
    ``currency`` (the nonprofit's when they were set; other currencies' presets are not
    shown). ``frame_ancestors`` are origins (``https://example.org``).
    """

    __tablename__ = "page_settings"

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    logo_url: Mapped[str | None] = mapped_column(String(2000))
    accent: Mapped[str | None] = mapped_column(String(7))
    headline: Mapped[str | None] = mapped_column(String(200))
    story: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3))
    presets: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    frame_ancestors: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
