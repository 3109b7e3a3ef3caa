"""The Stripe client, configured from the environment at first use, and its errors.

``HOUDINI_PAY_STRIPE_SECRET_KEY``
    The secret (``sk_...``) or restricted (``rk_...``) API key. Required to charge.
``HOUDINI_PAY_STRIPE_WEBHOOK_SECRET``
    The signing secret (``whsec_...``) of the webhook endpoint; several, separated by
    commas, when the platform's endpoint and a Connect endpoint both deliver to houdini-pay.
``HOUDINI_PAY_STRIPE_API_BASE``
    Where the Stripe API is (tests point it at a local server); unset means Stripe itself.
``HOUDINI_PAY_STRIPE_MAX_NETWORK_RETRIES``
    How many times the library retries a request that failed on the network (default 2;
    safe, every request that moves money carries an idempotency key).

Nothing is read when the plugin loads, so ``houdini-pay plugins`` works without keys; a
missing or malformed value is a ``ConfigurationError`` naming the variable at the first
operation that needs it, and :meth:`StripeApi.missing_settings` lists them all beforehand
(what the processor reports as its configuration state).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlparse

import stripe

from houdini_pay import MissingSetting, Settings
from houdini_pay.errors import (
    ConfigurationError,
    HoudiniPayError,
    InvalidRequest,
    PaymentDeclined,
    ProcessorError,
)

__all__ = [
    "API_BASE_ENV",
    "API_VERSION",
    "MAX_RETRIES_ENV",
    "SECRET_KEY_ENV",
    "TIMEOUT_SECONDS",
    "WEBHOOK_SECRET_ENV",
    "StripeApi",
    "decline_code",
    "stripe_errors",
]

SECRET_KEY_ENV = "HOUDINI_PAY_STRIPE_SECRET_KEY"
WEBHOOK_SECRET_ENV = "HOUDINI_PAY_STRIPE_WEBHOOK_SECRET"
API_BASE_ENV = "HOUDINI_PAY_STRIPE_API_BASE"
MAX_RETRIES_ENV = "HOUDINI_PAY_STRIPE_MAX_NETWORK_RETRIES"

API_VERSION = "2026-10-28.endive"
"""The Stripe API version every request is pinned to (the one stripe 16 was built for).

