"""A clock a test moves by hand, for ``HoudiniPay(clock=...)`` or ``app.clock``.

The pytest plugin's ``houdini_clock`` fixture is one, new for each test.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["ManualClock"]


class ManualClock:
    """Returns ``now`` (UTC) until :meth:`advance` moves it forward."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self.now = now or dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward by ``datetime.timedelta(**delta)``."""
        self.now += dt.timedelta(**delta)

    def set_date(self, day: dt.date, at: dt.time = dt.time(9, 0)) -> None:
        """Jump to ``at`` (UTC; 09:00 unless given) on ``day``, for jobs run by the date."""
        self.now = dt.datetime.combine(day, at, dt.UTC)
