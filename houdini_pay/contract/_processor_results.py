"""What a processor answers: the normalized results of charges and refunds, and what its
webhooks observed.

A processor returns these; the core applies them. ``check_next_action`` checks the shape of
what the front end is asked to do (a redirect must be to an https URL).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from houdini_pay.errors import PluginError

__all__ = [
    "REDIRECT",
    "ChargeObservation",
    "ChargeResult",
    "ChargeStatus",
    "ProcessorEvent",
    "RefundObservation",
    "RefundResult",
    "RefundStatus",
    "check_next_action",
]


class ChargeStatus(enum.StrEnum):
    """The normalized outcome of a charge."""

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    FAILED = "failed"
    UNKNOWN = "unknown"
    """Timeout, crash, unreadable answer: never treated as failed."""


class RefundStatus(enum.StrEnum):
    """The normalized outcome of a refund."""

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    FAILED = "failed"
    UNKNOWN = "unknown"


REDIRECT = "redirect"
"""``next_action["type"]`` of a payment the supporter completes on the provider's site."""

_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def check_next_action(next_action: object) -> None:
    """Raise ``PluginError`` unless ``next_action`` has a shape the front end can act on.

    It must be a mapping. A redirect, ``{"type": "redirect", "url": "https://..."}``, sends
    the supporter to ``url``: an absolute ``https`` URL (``http`` only on the loopback
    address, for test providers). Other types (``stripe_sdk``) are the plugin's own.
    """
    if not isinstance(next_action, Mapping):
        raise PluginError(f"next_action must be a mapping, not {next_action!r}")
    if next_action.get("type") != REDIRECT:
        return
    url = next_action.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    secure = parts is not None and (
        parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)
    )
    if parts is None or not parts.hostname or not secure:
        raise PluginError(
            'a redirect next_action is {"type": "redirect", "url": "https://..."} '
            f"with an absolute https URL for the supporter to go to, not {dict(next_action)!r}"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargeResult:
    """A processor's answer to ``charge`` or ``lookup_charge``, normalized.

    Attributes:
        status: succeeded, pending, requires_action, failed or unknown.
        reference: the processor's id for the charge (a PaymentIntent id, a check number).
        fee: the processor's fee in minor units, when known (net = amount - fee).
        decline_code: the processor's reason for a failure (``insufficient_funds``).
        message: a sentence for a person.
        next_action: what the front end needs to let the supporter act: a redirect
            ``{"type": "redirect", "url": "https://..."}`` (see :func:`check_next_action`,
            run when the result is made) or a shape of the plugin's own (a client secret).
        approval_required: with ``pending``, staff must approve (``pending_approval``).
        details: display-safe facts kept on the payment (card brand and last4, check
            number); never a card number or a secret.
    """

    status: ChargeStatus
    reference: str | None = None
    fee: int | None = None
    decline_code: str | None = None
    message: str | None = None
    next_action: Mapping[str, Any] | None = None
    approval_required: bool = False
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.next_action is not None:
            check_next_action(self.next_action)

    @classmethod
    def succeeded(
        cls,
        reference: str | None = None,
        *,
        fee: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> ChargeResult:
        """Money moved (or, offsite, was received)."""
        return cls(
            status=ChargeStatus.SUCCEEDED, reference=reference, fee=fee, details=details or {}
        )

    @classmethod
    def failed(
        cls, message: str, *, decline_code: str | None = None, reference: str | None = None
    ) -> ChargeResult:
        """No money moved, for a known reason."""
        return cls(
            status=ChargeStatus.FAILED,
            message=message,
            decline_code=decline_code,
            reference=reference,
        )

    @classmethod
    def pending(
        cls,
        reference: str | None = None,
        *,
        approval_required: bool = False,
        message: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> ChargeResult:
        """Accepted; the outcome comes later (webhook, staff approval)."""
        return cls(
            status=ChargeStatus.PENDING,
            reference=reference,
            approval_required=approval_required,
            message=message,
            details=details or {},
        )

    @classmethod
    def requires_action(cls, reference: str, next_action: Mapping[str, Any]) -> ChargeResult:
        """The supporter must act (3-D Secure) before the processor goes on."""
        return cls(
            status=ChargeStatus.REQUIRES_ACTION, reference=reference, next_action=next_action
        )

    @classmethod
    def redirect(cls, reference: str, url: str) -> ChargeResult:
        """The supporter completes the payment at ``url`` (the provider's page); the
        processor's webhook reports the outcome. ``PluginError`` if ``url`` is not https."""
        return cls.requires_action(reference, {"type": REDIRECT, "url": url})

    @classmethod
    def unknown(cls, message: str, *, reference: str | None = None) -> ChargeResult:
        """The outcome is not known; reconciliation will ask again."""
        return cls(status=ChargeStatus.UNKNOWN, message=message, reference=reference)


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundResult:
    """A processor's answer to ``refund`` or ``lookup_refund``, normalized.

    ``fee_refunded`` is the part of the original fee the processor gave back, if any.
    """

    status: RefundStatus
    reference: str | None = None
    fee_refunded: int = 0
    message: str | None = None

    @classmethod
    def succeeded(cls, reference: str | None = None, *, fee_refunded: int = 0) -> RefundResult:
        """The money went back to the supporter (or, offsite, the refund is recorded)."""
        return cls(status=RefundStatus.SUCCEEDED, reference=reference, fee_refunded=fee_refunded)

    @classmethod
    def failed(cls, message: str, *, reference: str | None = None) -> RefundResult:
        """The processor refused the refund."""
        return cls(status=RefundStatus.FAILED, message=message, reference=reference)

    @classmethod
    def unknown(cls, message: str) -> RefundResult:
        """The outcome is not known; reconciliation will ask again."""
        return cls(status=RefundStatus.UNKNOWN, message=message)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargeObservation:
    """A webhook's news about a charge: which attempt, and its new result.

    The core finds the attempt by ``attempt_id`` or else by ``reference``.
    """

    result: ChargeResult
    attempt_id: str | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundObservation:
    """A webhook's news about a refund made inside or outside houdini-pay.

    ``payment_reference`` names the refunded charge; ``attempt_id`` is set when the refund
    was started by houdini-pay.
    """

    result: RefundResult
    payment_reference: str
    amount: int
    attempt_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ProcessorEvent:
    """One verified notification from a processor, with what it observed.

    Attributes:
        id: the processor's event id; each id is applied once.
        type: the processor's event type (``payment_intent.succeeded``).
        observations: what the core should apply; empty for events it ignores.
    """

    id: str
    type: str
    observations: Sequence[object] = ()
