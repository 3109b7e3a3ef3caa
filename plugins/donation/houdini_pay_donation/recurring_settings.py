"""How the recurring job retries and claims, from ``HOUDINI_PAY_RECURRING_*`` variables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from houdini_pay.errors import ConfigurationError

__all__ = ["RecurringSettings"]


def _env_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name) or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(f"{name} must be a whole number of at least 1, not {raw!r}")
    return int(raw)


@dataclass(frozen=True, slots=True)
class RecurringSettings:
    """How the job retries and claims (``HOUDINI_PAY_RECURRING_*`` environment variables).

    Attributes:
        max_failures: failed charges in a row before a schedule is cancelled
            (``HOUDINI_PAY_RECURRING_MAX_FAILURES``, default 3).
        retry_days: days to wait before each retry; the last repeats
            (``HOUDINI_PAY_RECURRING_RETRY_DAYS``, default ``3,7``).
        claim_timeout: how old a claim or pending outcome must be before another run
            looks at it again (``HOUDINI_PAY_RECURRING_CLAIM_MINUTES``, default 10).
        batch_size: rows claimed per transaction.
    """

    max_failures: int = 3
    retry_days: tuple[int, ...] = (3, 7)
    claim_timeout: dt.timedelta = dt.timedelta(minutes=10)
    batch_size: int = 50

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> RecurringSettings:
        """Read the settings; ``ConfigurationError`` names a malformed variable."""
        raw_days = environ.get("HOUDINI_PAY_RECURRING_RETRY_DAYS") or "3,7"
        parts = [part.strip() for part in raw_days.split(",")]
        if not all(part.isdigit() and int(part) > 0 for part in parts):
            raise ConfigurationError(
                "HOUDINI_PAY_RECURRING_RETRY_DAYS must be days separated by commas, like 3,7; "
                f"not {raw_days!r}"
            )
        minutes = _env_int(environ, "HOUDINI_PAY_RECURRING_CLAIM_MINUTES", 10)
        return cls(
            max_failures=_env_int(environ, "HOUDINI_PAY_RECURRING_MAX_FAILURES", 3),
            retry_days=tuple(int(part) for part in parts),
            claim_timeout=dt.timedelta(minutes=minutes),
        )
