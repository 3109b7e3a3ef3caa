"""When periods fall due, and which schedule terms are refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from houdini_pay_donation.schedule import due_date, first_period_on_or_after, parse_schedule

from houdini_pay.errors import InvalidRequest

TODAY = dt.date(2026, 1, 31)


def _dates(type_object: dict[str, Any], periods: int, today: dt.date = TODAY) -> list[str]:
    terms = parse_schedule(type_object, today)
    return [due_date(terms, n).isoformat() for n in range(periods)]


def test_monthly_gifts_keep_the_start_day_clamped_to_short_months() -> None:
    assert _dates({"interval": "month"}, 4) == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
    ]


def test_a_paydate_moves_monthly_gifts_to_that_day() -> None:
    assert _dates({"interval": "month", "paydate": 15}, 3) == [
        "2026-01-31",
        "2026-02-15",
        "2026-03-15",
    ]


def test_weekly_yearly_and_every_n_intervals() -> None:
    assert _dates({"interval": "week", "interval_count": 2}, 3) == [
        "2026-01-31",
        "2026-02-14",
        "2026-02-28",
    ]
    leap = dt.date(2028, 2, 29)
    assert _dates({"interval": "year"}, 2, today=leap) == ["2028-02-29", "2029-02-28"]
    assert _dates({"interval": "month", "interval_count": 3}, 2) == ["2026-01-31", "2026-04-30"]


def test_the_first_period_on_or_after_a_day() -> None:
    terms = parse_schedule({"interval": "week"}, TODAY)
    assert first_period_on_or_after(terms, dt.date(2026, 2, 8), at_least=0) == 2
    assert first_period_on_or_after(terms, dt.date(2026, 2, 7), at_least=0) == 1
    assert first_period_on_or_after(terms, TODAY, at_least=3) == 3


@pytest.mark.parametrize(
    ("type_object", "field"),
    [
        ({}, "interval"),
        ({"interval": "day"}, "interval"),
        ({"interval": "month", "interval_count": 0}, "interval_count"),
        ({"interval": "month", "interval_count": "2"}, "interval_count"),
        ({"interval": "month", "paydate": 29}, "paydate"),
        ({"interval": "week", "paydate": 1}, "paydate"),
        ({"interval": "month", "start_date": "2026-02-01"}, "start_date"),
        ({"interval": "month", "start_date": "2025-12-30"}, "start_date"),
        ({"interval": "month", "start_date": "31/01/2026"}, "start_date"),
        ({"interval": "month", "end_date": "2026-01-01"}, "end_date"),
        ({"interval": "month", "staff_recorded": "yes"}, "staff_recorded"),
        ({"interval": "month", "tip": 5}, "tip"),
    ],
)
def test_bad_terms_are_refused_naming_the_field(type_object: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        parse_schedule(type_object, TODAY)
    assert raised.value.code == "invalid_type_object"
    assert raised.value.details["field"] == field


def test_a_start_within_the_last_interval_is_accepted() -> None:
    terms = parse_schedule({"interval": "month", "start_date": "2026-01-02"}, TODAY)
    assert due_date(terms, 1) == dt.date(2026, 2, 2)
