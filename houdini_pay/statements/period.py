"""The period a statement, a receipt run or an export covers: whole days in one time zone.

A period is a first and a last day, both included, read in an IANA time zone: a gift made
at 20:00 on 31 December in Los Angeles belongs to that year for a nonprofit there, although
it is already January in UTC. Stored times are UTC; :meth:`Period.bounds` turns the days into
the UTC instants to compare them with.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from houdini_pay.errors import InvalidRequest

__all__ = ["MAX_YEAR", "MIN_YEAR", "Period", "parse_timezone"]

MIN_YEAR = 1900
MAX_YEAR = 9998


def parse_timezone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone ``name`` (``"America/Los_Angeles"``), or ``InvalidRequest``."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidRequest(
            f"{name!r} is not a time zone name such as UTC or America/New_York",
            code="invalid_timezone",
            details={"field": "timezone"},
        ) from None


@dataclass(frozen=True, slots=True)
class Period:
    """Days ``first`` to ``last`` (both included) in the time zone ``timezone``.

    Build one with :meth:`calendar_year` or :meth:`between`; both check their input.
    """

    first: dt.date
    last: dt.date
    timezone: str = "UTC"

    @classmethod
    def calendar_year(cls, year: object, timezone: str = "UTC") -> Period:
        """1 January to 31 December of ``year``."""
        if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
            raise InvalidRequest(
                f"year must be a whole number from {MIN_YEAR} to {MAX_YEAR}, not {year!r}",
                code="invalid_period",
                details={"field": "year"},
            )
        parse_timezone(timezone)
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), timezone)

    @classmethod
    def between(cls, first: dt.date, last: dt.date, timezone: str = "UTC") -> Period:
        """``first`` to ``last``, both included; ``InvalidRequest`` if ``last`` comes first."""
        if last < first:
            raise InvalidRequest(
                f"the period ends ({last.isoformat()}) before it starts ({first.isoformat()})",
                code="invalid_period",
                details={"field": "to"},
            )
        if last.year > MAX_YEAR:
            raise InvalidRequest(f"the period must end by {MAX_YEAR}-12-31", code="invalid_period")
        parse_timezone(timezone)
        return cls(first, last, timezone)

    @property
    def year(self) -> int | None:
        """The year, when the period is exactly one calendar year; else ``None``."""
        whole_year = (self.first.month, self.first.day, self.last.month, self.last.day) == (
            1,
            1,
            12,
            31,
        )
        return self.first.year if whole_year and self.first.year == self.last.year else None

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The UTC instants ``start <= t < end`` covering the period's days."""
        zone = parse_timezone(self.timezone)
        start = dt.datetime.combine(self.first, dt.time(), tzinfo=zone)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    def local_date(self, moment: dt.datetime) -> dt.date:
        """The day ``moment`` falls on in the period's time zone."""
        return moment.astimezone(parse_timezone(self.timezone)).date()

    def to_dict(self) -> dict[str, str]:
        """The period as JSON."""
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "timezone": self.timezone,
        }
