"""Fixtures of the delivery tests: an application whose clock the test moves."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any

import pytest

from houdini_pay import HoudiniPay
from houdini_pay.testing import ManualClock, TestPlugin


@pytest.fixture
def clock(houdini_clock: ManualClock) -> ManualClock:
    """The application's clock: the kit's, at 2026-11-27 12:00 UTC."""
    houdini_clock.now = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
    return houdini_clock


@pytest.fixture
def delivery_env() -> dict[str, str]:
    """Settings of delivery for the test; tests add to it before asking for ``app``."""
    return {
        "HOUDINI_PAY_WEBHOOKS_ALLOW_LOOPBACK_HTTP": "1",
        "HOUDINI_PAY_WEBHOOK_TIMEOUT_SECONDS": "0.5",
    }


@pytest.fixture
def app(
    houdini_make_app: Callable[..., HoudiniPay],
    plugin: TestPlugin,
    clock: ManualClock,
    delivery_env: dict[str, str],
) -> HoudiniPay:
    """The fake plugins, delivery settings from ``delivery_env``, the test's clock."""
    environ: dict[str, Any] = {**os.environ, **delivery_env}
    made = houdini_make_app(plugin, environ=environ)
    made.clock = clock
    return made