Pinned here rather than left to the account's default, so what Stripe sends back keeps the
shape this plugin reads whatever the account's dashboard says.
"""

TIMEOUT_SECONDS = 30.0
"""How long one request may take before the library gives up (its default is 80 s)."""

_KEY_PREFIXES = ("sk_", "rk_")
_T = TypeVar("_T")


class StripeApi:
    """The Stripe client of one application, built from its settings on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: stripe.StripeClient | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> stripe.StripeClient:
        """The ``StripeClient``; ``ConfigurationError`` if the key or API base is wrong."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._build()
        return self._client

    @property
    def settings(self) -> Settings:
        """The application's settings the client is built from."""
        return self._settings

    def _setting(self, name: str) -> str:
        return self._settings.environ.get(name, "").strip()

    def _client_problems(self) -> list[MissingSetting]:
        """What stops the client from being built: the key, the API base, the retries."""
        problems = []
        key = self._setting(SECRET_KEY_ENV)
        if not key:
            problems.append(MissingSetting(SECRET_KEY_ENV))
        elif not key.startswith(_KEY_PREFIXES):
            message = (
                f"{SECRET_KEY_ENV} must be a Stripe secret key (sk_...) or restricted key "
                f"(rk_...); the value set starts with {key[:3]!r}"
            )
            problems.append(MissingSetting(SECRET_KEY_ENV, message=message))
        base = self._setting(API_BASE_ENV)
        if base and urlparse(base).scheme not in ("http", "https"):
            message = f"{API_BASE_ENV} must be an http(s) URL, not {base!r}"
            problems.append(MissingSetting(API_BASE_ENV, message=message))
        retries = self._setting(MAX_RETRIES_ENV) or "2"
        if not retries.isdigit():
            message = f"{MAX_RETRIES_ENV} must be a whole number, not {retries!r}"
            problems.append(MissingSetting(MAX_RETRIES_ENV, message=message))
        return problems

    def _webhook_problem(self) -> MissingSetting | None:
        raw = self._setting(WEBHOOK_SECRET_ENV)
        if not raw:
            return MissingSetting(WEBHOOK_SECRET_ENV)
        secrets = [part.strip() for part in raw.split(",") if part.strip()]
        if not secrets or not all(s.startswith("whsec_") for s in secrets):
            message = (
                f"{WEBHOOK_SECRET_ENV} must be one or more webhook signing secrets "
                "(whsec_...), separated by commas"
            )
            return MissingSetting(WEBHOOK_SECRET_ENV, message=message)
        return None

    def missing_settings(self) -> list[MissingSetting]:
        """Every setting charging needs that is unset or malformed: the secret key (and the
        optional API base and retries), and the webhook secret the outcome of a payment that
        waits arrives with."""
        webhook = self._webhook_problem()
        return self._client_problems() + ([webhook] if webhook else [])

    def _build(self) -> stripe.StripeClient:
        problems = self._client_problems()
        if problems:
            raise ConfigurationError(_sentence(problems[0]))
        base = self._setting(API_BASE_ENV)
        return stripe.StripeClient(
            self._setting(SECRET_KEY_ENV),
            stripe_version=API_VERSION,
            base_addresses={"api": base.rstrip("/")} if base else None,
            max_network_retries=int(self._setting(MAX_RETRIES_ENV) or "2"),
            http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS),
        )

    def check(self) -> None:
        """Raise ``ConfigurationError`` now if charging would fail for lack of a key."""
        _ = self.client

    def webhook_secrets(self) -> list[str]:
        """The signing secrets to verify webhooks with; ``ConfigurationError`` if unset."""
        problem = self._webhook_problem()
        if problem is not None:
            raise ConfigurationError(_sentence(problem))
        parts = self._setting(WEBHOOK_SECRET_ENV).split(",")
        return [part.strip() for part in parts if part.strip()]


def _sentence(problem: MissingSetting) -> str:
    """The error message of a missing setting, saying where to set it."""
    if problem.message.endswith("is not set"):
        return f"{problem.message}; set it in the environment"
    return problem.message


def stripe_errors(action: str, call: Callable[[], _T]) -> _T:
    """Run ``call``; turn Stripe's errors into houdini-pay errors a person understands.

    For operations that move no money (storing a card, reading a balance), where any
    failure can simply be reported.
    """
    try:
        return call()
    except HoudiniPayError:
        raise
    except stripe.CardError as exc:
        raise PaymentDeclined(
            f"{action}: {exc.user_message or 'the card was declined'}",
            details={"decline_code": decline_code(exc)},
        ) from None
    except stripe.AuthenticationError:
        raise ConfigurationError(
            f"{action}: Stripe refused the API key in {SECRET_KEY_ENV}; check it"
        ) from None
    except stripe.PermissionError as exc:
        raise ConfigurationError(
            f"{action}: the API key may not do this ({exc.user_message or 'permission denied'})"
        ) from None
    except stripe.InvalidRequestError as exc:
        raise InvalidRequest(
            f"{action}: {exc.user_message or 'Stripe refused the request'}",
            code="stripe_invalid_request",
            details={"stripe_code": exc.code} if exc.code else None,
        ) from None
    except stripe.StripeError as exc:
        raise ProcessorError(
            f"{action}: Stripe could not be reached or failed ({type(exc).__name__}); "
            "try again in a moment"
        ) from None


def decline_code(error: stripe.StripeError) -> str | None:
    """The decline code of a card error: Stripe's ``decline_code``, else its ``code``."""
    body = error.error
    decline = getattr(body, "decline_code", None) if body is not None else None
    return decline or error.code
