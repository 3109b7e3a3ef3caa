"""Amounts are whole minor units; currencies follow ISO 4217 (from CLDR via Babel)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from houdini_pay.errors import InvalidAmount, InvalidCurrency
from houdini_pay.money import (
    currencies_in_use,
    currency_exponent,
    format_amount,
    normalize_currency,
    to_decimal,
    to_minor_units,
    validate_amount,
)


@pytest.mark.parametrize(
    ("code", "exponent"), [("USD", 2), ("EUR", 2), ("JPY", 0), ("KWD", 3), ("BHD", 3), ("CLP", 0)]
)
def test_exponents_follow_iso_4217(code: str, exponent: int) -> None:
    assert currency_exponent(code) == exponent


@pytest.mark.parametrize("code", ["XAU", "XXX", "XTS", "HRK", "usdollar", "", 840, None])
def test_codes_that_are_not_currencies_in_use_are_refused(code: object) -> None:
    with pytest.raises(InvalidCurrency) as raised:
        normalize_currency(code)
    assert raised.value.code == "invalid_currency"


def test_codes_are_normalized_to_upper_case() -> None:
    assert normalize_currency(" usd ") == "USD"
    assert "XOF" in currencies_in_use()


@pytest.mark.parametrize("amount", [25.0, 2500.0, "2500", Decimal("25"), True, None, 0, -1])
def test_only_positive_integers_are_amounts(amount: object) -> None:
    with pytest.raises(InvalidAmount) as raised:
        validate_amount(amount)
    assert raised.value.code == "invalid_amount"


def test_minor_units_convert_both_ways() -> None:
    assert to_decimal(1234, "KWD") == Decimal("1.234")
    assert to_decimal(1234, "JPY") == Decimal("1234")
    assert to_minor_units("12.50", "USD") == 1250
    with pytest.raises(InvalidAmount):
        to_minor_units("12.505", "USD")
    with pytest.raises(InvalidAmount):
        to_minor_units("1.5", "JPY")


def test_amounts_are_formatted_for_people() -> None:
    assert format_amount(-2500, "USD") == "-$25.00"
    assert format_amount(1234, "JPY") == "¥1,234"
    assert format_amount(1234, "KWD") == "KWD1.234"
    assert format_amount(123456, "EUR", locale="de_DE") == "1.234,56\xa0€"


@given(
    amount=st.integers(min_value=-(10**15), max_value=10**15),
    currency=st.sampled_from(["USD", "JPY", "KWD"]),
)
def test_decimal_round_trip_is_exact(amount: int, currency: str) -> None:
    assert to_minor_units(to_decimal(amount, currency), currency) == amount
