"""Rate limits every server process shares: in the database, or in Redis when one is set.

Each uvicorn worker, on each machine, counts a client's requests in the same place, so a
limit of 30 a minute is 30 a minute however many processes serve the pages. The count is a
sliding window estimated from two fixed one-minute windows (the way large proxies do it):
the requests of the current minute, plus those of the previous minute weighted by how much
of it still lies within the last sixty seconds. A request is counted only when it is let
through, so a client that keeps knocking while refused is let in again as the minute
slides on.

* **Database** (default): table ``rate_limit_windows``, one row per client and minute,
  raised with one conditional ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` (SQLite and
  PostgreSQL), so two processes can never both take the last request of a minute. Rows
  older than two minutes are swept at most once a minute by each process.
* **Redis** (``HOUDINI_PAY_REDIS_URL``): the same two counters per client, read and raised
  by one Lua script (atomic in Redis), expiring after two minutes.

Client addresses are kept only as SHA-256 digests. Machines must keep their clocks in step
(NTP): the minute a request falls in is read from the clock of the process counting it.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from houdini_pay.app import HoudiniPay
from houdini_pay.errors import ConfigurationError, HoudiniPayError, RateLimited
from houdini_pay.store import RateLimitWindow

__all__ = [
    "REDIS_URL_ENV",
    "DatabaseRateLimiter",
    "RateLimitUnavailable",
    "RateLimiter",
    "RedisRateLimiter",
    "Verdict",
    "rate_limiter_for",
    "verdict",
]

REDIS_URL_ENV = "HOUDINI_PAY_REDIS_URL"
WINDOW_SECONDS = 60
_SWEEP_EVERY_SECONDS = 60.0


class RateLimitUnavailable(HoudiniPayError):
    """The shared counter (Redis) cannot be reached; the request is refused, not let through."""

    code = "rate_limit_unavailable"
    http_status = 503
    retryable = True


class RateLimiter(Protocol):
    """Counts requests per client; every implementation is shared by all processes."""

    limit: int

    def hit(self, client: str, now: float | None = None) -> None:
        """Count one request of ``client``; ``RateLimited`` if it is one too many."""


class Verdict:
    """Whether one more request fits, given the two windows' counts (pure arithmetic)."""

    __slots__ = ("allowed_in_window", "retry_after")

    def __init__(self, allowed_in_window: int, retry_after: int) -> None:
        self.allowed_in_window = allowed_in_window
        self.retry_after = retry_after


def verdict(limit: int, previous: int, current: int, now: float) -> Verdict:
    """How many requests the current window may hold, and the wait if it is full.

    ``allowed_in_window`` is the largest count of the current window that keeps the
    estimate (``previous`` weighted by the part of the previous minute still inside the
    last sixty seconds, plus the current window's count) within ``limit``; one more request
    fits when ``current`` is below it. ``retry_after`` is the whole seconds until one more
    fits (at least 1).
    """
    elapsed = now % WINDOW_SECONDS
    weight = 1 - elapsed / WINDOW_SECONDS
    allowed = math.floor(limit - previous * weight + 1e-9)
    if current + 1 > limit:
        # Even with the previous minute forgotten the window is full: wait for the next one.
        wait = WINDOW_SECONDS - elapsed
    elif previous == 0:
        wait = 1.0
    else:
        # The previous minute's weight must fall until one more request fits.
        needed_weight = (limit - current - 1) / previous
        wait = (weight - needed_weight) * WINDOW_SECONDS
    # Rounded off first: 6.000000000000001 seconds of float arithmetic is 6 seconds.
    return Verdict(allowed, max(1, math.ceil(round(wait, 6))))


def _refuse(result: Verdict) -> RateLimited:
    return RateLimited(
        "too many requests from your address; wait a minute and try again",
        details={"retry_after": result.retry_after},
    )


def client_digest(client: str) -> str:
    """What is stored of a client address: its SHA-256, in hex."""
    return hashlib.sha256(client.encode()).hexdigest()


