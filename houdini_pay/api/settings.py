"""Settings of the HTTP API, read from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from houdini_pay.api_keys import ADMIN_KEY_ENV, check_admin_key
from houdini_pay.errors import ConfigurationError

__all__ = ["DEFAULT_MAX_BODY_BYTES", "MAX_BODY_ENV", "ApiSettings"]

MAX_BODY_ENV = "HOUDINI_PAY_MAX_BODY_BYTES"
DEFAULT_MAX_BODY_BYTES = 1_048_576
"""1 MiB: far above any payment request, and above the webhooks processors send."""


@dataclass(frozen=True)
class ApiSettings:
    """What a deployment configures for ``houdini-pay serve``.

    Attributes:
        admin_key: ``HOUDINI_PAY_ADMIN_KEY``: a key that may act for any nonprofit (at
            least 32 characters); unset, there is no admin key.
        max_body_bytes: ``HOUDINI_PAY_MAX_BODY_BYTES``: larger request bodies answer 413.
    """

    admin_key: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    def __post_init__(self) -> None:
        check_admin_key(self.admin_key)
        if self.max_body_bytes < 1:
            raise ConfigurationError(f"{MAX_BODY_ENV} must be a positive number of bytes")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ApiSettings:
        """Read the settings from ``environ``."""
        raw = environ.get(MAX_BODY_ENV) or str(DEFAULT_MAX_BODY_BYTES)
        try:
            max_body_bytes = int(raw)
        except ValueError:
            raise ConfigurationError(
                f"{MAX_BODY_ENV} must be a whole number of bytes, not {raw!r}"
            ) from None
        return cls(admin_key=environ.get(ADMIN_KEY_ENV) or None, max_body_bytes=max_body_bytes)
