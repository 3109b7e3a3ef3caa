"""Recurring schedules: the type object of a new one, and when each of its periods falls due.

Period 0 is the first gift, charged by the pipeline on ``start_date``. Period ``n`` falls
due ``n * interval_count`` intervals later: on the same weekday for weekly gifts, on
``paydate`` (or the start date's day) for monthly gifts, clamped to the month's last day
(a gift started on 31 January falls due on 28 February, then 31 March), and on the same
day of the year for yearly gifts.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from houdini_pay.errors import InvalidRequest
from houdini_pay_donation.donation import GiftFields, parse_gift_fields

__all__ = [
    "INTERVALS",
    "MAX_INTERVAL_COUNT",
    "ScheduleTerms",
    "due_date",
    "first_period_on_or_after",
    "parse_schedule",
]

INTERVALS = ("week", "month", "year")
MAX_INTERVAL_COUNT = 52
SCHEDULE_FIELDS = frozenset(
    {"interval", "interval_count", "start_date", "end_date", "paydate", "staff_recorded"}
)


@dataclass(frozen=True, slots=True)
class ScheduleTerms:
    """The validated terms of a new recurring donation."""

    interval: str
    interval_count: int
    start_date: dt.date
    end_date: dt.date | None
    paydate: int | None
    staff_recorded: bool
    gift: GiftFields


def _invalid(message: str, field: str) -> InvalidRequest:
    return InvalidRequest(message, code="invalid_type_object", details={"field": field})


def _date(obj: Mapping[str, Any], key: str) -> dt.date | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _invalid(f"{key} must be a date as YYYY-MM-DD", key)


def _whole(obj: Mapping[str, Any], key: str, low: int, high: int) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(f"{key} must be a whole number from {low} to {high}", key)
    return value


def parse_schedule(
    obj: Mapping[str, Any], today: dt.date, *, check_dates: bool = True
) -> ScheduleTerms:
    """Validate a ``recurring_donation`` type object; ``today`` is the first charge's date.

    The first gift is charged now, so ``start_date`` (default today) may not be in the
    future, nor more than one interval in the past (which would make periods due at once).
    ``check_dates=False`` skips those two checks, for a first gift approved days later.
    """
    gift = parse_gift_fields(obj, extra=SCHEDULE_FIELDS)
    interval = obj.get("interval")
    if interval not in INTERVALS:
        raise _invalid(f"interval must be one of {', '.join(INTERVALS)}", "interval")
    count = _whole(obj, "interval_count", 1, MAX_INTERVAL_COUNT) or 1
    start = _date(obj, "start_date") or today
    end = _date(obj, "end_date")
    paydate = _whole(obj, "paydate", 1, 28)
    if paydate is not None and interval != "month":
        raise _invalid("paydate (a day of the month) only goes with monthly gifts", "paydate")
    staff_recorded = obj.get("staff_recorded", False)
    if not isinstance(staff_recorded, bool):
        raise _invalid("staff_recorded must be true or false", "staff_recorded")
    terms = ScheduleTerms(interval, count, start, end, paydate, staff_recorded, gift)
    if check_dates and start > today:
        raise _invalid(
            "start_date cannot be in the future: the first gift is made now", "start_date"
        )
    if check_dates and due_date(terms, 1) <= today:
        raise _invalid("start_date is more than one interval ago", "start_date")
    if end is not None and end < start:
        raise _invalid("end_date is before start_date", "end_date")
    return terms


def _add_months(start: dt.date, months: int, day: int) -> dt.date:
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    return dt.date(year, month + 1, min(day, calendar.monthrange(year, month + 1)[1]))


def due_date(terms: Any, period: int) -> dt.date:
    """The date period ``period`` falls due (``terms`` has the fields of a schedule)."""
    start: dt.date = terms.start_date
    if period == 0:
        return start
    steps = terms.interval_count * period
    if terms.interval == "week":
        return start + dt.timedelta(weeks=steps)
    if terms.interval == "month":
        return _add_months(start, steps, terms.paydate or start.day)
    return _add_months(start, 12 * steps, start.day)


def first_period_on_or_after(terms: Any, day: dt.date, *, at_least: int) -> int:
    """The first period, from ``at_least`` on, that falls due on or after ``day``."""
    period = at_least
    while due_date(terms, period) < day:
        period += 1
    return period
