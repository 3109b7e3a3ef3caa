"""Read-only snapshots of stored records, safe to hand out after the session closes.

The Python API returns these, signals carry them, and the CLI and HTTP API print their
``to_dict()``. ORM objects never leave the unit of work that loaded them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Self

from houdini_pay.store import _models as models

__all__ = [
    "AddressRecord",
    "AttemptRecord",
    "NonprofitRecord",
    "PaymentRecord",
    "SourceRecord",
    "SupporterRecord",
]


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    # dataclasses.fields() is slow enough to show on the payment hot path: cache its names.
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


class _Record:
    """Shared ``to_dict`` and ``from_model`` for the snapshot dataclasses."""

    @classmethod
    def from_model(cls, row: Any) -> Self:
        """Copy the same-named attributes of an ORM object or a Core row."""
        return cls(**{name: getattr(row, name) for name in _names(cls)})

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Self:
        """Build from column values (a Core row's ``_mapping`` or the dict just inserted)."""
        return cls(**{name: values[name] for name in _names(cls)})

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready values (times as ISO 8601 strings in UTC)."""
        return {name: _jsonable(getattr(self, name)) for name in _names(type(self))}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, slots=True)
class NonprofitRecord(_Record):
    """A nonprofit: its id, name, slug, currency and country."""

    id: str
    name: str
    slug: str
    currency: str
    country: str | None
    address: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class SupporterRecord(_Record):
    """A supporter of a nonprofit."""

    id: str
    nonprofit_id: str
    name: str
    email: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AddressRecord(_Record):
    """A supporter's postal address."""

    id: str
    nonprofit_id: str
    supporter_id: str
    line1: str
    line2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class SourceRecord(_Record):
    """A stored way of paying: processor, source type and the processor's reference."""

    id: str
    nonprofit_id: str
    supporter_id: str
    processor: str
    source_type: str
    processor_reference: str | None
    name: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class PaymentRecord(_Record):
    """A payment as the nonprofit sees it (signed amount in minor units).

    ``channel`` says where it came from: ``api``, ``cli``, ``page``, ``recurring`` or
    ``staff`` (see :class:`houdini_pay.Channel`). ``invoice_id`` is the invoice it pays (a
    refund's or dispute's: its payment's); ``failure_reason`` why a failed or cancelled
    payment failed.
    """

    id: str
    nonprofit_id: str
    supporter_id: str | None
    attempt_id: str | None
    kind: str
    status: str
    amount: int
    currency: str
    gross: int
    fee: int
    net: int
    amount_refunded: int
    processor: str
    processor_reference: str | None
    payment_type: str | None
    source_id: str | None
    parent_id: str | None
    description: str | None
    channel: str
    invoice_id: str | None = None
    failure_reason: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    created_at: dt.datetime = field(default_factory=models.utcnow)
    updated_at: dt.datetime = field(default_factory=models.utcnow)


@dataclass(frozen=True, slots=True)
class AttemptRecord(_Record):
    """One run of the pipeline, as stored; ``channel`` is where its request came from."""

    id: str
    nonprofit_id: str
    operation: str
    idempotency_key: str
    channel: str
    state: str
    processor: str
    payment_type: str | None
    supporter_id: str | None
    source_id: str | None
    amount: int
    currency: str
    processor_reference: str | None
    next_action: Mapping[str, Any] | None
    error_code: str | None
    error_message: str | None
    payment_id: str | None
    parent_payment_id: str | None
    reconcile_count: int
    reversal_pending: bool
    created_at: dt.datetime
    updated_at: dt.datetime
