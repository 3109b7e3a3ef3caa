"""Rate limits shared by every process: in the database (SQLite, PostgreSQL) or in Redis."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from houdini_pay import HoudiniPay
from houdini_pay.errors import ConfigurationError, RateLimited
from houdini_pay.store import RateLimitWindow
from houdini_pay.web.rate_limits import (
    DatabaseRateLimiter,
    RateLimiter,
    RateLimitUnavailable,
    RedisRateLimiter,
    rate_limiter_for,
    verdict,
)
from tests.helpers import count
from tests.web.redis_server import require_redis

MINUTE = 60 * 29_000_000  # the start of some minute, in seconds since the epoch


def _passes(limiter: RateLimiter, client: str, now: float) -> bool:
    try:
        limiter.hit(client, now=now)
    except RateLimited:
        return False
    return True


@pytest.mark.parametrize(
    ("previous", "current", "second", "allowed", "retry_after"),
    [
        (0, 0, 0, 10, 1),  # a fresh client
        (10, 0, 0, 0, 6),  # the whole last minute is inside the window: wait for 1 to slide out
        (10, 0, 30, 5, 1),  # half of it is
        (10, 5, 30, 5, 6),  # full: at 36 s, 10 * 0.4 + 5 = 9 leaves room for one more
        (0, 10, 45, 10, 15),  # this minute is full: wait for the next one
    ],
)
def test_the_window_slides(
    previous: int, current: int, second: int, allowed: int, retry_after: int
) -> None:
    result = verdict(10, previous, current, MINUTE + second)
    assert (result.allowed_in_window, result.retry_after) == (allowed, retry_after)


def _database_limiter(app: HoudiniPay, limit: int) -> DatabaseRateLimiter:
    return DatabaseRateLimiter(app, limit)


def _redis_limiter(app: HoudiniPay, limit: int) -> RedisRateLimiter:
    # A scope of its own: parallel tests share the one Redis server.
    return RedisRateLimiter(require_redis(), limit, scope=f"test-{secrets.token_hex(8)}")


LIMITERS = pytest.mark.parametrize(
    "make_limiter", [_database_limiter, _redis_limiter], ids=["database", "redis"]
)
MakeLimiter = Callable[[HoudiniPay, int], RateLimiter]


@LIMITERS
def test_a_client_is_refused_past_the_limit_and_let_in_as_the_minute_slides(
    app: HoudiniPay, make_limiter: MakeLimiter
) -> None:
    limiter = make_limiter(app, 3)
    assert [_passes(limiter, "198.51.100.7", MINUTE + s) for s in (1, 2, 3, 4)] == [
        True,
        True,
        True,
        False,
    ]
    with pytest.raises(RateLimited) as refused:
        limiter.hit("198.51.100.7", now=MINUTE + 5)
    assert refused.value.details["retry_after"] == 55
    assert _passes(limiter, "203.0.113.9", MINUTE + 5)  # another client counts alone
    # At 0:30 of the next minute half of the three still count (1.5): one more fits.
    assert _passes(limiter, "198.51.100.7", MINUTE + 90)
    assert not _passes(limiter, "198.51.100.7", MINUTE + 91)
    # Refused requests were not counted: two minutes on, the client starts afresh.
    assert [_passes(limiter, "198.51.100.7", MINUTE + 180 + s) for s in range(4)] == [
        True,
        True,
        True,
        False,
    ]


@LIMITERS
def test_two_limiters_on_one_store_share_the_count(
    make_app: Callable[..., HoudiniPay], app: HoudiniPay, make_limiter: MakeLimiter
) -> None:
    """Two processes (two applications on the same database, or the same Redis) count once."""
    first = make_limiter(app, 4)
    if isinstance(first, RedisRateLimiter):
        second: RateLimiter = RedisRateLimiter(require_redis(), 4, scope=first.scope)
    else:
        second = DatabaseRateLimiter(make_app(), 4)
    passed = [_passes(limiter, "192.0.2.1", MINUTE + 1) for limiter in (first, second) * 3]
    assert passed == [True, True, True, True, False, False]


@LIMITERS
def test_twenty_concurrent_requests_let_exactly_the_limit_through(
    app: HoudiniPay, make_limiter: MakeLimiter
) -> None:
    limiter = make_limiter(app, 7)
    start = threading.Barrier(20)

    def knock(_: int) -> bool:
        start.wait()
        return _passes(limiter, "192.0.2.50", MINUTE + 10)

    with ThreadPoolExecutor(20) as pool:
        passed = list(pool.map(knock, range(20)))
    assert passed.count(True) == 7


def test_old_windows_are_swept_and_addresses_are_not_stored(app: HoudiniPay) -> None:
    limiter = DatabaseRateLimiter(app, 5)
    limiter.hit("198.51.100.7", now=MINUTE + 1)
    limiter.hit("198.51.100.7", now=MINUTE + 61)
    with app.session() as session:
        clients = {row.client for row in session.query(RateLimitWindow)}
    assert len(clients) == 1
    assert "198.51.100.7" not in next(iter(clients))
    assert limiter.sweep(now=MINUTE + 125) == 1  # the first minute can no longer count
    assert count(app, RateLimitWindow) == 1


def test_redis_is_chosen_when_its_url_is_set(app: HoudiniPay) -> None:
    url = require_redis()
    assert isinstance(rate_limiter_for(app, 5, {"HOUDINI_PAY_REDIS_URL": url}), RedisRateLimiter)
    assert isinstance(rate_limiter_for(app, 5, {}), DatabaseRateLimiter)
    with pytest.raises(ConfigurationError, match="not a Redis URL"):
        rate_limiter_for(app, 5, {"HOUDINI_PAY_REDIS_URL": "http://127.0.0.1:6379"})


def test_an_unreachable_redis_refuses_the_request_instead_of_letting_it_through() -> None:
    # Nothing listens on port 1: a real refused connection, no fake needed.
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", 5)
    with pytest.raises(RateLimitUnavailable) as refused:
        limiter.hit("192.0.2.1")
    assert (refused.value.http_status, refused.value.code) == (503, "rate_limit_unavailable")
    with pytest.raises(ConfigurationError, match="cannot reach Redis"):
        limiter.ping()
