"""Settings, read from the environment (``HOUDINI_PAY_*``) or given in code."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from houdini_pay.errors import ConfigurationError

__all__ = ["DATABASE_URL_ENV", "DEFAULT_DATABASE_URL", "Settings"]

DATABASE_URL_ENV = "HOUDINI_PAY_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///houdini_pay.db"


def _minutes(environ: Mapping[str, str], name: str, default: float) -> dt.timedelta:
    raw = environ.get(name)
    if raw is None or raw == "":
        return dt.timedelta(minutes=default)
    try:
        return dt.timedelta(minutes=float(raw))
    except ValueError:
        raise ConfigurationError(f"{name} must be a number of minutes, not {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    """What a deployment configures.

    Attributes:
        database_url: ``HOUDINI_PAY_DATABASE_URL``; default ``sqlite:///houdini_pay.db``.
        hold_for: how long limited items stay held for an unfinished payment
            (``HOUDINI_PAY_HOLD_MINUTES``, default 15).
        reconcile_after: how old a ``started``/``charging`` attempt must be before
            ``reconcile`` treats it as stuck (``HOUDINI_PAY_RECONCILE_AFTER_MINUTES``, 10).
        reconcile_max_tries: lookups of one attempt before it is handed to a person
            (``HOUDINI_PAY_RECONCILE_MAX_TRIES``, default 5).
        requires_action_expiry: how long a payment may wait for the supporter to act
            (3-D Secure) before ``reconcile`` cancels it at the processor and fails it as
            ``expired`` (``HOUDINI_PAY_REQUIRES_ACTION_EXPIRY_MINUTES``, default 60).
        webhook_claim_timeout: how long a delivery applying a webhook event may take before
            its claim counts as abandoned (a crash) and another delivery applies the event
            again; until then copies of the event answer ``duplicate``
            (``HOUDINI_PAY_WEBHOOK_CLAIM_TIMEOUT_MINUTES``, default 5).
        environ: the environment, for plugins reading their own variables.
    """

    database_url: str = DEFAULT_DATABASE_URL
    hold_for: dt.timedelta = dt.timedelta(minutes=15)
    reconcile_after: dt.timedelta = dt.timedelta(minutes=10)
    reconcile_max_tries: int = 5
    requires_action_expiry: dt.timedelta = dt.timedelta(minutes=60)
    webhook_claim_timeout: dt.timedelta = dt.timedelta(minutes=5)
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read the settings from ``environ`` (default ``os.environ``); keywords win."""
        env = dict(os.environ if environ is None else environ)
        raw_tries = env.get("HOUDINI_PAY_RECONCILE_MAX_TRIES", "5")
        try:
            tries = int(raw_tries)
        except ValueError:
            raise ConfigurationError(
                f"HOUDINI_PAY_RECONCILE_MAX_TRIES must be a whole number, not {raw_tries!r}"
            ) from None
        settings = cls(
            database_url=env.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL,
            hold_for=_minutes(env, "HOUDINI_PAY_HOLD_MINUTES", 15),
            reconcile_after=_minutes(env, "HOUDINI_PAY_RECONCILE_AFTER_MINUTES", 10),
            reconcile_max_tries=tries,
            requires_action_expiry=_minutes(env, "HOUDINI_PAY_REQUIRES_ACTION_EXPIRY_MINUTES", 60),
            webhook_claim_timeout=_minutes(env, "HOUDINI_PAY_WEBHOOK_CLAIM_TIMEOUT_MINUTES", 5),
            environ=env,
        )
        overrides = {k: v for k, v in overrides.items() if v is not None}
        return replace(settings, **overrides)

    def require(self, name: str) -> str:
        """The environment variable ``name``, or a ``ConfigurationError`` naming it."""
        value = self.environ.get(name)
        if not value:
            raise ConfigurationError(f"{name} is not set; set it in the environment")
        return value
