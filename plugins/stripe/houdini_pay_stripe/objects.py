"""Reading Stripe objects whatever shape they arrive in.

A field that refers to another object is an id string, or the object itself when it was
expanded (or when a Stripe-compatible server expands it anyway); webhook snapshots are
plain JSON while API answers are ``StripeObject``. Everything here takes either and works on
plain ``dict`` values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import stripe

__all__ = [
    "application_fee",
    "as_dict",
    "card_name",
    "expanded",
    "in_currency",
    "metadata_of",
    "ref_id",
]


def as_dict(value: Any) -> dict[str, Any]:
    """A plain ``dict`` of a ``StripeObject`` or mapping (``{}`` for ``None``)."""
    if value is None:
        return {}
    if isinstance(value, stripe.StripeObject):
        return value.to_dict()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"expected a Stripe object, got {type(value).__name__}")


def ref_id(value: Any) -> str | None:
    """The id a reference field holds: the string itself, or the expanded object's id."""
    if value is None or isinstance(value, str):
        return value
    identifier = as_dict(value).get("id")
    return identifier if isinstance(identifier, str) else None


def expanded(value: Any) -> dict[str, Any] | None:
    """The object of a reference field when it was expanded, else ``None``."""
    if value is None or isinstance(value, str):
        return None
    return as_dict(value)


def metadata_of(obj: Mapping[str, Any]) -> dict[str, str]:
    """An object's metadata (``{}`` when it has none)."""
    metadata = obj.get("metadata")
    return {str(k): str(v) for k, v in as_dict(metadata).items()} if metadata else {}


def in_currency(
    transaction: Mapping[str, Any], field: str, currency: str, *, expected: int | None = None
) -> int:
    """A balance transaction's ``field`` in ``currency`` (the charge's currency).

    A balance transaction is in the account's settlement currency; when that differs from
    the charge's, its ``exchange_rate`` converts back (amounts are rounded to whole units).
    """
    value = int(transaction.get(field) or 0)
    if str(transaction.get("currency", currency)).lower() == currency.lower():
        return value
    rate = transaction.get("exchange_rate")
    if not rate:
        return value if expected is None else expected
    return round(value / float(rate))


def application_fee(amount: int, basis_points: int) -> int:
    """The platform's fee on ``amount`` at ``basis_points`` (1/100 of a percent), rounded down."""
    return amount * basis_points // 10_000


def card_name(card: Mapping[str, Any]) -> str:
    """``Visa •••• 4242``, or ``Card`` when nothing is known."""
    brand = str(card.get("display_brand") or card.get("brand") or "card").replace("_", " ")
    last4 = card.get("last4")
    label = brand.title() if brand.islower() else brand
    return f"{label} •••• {last4}" if last4 else label
