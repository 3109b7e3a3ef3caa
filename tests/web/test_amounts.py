"""Typed amounts are read by the page's locale; what could mean two amounts is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from houdini_pay.errors import InvalidAmount
from houdini_pay.web.amounts import amount_format, format_whole, parse_amount

CASES = json.loads((Path(__file__).parent / "amount_cases.json").read_text())["cases"]


@pytest.mark.parametrize(("locale", "currency", "typed", "expected"), CASES)
def test_a_typed_amount_is_read_by_the_locale(
    locale: str, currency: str, typed: str, expected: int | str
) -> None:
    form = amount_format(locale, currency)
    if isinstance(expected, int):
        assert parse_amount(typed, form) == expected
        return
    with pytest.raises(InvalidAmount) as raised:
        parse_amount(typed, form)
    assert raised.value.code == expected
    assert "like" in raised.value.message or "large" in raised.value.message


def test_an_ambiguous_amount_says_how_to_write_it() -> None:
    with pytest.raises(InvalidAmount, match=r"write the amount like 25\.00"):
        parse_amount("5,00", amount_format("en_US", "USD"))
    with pytest.raises(InvalidAmount, match="write the amount like 25,00"):
        parse_amount("5.00", amount_format("de_DE", "EUR"))


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "shown"),
    [
        (2500, "USD", "en_US", "$25"),
        (2550, "USD", "en_US", "$25.50"),
        (2500, "EUR", "de_DE", "25\xa0€"),
        (300000, "JPY", "ja_JP", "￥300,000"),
        (500000, "EUR", "fr_FR", "5\u202f000\xa0€"),
    ],
)
def test_whole_amounts_are_shown_without_decimals(
    amount: int, currency: str, locale: str, shown: str
) -> None:
    assert format_whole(amount, currency, locale) == shown
