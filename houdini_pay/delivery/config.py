"""The settings of delivery, read from the application's environment.

=================================================  ========================================
variable                                           meaning (default)
=================================================  ========================================
``HOUDINI_PAY_SMTP_URL``                           ``smtp://user:pass@host:587?starttls=true``
                                                   or ``smtps://...``; unset: no receipts
``HOUDINI_PAY_MAIL_FROM``                          the receipts' sender address
``HOUDINI_PAY_AMQP_URL``                           ``amqp://guest:guest@127.0.0.1:5672/``;
                                                   unset: nothing is published
``HOUDINI_PAY_AMQP_EXCHANGE``                      topic exchange (``houdini_pay.events``)
``HOUDINI_PAY_WEBHOOKS_ALLOW_LOOPBACK_HTTP``       ``1``: allow ``http://`` and loopback
                                                   addresses (tests, development)
``HOUDINI_PAY_WEBHOOKS_CA_FILE``                   extra CA certificates to trust (PEM)
``HOUDINI_PAY_WEBHOOK_TIMEOUT_SECONDS``            one request's time limit (10)
``HOUDINI_PAY_DELIVERY_RETRY_HOURS``               how long a delivery is retried, and how
                                                   long an endpoint may fail before it is
                                                   disabled (72)
``HOUDINI_PAY_DELIVERY_FIRST_RETRY_SECONDS``       the first retry's delay, doubled each time
                                                   (5)
``HOUDINI_PAY_DELIVERY_CLAIM_SECONDS``             how long a worker's claim lasts before
                                                   another worker takes the work over (120)
=================================================  ========================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from houdini_pay.errors import ConfigurationError
from houdini_pay.settings import Settings

__all__ = ["DeliverySettings"]


def _number(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, not {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be more than 0, not {raw!r}")
    return value


@dataclass(frozen=True)
class DeliverySettings:
    """What the worker reads from the environment; see the module docstring."""

    smtp_url: str | None = None
    mail_from: str | None = None
    amqp_url: str | None = None
    amqp_exchange: str = "houdini_pay.events"
    allow_loopback: bool = False
    ca_file: str | None = None
    timeout: float = 10.0
    retry_for: dt.timedelta = dt.timedelta(hours=72)
    first_retry: dt.timedelta = dt.timedelta(seconds=5)
    claim_for: dt.timedelta = dt.timedelta(seconds=120)

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliverySettings:
        """Read the variables from ``settings.environ``."""
        env = settings.environ
        return cls(
            smtp_url=env.get("HOUDINI_PAY_SMTP_URL") or None,
            mail_from=env.get("HOUDINI_PAY_MAIL_FROM") or None,
            amqp_url=env.get("HOUDINI_PAY_AMQP_URL") or None,
            amqp_exchange=env.get("HOUDINI_PAY_AMQP_EXCHANGE") or "houdini_pay.events",
            allow_loopback=env.get("HOUDINI_PAY_WEBHOOKS_ALLOW_LOOPBACK_HTTP") == "1",
            ca_file=env.get("HOUDINI_PAY_WEBHOOKS_CA_FILE") or None,
            timeout=_number(env, "HOUDINI_PAY_WEBHOOK_TIMEOUT_SECONDS", 10),
            retry_for=dt.timedelta(hours=_number(env, "HOUDINI_PAY_DELIVERY_RETRY_HOURS", 72)),
            first_retry=dt.timedelta(
                seconds=_number(env, "HOUDINI_PAY_DELIVERY_FIRST_RETRY_SECONDS", 5)
            ),
            claim_for=dt.timedelta(seconds=_number(env, "HOUDINI_PAY_DELIVERY_CLAIM_SECONDS", 120)),
        )
