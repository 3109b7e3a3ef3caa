"""Amounts a donor types, read the way the page's locale writes numbers.

A German donor writes five euros as ``5,00`` and five thousand as ``5.000``; an American
writes ``5.00`` and ``5,000``. Reading a typed amount with the wrong convention moves the
decimal point, so an amount is read by the page's locale (its separators and grouping come
from Babel's CLDR data) and the currency's number of decimals, and anything that could mean
two amounts is refused with a message saying how to write it. The page's script reads the
same way from :func:`amount_format` (``checkout.js`` ``parseAmount``); the two agree on the
cases in ``tests/web/amount_cases.json``.

Rules, with ``D`` the locale's decimal separator and ``G`` its group separator:

* digits, ``D``, ``G``, spaces and the currency's symbol or code only;
* at most one ``D``, followed by at most as many digits as the currency has decimals
  (none for yen);
* ``G`` only between well-formed groups (``1.234.567,89`` in German, ``12,34,567.89`` in
  Hindi): ``5,00`` on an English page is refused, not read as 500;
* a ``.`` or ``,`` that is neither ``D`` nor ``G`` of the locale (``5.00`` on a French page)
  is refused: the donor may be writing another country's way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from babel import Locale
from babel.numbers import (
    format_currency,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_pattern,
)

from houdini_pay.errors import InvalidAmount
from houdini_pay.money import MAX_AMOUNT, currency_exponent, to_decimal

__all__ = ["AmountFormat", "amount_format", "format_whole", "parse_amount"]

_SPACES = "\u0020\u00a0\u202f\u2009"
_MARKS = ".,'\u2019" + _SPACES


@dataclass(frozen=True, slots=True)
class AmountFormat:
    """How a locale writes an amount of one currency (what the page's script is given)."""

    locale: str
    currency: str
    exponent: int
    decimal: str
    group: str
    primary_group: int
    secondary_group: int
    symbol: str

    def to_config(self) -> dict[str, Any]:
        """The JSON the page's script reads (``config.amount_format``)."""
        return {
            "locale": self.locale.replace("_", "-"),
            "currency": self.currency,
            "exponent": self.exponent,
            "decimal": self.decimal,
            "group": self.group,
            "primary_group": self.primary_group,
            "secondary_group": self.secondary_group,
            "symbol": self.symbol,
        }

    def example(self) -> str:
        """Twenty-five units written the locale's way (``25,00`` in German, ``2500`` in yen)."""
        if self.exponent == 0:
            return "2500"
        return "25" + self.decimal + "0" * self.exponent


@cache
def amount_format(locale: str, currency: str) -> AmountFormat:
    """The separators and grouping of ``locale`` for amounts of ``currency``."""
    parsed = Locale.parse(locale)
    pattern = parse_pattern(parsed.currency_formats["standard"].pattern)
    primary, secondary = pattern.grouping
    return AmountFormat(
        locale=str(parsed),
        currency=currency,
        exponent=currency_exponent(currency),
        decimal=get_decimal_symbol(parsed),
        group=get_group_symbol(parsed),
        primary_group=primary,
        secondary_group=secondary,
        symbol=get_currency_symbol(currency, parsed),
    )


def _refuse(code: str, message: str) -> InvalidAmount:
    return InvalidAmount(message, code=code, details={"field": "amount"})


def _normal_group(group: str) -> str:
    # Locales that group with a (narrow) no-break space accept any space a keyboard types.
    return " " if group in _SPACES else group


def parse_amount(text: str, form: AmountFormat) -> int:
    """``text`` as minor units of ``form.currency``, read by ``form.locale``'s rules.

    Raises:
        InvalidAmount: ``amount_invalid`` (not an amount), ``amount_ambiguous`` (could be
            read two ways in this locale) or ``amount_too_precise`` (more decimals than the
            currency has). The message says how to write it.
    """
    example = form.example()
    cleaned = text.strip()
    for token in (form.symbol, form.currency):
        cleaned = cleaned.replace(token, "")
    # Any currency sign (a half-width ¥ on a page that writes the full-width ￥).
    cleaned = "".join(c for c in cleaned if unicodedata.category(c) != "Sc")
    group = _normal_group(form.group)
    for space in _SPACES:
        cleaned = cleaned.replace(space, " ")
    cleaned = cleaned.strip()
    if group != " ":
        cleaned = cleaned.replace(" ", "")
    if not cleaned or not re.fullmatch(r"[0-9.,'\u2019 ]+", cleaned) or not cleaned[0].isdigit():
        raise _refuse("amount_invalid", f"Enter an amount in numbers, like {example}.")
    foreign = set(cleaned) & set(_MARKS) - {form.decimal, group}
    if foreign:
        mark = sorted(foreign)[0]
        raise _refuse(
            "amount_ambiguous",
            f"{mark!r} is not how amounts are written here; write the amount like {example}.",
        )
    whole, _, fraction = cleaned.partition(form.decimal)
    if form.decimal in fraction or group in fraction:
        raise _refuse("amount_invalid", f"Enter an amount in numbers, like {example}.")
    if fraction and form.exponent == 0:
        raise _refuse(
            "amount_too_precise",
            f"{form.currency} amounts have no decimals; write the amount like {example}.",
        )
    if len(fraction) > form.exponent:
        raise _refuse(
            "amount_too_precise",
            f"{form.currency} amounts have at most {form.exponent} decimals; "
            f"write the amount like {example}.",
        )
    if not fraction and cleaned.endswith(form.decimal):
        raise _refuse("amount_invalid", f"Enter an amount in numbers, like {example}.")
    digits = _whole_digits(whole, group, form)
    minor: int = int(digits) * 10**form.exponent + int(fraction.ljust(form.exponent, "0") or "0")
    if minor <= 0:
        raise _refuse("amount_invalid", f"Enter an amount greater than zero, like {example}.")
    if minor > MAX_AMOUNT:
        raise _refuse("amount_invalid", "This amount is too large to take online.")
    return minor


def _whole_digits(whole: str, group: str, form: AmountFormat) -> str:
    """The digits of the whole part, its group separators checked and removed."""
    if group not in whole:
        if not whole.isdigit():
            raise _refuse("amount_invalid", f"Enter an amount in numbers, like {form.example()}.")
        return whole
    parts = whole.split(group)
    last, first, middle = parts[-1], parts[0], parts[1:-1]
    well_formed = (
        all(p.isdigit() for p in parts)
        and len(last) == form.primary_group
        and 1 <= len(first) <= form.secondary_group
        and all(len(p) == form.secondary_group for p in middle)
    )
    if not well_formed:
        raise _refuse(
            "amount_ambiguous",
            f"{group.strip() or 'The space'!r} separates thousands here; "
            f"write the amount like {form.example()}.",
        )
    return "".join(parts)


def format_whole(amount: int, currency: str, locale: str) -> str:
    """``amount`` (minor units) without decimals when it is whole: ``$25``, ``25 €``, ``¥3,000``."""
    exponent = currency_exponent(currency)
    if amount % 10**exponent == 0:
        pattern = Locale.parse(locale).currency_formats["standard"].pattern
        whole_pattern = re.sub(r"0\.0+", "0", pattern)
        return str(
            format_currency(
                amount // 10**exponent,
                currency,
                whole_pattern,
                locale=locale,
                currency_digits=False,
            )
        )
    return str(format_currency(to_decimal(amount, currency), currency, locale=locale))
