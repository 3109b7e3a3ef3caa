"""The tables of who is who: nonprofits, their supporters, addresses and payment sources,
and which plugins each nonprofit has turned off."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from houdini_pay.store._base import ID, Base, tenant_foreign_key, tenant_primary_key, utcnow

__all__ = ["Address", "Nonprofit", "PluginSetting", "Source", "Supporter"]


class Nonprofit(Base):
    """A tenant: an organisation receiving payments in one currency."""

    __tablename__ = "nonprofits"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    country: Mapped[str | None] = mapped_column(String(2))
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Supporter(Base):
    """A person or organisation giving to a nonprofit."""

    __tablename__ = "supporters"
    __table_args__ = (tenant_primary_key("supporters"),)

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Address(Base):
    """A postal address of a supporter."""

    __tablename__ = "addresses"
    __table_args__ = (
        tenant_primary_key("addresses"),
        tenant_foreign_key("addresses", "supporter_id", "supporters"),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    supporter_id: Mapped[str] = mapped_column(ID, index=True)
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Source(Base):
    """A way a supporter pays, as a processor's reference (a token, never a card number).

    A source type plugin keeps any detail of its own in its own table keyed by ``id``.
    """

    __tablename__ = "sources"
    __table_args__ = (
        tenant_primary_key("sources"),
        tenant_foreign_key("sources", "supporter_id", "supporters"),
    )

    id: Mapped[str] = mapped_column(ID)
    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), index=True)
    supporter_id: Mapped[str] = mapped_column(ID, index=True)
    processor: Mapped[str] = mapped_column(String(50))
    source_type: Mapped[str] = mapped_column(String(50))
    processor_reference: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PluginSetting(Base):
    """A nonprofit's choice to disable (or re-enable) a processor or payment type.

    No row means enabled: every installed plugin is on until a nonprofit turns it off.
    """

    __tablename__ = "plugin_settings"

    nonprofit_id: Mapped[str] = mapped_column(ForeignKey("nonprofits.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(50), primary_key=True)
    enabled: Mapped[bool]
