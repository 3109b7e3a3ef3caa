"""The source type interface: how a supporter's way of paying becomes a stored source.

A source type turns the ``payment_processor_source_object`` the front end sends (a Stripe
payment method id, a bank account reference) into a processor reference. It never stores a
card number; it may call its processor's API in ``create`` (no transaction is open then),
and may keep detail in its own table in ``save``.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from houdini_pay.store._records import NonprofitRecord, SourceRecord, SupporterRecord

__all__ = ["NewSource", "SourceRequest", "SourceType"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRequest:
    """A request to store a source for a supporter.

    Attributes:
        source_object: the type-specific object (``{"payment_method": "pm_..."}``).
        name: a readable name the platform chose, if any.
    """

    nonprofit: NonprofitRecord
    supporter: SupporterRecord
    source_object: Mapping[str, Any]
    name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewSource:
    """What ``SourceType.create`` returns.

    Attributes:
        processor_reference: the processor's token or id (never a card number).
        name: a readable name (``"Visa •••• 4242"``).
        details: display-safe facts handed to ``save`` (brand, last4, expiry).
    """

    processor_reference: str | None
    name: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


class SourceType(abc.ABC):
    """Base class of source types. Set ``symbol`` and ``processor``; implement ``create``.

    ``source_object_schema`` is a JSON Schema of the ``payment_processor_source_object``
    the front end sends; ``payment-methods/available`` shows it (``None`` says nothing).
    """

    symbol: ClassVar[str]
    processor: ClassVar[str]
    display_name: ClassVar[str] = ""
    source_object_schema: ClassVar[Mapping[str, Any] | None] = None

    @abc.abstractmethod
    def create(self, request: SourceRequest) -> NewSource:
        """Validate the source object and obtain the processor's reference.

        Raise ``InvalidRequest`` for a malformed object. No database transaction is open.
        """

    def save(self, session: Session, source: SourceRecord, new: NewSource) -> None:
        """Store the plugin's own detail for ``source`` (in the source's transaction)."""
