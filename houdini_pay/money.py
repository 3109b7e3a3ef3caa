"""Amounts in minor units and the ISO 4217 currencies they are counted in.

An amount is always an ``int`` of the currency's minor unit: cents for USD, yen for JPY
(which has none), fils for KWD (a thousandth of a dinar). Floats and strings are refused so
that no rounding ever happens inside the system.

The exponents and the list of currencies in use come from the Unicode CLDR data that Babel
maintains, not from a table typed here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache

from babel.core import get_global
from babel.numbers import format_currency, get_currency_precision, get_territory_currencies

from houdini_pay.errors import InvalidAmount, InvalidCurrency

__all__ = [
    "MAX_AMOUNT",
    "currencies_in_use",
    "currency_exponent",
    "format_amount",
    "normalize_currency",
    "to_decimal",
    "to_minor_units",
    "validate_amount",
]


MAX_AMOUNT = 2**53 - 1
"""The largest amount accepted: JSON clients (JavaScript) read larger integers inexactly."""


@cache
def currencies_in_use() -> frozenset[str]:
    """ISO 4217 codes that some territory uses as legal tender today (per CLDR).

    Fund codes, precious metals and withdrawn currencies (XAU, XXX, HRK) are not in it.
    """
    today = dt.date.today()
    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        codes.update(get_territory_currencies(territory, today, tender=True))
    return frozenset(codes)


def normalize_currency(code: object) -> str:
    """Return ``code`` as an upper-case ISO 4217 code in use, or raise ``InvalidCurrency``."""
    if not isinstance(code, str):
        raise InvalidCurrency(f"currency must be a three-letter ISO 4217 code, not {code!r}")
    upper = code.strip().upper()
    if upper not in currencies_in_use():
        raise InvalidCurrency(f"{code!r} is not an ISO 4217 currency in use")
    return upper


def currency_exponent(code: str) -> int:
    """Number of decimal digits of the currency's minor unit (USD 2, JPY 0, KWD 3)."""
    return int(get_currency_precision(normalize_currency(code)))


def validate_amount(amount: object, *, field: str = "amount") -> int:
    """Return ``amount`` if it is a positive ``int`` of minor units, else raise ``InvalidAmount``.

    ``bool`` is refused although Python counts it as an ``int``: ``True`` is never a price.
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        kind = type(amount).__name__
        raise InvalidAmount(
            f"{field} must be a whole number of minor units (e.g. 2500 for 25.00), not a {kind}",
            details={"field": field},
        )
    if amount <= 0:
        raise InvalidAmount(
            f"{field} must be greater than zero, got {amount}", details={"field": field}
        )
    if amount > MAX_AMOUNT:
        raise InvalidAmount(
            f"{field} must be at most {MAX_AMOUNT} minor units", details={"field": field}
        )
    return amount


def to_decimal(amount: int, currency: str) -> Decimal:
    """Minor units as a ``Decimal`` of major units (1234 KWD fils is ``Decimal("1.234")``)."""
    return Decimal(amount).scaleb(-currency_exponent(currency))


def to_minor_units(value: Decimal | str, currency: str) -> int:
    """Major units (``Decimal`` or string such as ``"12.50"``) as an ``int`` of minor units.

    Raises ``InvalidAmount`` if the value has more digits than the currency allows.
    """
    decimal = Decimal(value)
    scaled = decimal.scaleb(currency_exponent(currency))
    if scaled != scaled.to_integral_value():
        raise InvalidAmount(f"{value} has more decimal places than {currency} allows")
    return int(scaled)


def format_amount(amount: int, currency: str, locale: str = "en_US") -> str:
    """Format minor units for people, e.g. ``format_amount(-2500, "USD") == "-$25.00"``."""
    return str(
        format_currency(to_decimal(amount, currency), currency, locale=locale, currency_digits=True)
    )
