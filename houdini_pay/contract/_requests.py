"""The payment request the platform sends and the outcome it gets back.

These are the types of the Python entry point (:meth:`houdini_pay.HoudiniPay.pay`), the CLI's
``pay --json`` and the HTTP API's ``POST .../payment``.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from houdini_pay.errors import InvalidRequest
from houdini_pay.store._records import PaymentRecord

__all__ = [
    "Channel",
    "ErrorInfo",
    "OutcomeStatus",
    "PaymentOutcome",
    "PaymentRequest",
    "check_channel",
    "fingerprint_of",
]


class Channel(enum.StrEnum):
    """Where a payment or a refund came from; stored on its attempt and its payment.

    Each entry point sets its own, so nothing is ever guessed from an idempotency key.
    """

    API = "api"
    """The platform: the HTTP API, and the Python API unless the caller says otherwise."""
    CLI = "cli"
    """The ``houdini-pay`` command line."""
    PAGE = "page"
    """A donor on a public page (``/donate/...``, ``/events/...``)."""
    RECURRING = "recurring"
    """The recurring charging job."""
    STAFF = "staff"
    """The nonprofit's staff through the platform's own tools (refunds from Python)."""


_CHANNELS = tuple(channel.value for channel in Channel)


def check_channel(channel: object) -> str:
    """``channel`` as its plain value, or ``InvalidRequest`` (``invalid_channel``)."""
    if isinstance(channel, str) and channel in _CHANNELS:
        return str(channel)
    raise InvalidRequest(
        f"channel must be one of {', '.join(_CHANNELS)}; got {channel!r}",
        code="invalid_channel",
        details={"field": "channel"},
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentRequest:
    """One payment, as the seed's ``POST api/v1/nonprofits/:id/payment`` describes it.

    Attributes:
        nonprofit_id: the nonprofit receiving the money.
        supporter_id: the supporter paying; must belong to the nonprofit.
        amount: positive ``int`` of the currency's minor unit (2500 is $25.00).
        currency: must be the nonprofit's currency.
        payment_type: symbol of the payment type (``"donation"``, ``"ticket"``).
        processor: symbol of the processor; taken from the source when omitted.
        source_id: a stored source of the supporter, if the processor charges one.
        address_id: an address of the supporter.
        type_object: the payment type's part of the request (designation, ticket level).
        processing_object: the processor's part (a check number, a return URL).
        idempotency_key: the same key with the same request never pays twice; a new
            random key is used when omitted (no retry protection then).
        off_session: True for charges made without the supporter (recurring runs).
        channel: where the request came from (:class:`Channel`); ``api`` for Python
            callers unless they say otherwise. Stored on the attempt and the payment.
    """

    nonprofit_id: str
    supporter_id: str
    amount: int
    currency: str
    payment_type: str
    processor: str | None = None
    source_id: str | None = None
    address_id: str | None = None
    type_object: Mapping[str, Any] = field(default_factory=dict)
    processing_object: Mapping[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None
    off_session: bool = False
    channel: str = Channel.API.value

    def to_dict(self) -> dict[str, Any]:
        """The request as plain JSON values (stored on the attempt)."""
        # Built by hand: dataclasses.asdict deep-copies and is slow on the hot path.
        return {
            "nonprofit_id": self.nonprofit_id,
            "supporter_id": self.supporter_id,
            "amount": self.amount,
            "currency": self.currency,
            "payment_type": self.payment_type,
            "processor": self.processor,
            "source_id": self.source_id,
            "address_id": self.address_id,
            "type_object": dict(self.type_object),
            "processing_object": dict(self.processing_object),
            "idempotency_key": self.idempotency_key,
            "off_session": self.off_session,
            "channel": str(self.channel),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PaymentRequest:
        """Rebuild a request stored by :meth:`to_dict`."""
        return cls(**dict(data))

    def fingerprint(self) -> str:
        """A hash of everything but the idempotency key and the channel: equal for a retry."""
        return fingerprint_of(self.to_dict())


# The channel says who asked, not what was asked: a retry is the same payment whichever
# door it comes back through (a page's payment the platform retries over the API), so it
# must replay, not conflict; and it keeps the fingerprints of attempts stored before the
# channel existed, so their retries still replay after an upgrade. The stored outcome keeps
# the channel of the first run.
_NOT_FINGERPRINTED = frozenset({"idempotency_key", "channel"})


def fingerprint_of(request: Mapping[str, Any]) -> str:
    """The fingerprint of a request already turned into :meth:`PaymentRequest.to_dict`."""
    data = {key: value for key, value in request.items() if key not in _NOT_FINGERPRINTED}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class OutcomeStatus(enum.StrEnum):
    """What ``pay`` reports to the caller."""

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    PENDING_APPROVAL = "pending_approval"
    REQUIRES_ACTION = "requires_action"
    FAILED = "failed"
    UNKNOWN = "unknown"
    """The processor did not answer; the attempt stays open and ``reconcile`` settles it."""


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """A stable error code and a sentence for a person."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """The error as JSON."""
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentOutcome:
    """The result of :meth:`HoudiniPay.pay`.

    Attributes:
        status: see :class:`OutcomeStatus`.
        attempt_id: the stored attempt; ask again with the same idempotency key to get
            this outcome back.
        payment: the recorded payment (``None`` when nothing was recorded).
        error: why it failed (``None`` on success).
        next_action: what the front end needs when ``status`` is ``requires_action``.
        replayed: True when the outcome was stored by an earlier call with the same key.
    """

    status: OutcomeStatus
    attempt_id: str
    payment: PaymentRecord | None = None
    error: ErrorInfo | None = None
    next_action: Mapping[str, Any] | None = None
    replayed: bool = False

    @property
    def ok(self) -> bool:
        """True unless the payment failed or its outcome is unknown."""
        return self.status not in (OutcomeStatus.FAILED, OutcomeStatus.UNKNOWN)

    def to_dict(self) -> dict[str, Any]:
        """The outcome as ``pay --json`` prints it."""
        return {
            "status": self.status.value,
            "attempt_id": self.attempt_id,
            "payment": self.payment.to_dict() if self.payment else None,
            "error": self.error.to_dict() if self.error else None,
            "next_action": dict(self.next_action) if self.next_action else None,
            "replayed": self.replayed,
        }