class DatabaseRateLimiter:
    """Counts in table ``rate_limit_windows`` of ``app``'s database (see the module)."""

    def __init__(self, app: HoudiniPay, limit: int, scope: str = "public") -> None:
        self.app = app
        self.limit = limit
        self.scope = scope
        self._last_sweep = 0.0

    def hit(self, client: str, now: float | None = None) -> None:
        """Count one request of ``client``; ``RateLimited`` if it is one too many."""
        now = time.time() if now is None else now
        window = int(now // WINDOW_SECONDS)
        digest = client_digest(client)
        with self.app.unit_of_work() as uow:
            session = uow.session
            previous = self._count(session, digest, window - 1)
            result = verdict(self.limit, previous, 0, now)
            counted = result.allowed_in_window >= 1 and self._raise(
                session, digest, window, result.allowed_in_window
            )
            if not counted:
                current = self._count(session, digest, window)
                raise _refuse(verdict(self.limit, previous, current, now))
        if now - self._last_sweep >= _SWEEP_EVERY_SECONDS:
            self._last_sweep = now
            self.sweep(now)

    def _count(self, session: Session, digest: str, window: int) -> int:
        hits = session.scalar(
            select(RateLimitWindow.hits).where(
                RateLimitWindow.scope == self.scope,
                RateLimitWindow.client == digest,
                RateLimitWindow.window == window,
            )
        )
        return hits or 0

    def _raise(self, session: Session, digest: str, window: int, allowed: int) -> bool:
        """Add one to the window's count if it stays within ``allowed``; whether it did."""
        dialect = postgresql if session.connection().dialect.name == "postgresql" else sqlite
        insert = dialect.insert(RateLimitWindow).values(
            scope=self.scope, client=digest, window=window, hits=1
        )
        statement = insert.on_conflict_do_update(
            index_elements=["scope", "client", "window"],
            set_={"hits": RateLimitWindow.hits + 1},
            where=RateLimitWindow.hits < allowed,
        ).returning(RateLimitWindow.hits)
        return session.execute(statement).first() is not None

    def sweep(self, now: float | None = None) -> int:
        """Delete the windows too old to count any more; how many rows went."""
        now = time.time() if now is None else now
        oldest_needed = int(now // WINDOW_SECONDS) - 1
        with self.app.unit_of_work() as uow:
            result = uow.session.execute(
                delete(RateLimitWindow).where(RateLimitWindow.window < oldest_needed)
            )
            return int(getattr(result, "rowcount", 0) or 0)


# Reads both windows and raises the current one only if one more request fits, atomically.
_REDIS_SCRIPT = """
local previous = tonumber(redis.call('GET', KEYS[1]) or '0')
local current = tonumber(redis.call('GET', KEYS[2]) or '0')
local allowed = math.floor(tonumber(ARGV[1]) - previous * tonumber(ARGV[2]) + 1e-9)
if current >= allowed then
  return {0, previous, current}
end
current = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
return {1, previous, current}
"""


class RedisRateLimiter:
    """Counts in Redis at ``url`` (see the module); needs the ``redis`` package."""

    def __init__(self, url: str, limit: int, scope: str = "public") -> None:
        try:
            import redis
        except ImportError:
            raise ConfigurationError(
                f"{REDIS_URL_ENV} is set but the redis package is not installed; "
                "pip install 'houdini-pay[redis]'"
            ) from None
        self.limit = limit
        self.scope = scope
        self._errors: tuple[type[Exception], ...] = (redis.RedisError,)
        try:
            self._redis: Any = redis.Redis.from_url(url, socket_timeout=2)
        except ValueError as error:
            raise ConfigurationError(f"{REDIS_URL_ENV} is not a Redis URL: {error}") from None
        self._script = self._redis.register_script(_REDIS_SCRIPT)

    def _key(self, digest: str, window: int) -> str:
        return f"houdini-pay:rate:{self.scope}:{digest}:{window}"

    def hit(self, client: str, now: float | None = None) -> None:
        """Count one request of ``client``; ``RateLimited`` if it is one too many."""
        now = time.time() if now is None else now
        window = int(now // WINDOW_SECONDS)
        digest = client_digest(client)
        weight = 1 - (now % WINDOW_SECONDS) / WINDOW_SECONDS
        keys = [self._key(digest, window - 1), self._key(digest, window)]
        try:
            counted, previous, current = self._script(
                keys=keys, args=[self.limit, repr(weight), 2 * WINDOW_SECONDS]
            )
        except self._errors as error:
            raise RateLimitUnavailable(
                "the server cannot check its request limits right now; try again shortly"
            ) from error
        if not counted:
            raise _refuse(verdict(self.limit, int(previous), int(current), now))

    def ping(self) -> None:
        """``ConfigurationError`` unless Redis answers (``serve`` checks it before starting)."""
        try:
            self._redis.ping()
        except self._errors as error:
            raise ConfigurationError(
                f"cannot reach Redis at {REDIS_URL_ENV}: {error}", code="redis_unreachable"
            ) from None


def rate_limiter_for(
    app: HoudiniPay, limit: int, environ: Mapping[str, str], scope: str = "public"
) -> RateLimiter:
    """Redis if ``HOUDINI_PAY_REDIS_URL`` is set in ``environ``, else the database.

    ``scope`` keeps separate counts for separate limits (the public pages, the staff
    dashboard's sign-in form).
    """
    url = environ.get(REDIS_URL_ENV)
    if url:
        return RedisRateLimiter(url, limit, scope)
    return DatabaseRateLimiter(app, limit, scope)
