"""Every error houdini-pay raises on purpose, each with a stable code.

Callers branch on ``error.code`` (a string that never changes once released), show
``error.message`` to a person, and use ``error.http_status`` when answering over HTTP.
``error.retryable`` says whether the same request may succeed if sent again later.

The tree::

    HoudiniPayError
    ├── InvalidRequest                 422  the request itself is wrong; nothing was written
    │   ├── InvalidAmount              422  invalid_amount
    │   ├── InvalidCurrency            422  invalid_currency
    │   ├── CurrencyMismatch           422  currency_mismatch
    │   ├── UnknownPlugin              422  unknown_processor / unknown_payment_type / ...
    │   ├── NotEnabled                 422  processor_disabled / payment_type_disabled
    │   ├── CapabilityNotSupported     422  capability_not_supported
    │   └── RefundExceedsPayment       422  refund_exceeds_payment
    ├── NotFound                       404  nonprofit_not_found, supporter_not_found, ...
    ├── Unauthenticated                401  api_key_required, invalid_api_key
    ├── Forbidden                      403  csrf_failed, cross_origin
    ├── RequestTooLarge                413  request_too_large
    ├── Conflict                       409  the request clashes with the current state
    │   ├── IdempotencyConflict        409  idempotency_conflict
    │   ├── IdempotencyInFlight        409  idempotency_in_flight
    │   ├── InvalidTransition          409  invalid_state_transition
    │   ├── NotRefundable              409  payment_not_refundable
    │   └── SoldOut                    409  sold_out
    ├── RateLimited                    429  rate_limited (retryable)
    ├── PaymentDeclined                402  processor_declined
    ├── ProcessorError                 502  processor_error (retryable)
    ├── WebhookVerificationError       400  invalid_webhook
    ├── ConfigurationError             500  configuration_error
    └── PluginError                    500  plugin_error
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "CapabilityNotSupported",
    "ConfigurationError",
    "Conflict",
    "CurrencyMismatch",
    "Forbidden",
    "HoudiniPayError",
    "IdempotencyConflict",
    "IdempotencyInFlight",
    "InvalidAmount",
    "InvalidCurrency",
    "InvalidRequest",
    "InvalidTransition",
    "NotEnabled",
    "NotFound",
    "NotRefundable",
    "PaymentDeclined",
    "PluginError",
    "ProcessorError",
    "RateLimited",
    "RefundExceedsPayment",
    "RequestTooLarge",
    "SoldOut",
    "Unauthenticated",
    "UnknownPlugin",
    "WebhookVerificationError",
]


class HoudiniPayError(Exception):
    """Base of every error houdini-pay raises on purpose.

    Args:
        message: a sentence a person understands.
        code: overrides the class's default code (for errors that share a class,
            such as the ``*_not_found`` family).
        details: extra machine-readable facts (a decline code, the remaining amount).
    """

    code: ClassVar[str] = "houdini_pay_error"
    http_status: ClassVar[int] = 500
    retryable: ClassVar[bool] = False

    def __init__(
        self, message: str, *, code: str | None = None, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            # An instance attribute shadows the class default on purpose.
            self.code = code  # type: ignore[misc]
        self.details: dict[str, Any] = dict(details or {})

    def to_dict(self) -> dict[str, Any]:
        """The error as the JSON object the CLI and the HTTP API print."""
        payload: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            payload["details"] = self.details
        return payload

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InvalidRequest(HoudiniPayError):
    """The request is malformed or breaks a rule; nothing was written or charged."""

    code = "invalid_request"
    http_status = 422


class InvalidAmount(InvalidRequest):
    """An amount that is not a positive whole number of minor units."""

    code = "invalid_amount"


class InvalidCurrency(InvalidRequest):
    """A currency code that is not an ISO 4217 currency in use."""

    code = "invalid_currency"


class CurrencyMismatch(InvalidRequest):
    """A payment in a currency other than the nonprofit's."""

    code = "currency_mismatch"


class UnknownPlugin(InvalidRequest):
    """A processor, source type or payment type symbol that no installed plugin registers."""

    code = "unknown_plugin"


class NotEnabled(InvalidRequest):
    """A processor or payment type the nonprofit has disabled."""

    code = "not_enabled"


class CapabilityNotSupported(InvalidRequest):
    """An operation the processor did not declare among its capabilities."""

    code = "capability_not_supported"


class RefundExceedsPayment(InvalidRequest):
    """A refund larger than what remains refundable on the payment."""

    code = "refund_exceeds_payment"


class NotFound(HoudiniPayError):
    """An id that does not exist, or that belongs to another nonprofit."""

    code = "not_found"
    http_status = 404


class Unauthenticated(HoudiniPayError):
    """An HTTP request without an API key, or with a key that is unknown or revoked."""

    code = "unauthenticated"
    http_status = 401


class Forbidden(HoudiniPayError):
    """A request the server refuses to act on whoever sent it (a missing CSRF token)."""

    code = "forbidden"
    http_status = 403


class RateLimited(HoudiniPayError):
    """Too many requests from one client in a short time; the same request may pass later."""

    code = "rate_limited"
    http_status = 429
    retryable = True


class RequestTooLarge(HoudiniPayError):
    """An HTTP request body larger than the server accepts; it was not read to the end."""

    code = "request_too_large"
    http_status = 413


class Conflict(HoudiniPayError):
    """The request is valid but clashes with the current state of the records."""

    code = "conflict"
    http_status = 409


class IdempotencyConflict(Conflict):
    """The idempotency key was used before with a different request."""

    code = "idempotency_conflict"


class IdempotencyInFlight(Conflict):
    """The idempotency key belongs to a run that has not finished yet."""

    code = "idempotency_in_flight"
    retryable = True


class InvalidTransition(Conflict):
    """A state change the state machine forbids (states only move forward)."""

    code = "invalid_state_transition"


class NotRefundable(Conflict):
    """The payment cannot be refunded in its current state or kind."""

    code = "payment_not_refundable"


class SoldOut(Conflict):
    """Not enough of a limited item (seats, gift options) remains."""

    code = "sold_out"


class PaymentDeclined(HoudiniPayError):
    """The processor declined the charge."""

    code = "processor_declined"
    http_status = 402


class ProcessorError(HoudiniPayError):
    """The processor could not be reached or answered with an error."""

    code = "processor_error"
    http_status = 502
    retryable = True


class WebhookVerificationError(HoudiniPayError):
    """A webhook whose signature, timestamp or body does not verify."""

    code = "invalid_webhook"
    http_status = 400


class ConfigurationError(HoudiniPayError):
    """A missing or wrong setting (a key, a database URL)."""

    code = "configuration_error"
    http_status = 500


class PluginError(HoudiniPayError):
    """A plugin that breaks the rules of its hooks (a duplicate symbol, a bad result)."""

    code = "plugin_error"
    http_status = 500
