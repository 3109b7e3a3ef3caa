"""The Redis server of the rate-limit tests (127.0.0.1:6379, or ``HOUDINI_PAY_TEST_REDIS_URL``)."""

from __future__ import annotations

import os

import pytest
import redis

REDIS_URL_ENV = "HOUDINI_PAY_TEST_REDIS_URL"


def require_redis() -> str:
    """The Redis URL, or skip the test (fail it when ``CI=true``) if the server is down."""
    url = os.environ.get(REDIS_URL_ENV) or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as error:
        reason = f"Redis at {url} does not answer ({error})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; Redis tests are required in CI", pytrace=False)
        pytest.skip(f"{reason} (set {REDIS_URL_ENV})")
    return url
