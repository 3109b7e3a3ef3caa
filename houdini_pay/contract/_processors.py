"""The processor interface: what a plugin that moves money implements.

A processor declares its symbol, currencies and capabilities, and turns requests into
normalized results. It never writes core tables and never opens a database session: it
returns observations (``ChargeResult``, ``RefundResult``, ``ProcessorEvent``) and the core
applies them. It is called with no database transaction open, so it may take its time.

The core asks for an operation only if the processor declared the capability; a processor
that declares a capability must implement the method (checked when plugins load).

A processor says whether its settings are complete with ``missing_settings()``: the core
offers only configured processors (payment methods, donor pages) and refuses to charge
through one that lacks a setting it needs to charge.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, get_args
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from houdini_pay.errors import CapabilityNotSupported, ConfigurationError, PluginError

__all__ = [
    "Capability",
    "ChargeObservation",
    "ChargeRequest",
    "ChargeResult",
    "ChargeStatus",
    "LookupRequest",
    "MissingSetting",
    "NeededFor",
    "Processor",
    "ProcessorEvent",
    "RefundObservation",
    "RefundRequest",
    "RefundResult",
    "RefundStatus",
    "SourceInfo",
    "check_next_action",
    "missing_settings_of",
    "require_capability",
    "require_configured",
]


class Capability(enum.StrEnum):
    """Optional abilities a processor declares in ``Processor.capabilities``."""

    REFUNDS = "refunds"
    """``refund()`` gives money back (or records that it was given back)."""
    PARTIAL_REFUNDS = "partial_refunds"
    """``refund()`` accepts less than the full amount."""
    DISPUTES = "disputes"
    """Webhooks report chargebacks as ``DisputeObservation`` (see ``houdini_pay.pipeline``)."""
    WEBHOOKS = "webhooks"
    """``parse_webhook()`` verifies and translates the processor's notifications."""
    OFF_SESSION = "off_session"
    """``charge()`` works without the supporter present (recurring charges)."""
    LOOKUP = "lookup"
    """``lookup_charge()`` / ``lookup_refund()`` find an operation by idempotency key."""
    PAYOUTS = "payouts"
    """The processor pays the nonprofit out (balance and payout pages)."""
    MANUAL_APPROVAL = "manual_approval"
    """Charges may end ``pending`` with ``approval_required`` until staff approve them."""
    CANCEL = "cancel"
    """``cancel_charge()`` cancels a charge still waiting for the supporter (3-D Secure)."""


_CAPABILITY_METHODS: Mapping[Capability, tuple[str, ...]] = {
    Capability.REFUNDS: ("refund",),
    Capability.LOOKUP: ("lookup_charge", "lookup_refund"),
    Capability.WEBHOOKS: ("parse_webhook",),
    Capability.CANCEL: ("cancel_charge",),
}


class ChargeStatus(enum.StrEnum):
    """The normalized outcome of a charge."""

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    FAILED = "failed"
    UNKNOWN = "unknown"
    """Timeout, crash, unreadable answer: never treated as failed."""


NeededFor = Literal["charges", "pages"]
"""What a missing setting stops: ``charges`` (nothing can be charged: the core neither
offers nor charges through the processor) or ``pages`` (only the donor pages' payment form
needs it: the pages do not offer the processor, the payment API still charges through it)."""


@dataclass(frozen=True, slots=True)
class MissingSetting:
    """A setting a processor needs and does not have (or has in a form it cannot use).

    Attributes:
        name: the environment variable (``HOUDINI_PAY_STRIPE_SECRET_KEY``).
        needed_for: ``charges`` (default) or ``pages``; see :data:`NeededFor`.
        message: a sentence naming the variable and what is wrong; default
            ``"<name> is not set"``.
    """

    name: str
    needed_for: NeededFor = "charges"
    message: str = ""

    def __post_init__(self) -> None:
        if self.needed_for not in get_args(NeededFor):
            raise ValueError(f"needed_for is 'charges' or 'pages', not {self.needed_for!r}")
        if not self.message:
            # Frozen: the default message is set the way dataclasses set fields.
            object.__setattr__(self, "message", f"{self.name} is not set")

    def to_dict(self) -> dict[str, str]:
        """The missing setting as JSON."""
        return {"name": self.name, "needed_for": self.needed_for, "message": self.message}


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


class RefundStatus(enum.StrEnum):
    """The normalized outcome of a refund."""

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """The stored source a charge draws on (``None`` on requests without a source)."""

    id: str
    source_type: str
    processor_reference: str | None
    name: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargeRequest:
    """Everything a processor needs to charge once.

    Attributes:
        attempt_id: the attempt; processors put it in the charge's metadata so
            ``lookup_charge`` can find it again.
        amount: positive minor units of ``currency``.
        processing_object: the processor-specific part of the payment request
            (validated by ``Processor.validate_request``).
        off_session: True when the supporter is not present (a recurring charge).
        processor_data: what ``Processor.prepare_charge`` loaded from the plugin's tables.
        metadata: short strings to attach to the processor's record of the charge.
        record_reference: when the pipeline charges, a function that durably records the
            processor's id of the charge on the attempt (committed before it returns). A
            processor whose charge takes two steps calls it between them: it creates the
            charge unconfirmed (nothing can move yet), records its id, then confirms it.
            ``lookup_charge`` then gets the id as ``request.reference`` whatever happens
            after, and a charge with no id recorded was never confirmed. It raises if the
            attempt no longer takes one (reconcile settled it meanwhile): then move no
            money. ``None`` outside the pipeline (a retried or replayed call).
    """

    attempt_id: str
    nonprofit_id: str
    supporter_id: str
    amount: int
    currency: str
    payment_type: str
    source: SourceInfo | None = None
    processing_object: Mapping[str, Any] = field(default_factory=dict)
    off_session: bool = False
    description: str | None = None
    supporter_email: str | None = None
    processor_data: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, str] = field(default_factory=dict)
    record_reference: Callable[[str], None] | None = field(default=None, compare=False, repr=False)


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
class RefundRequest:
    """A refund of (part of) a charge.

    Attributes:
        payment_reference: the processor's reference of the charge being refunded.
        amount: positive minor units, never more than what remains refundable (the core
            checks this before calling).
        payment_amount: the amount of the original charge (for pro-rata fee refunds).
    """

    attempt_id: str
    nonprofit_id: str
    payment_id: str
    payment_reference: str | None
    amount: int
    payment_amount: int
    currency: str
    reason: str | None = None
    processor_data: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, str] = field(default_factory=dict)


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
class LookupRequest:
    """What the core knows of an operation whose outcome it lost.

    The processor finds it by ``idempotency_key`` (the attempt id) or ``reference``.
    ``stored_request`` is the charge request as it was made, for processors that keep no
    state of their own and re-derive the answer from it. For a refund, ``payment_reference``
    names the refunded charge and ``stored_request`` is that charge's request (with the
    ``processor_data`` it was made with).
    """

    attempt_id: str
    idempotency_key: str
    nonprofit_id: str
    amount: int
    currency: str
    reference: str | None = None
    payment_reference: str | None = None
    stored_request: ChargeRequest | None = None


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


class Processor(abc.ABC):
    """Base class of processors. Subclass it, set the class attributes, implement ``charge``.

    Class attributes:
        symbol: the registry key (``"stripe"``, ``"offsite"``).
        display_name: what people see.
        capabilities: the optional operations implemented (see :class:`Capability`).
        currencies: ISO codes charged, or ``None`` for any.
        moves_money: False for offsite processors (payments are recorded, kind ``offsite``).
        source_types: symbols of the source types this processor charges.
        requires_source: whether a charge needs a stored source.
        countries: ISO 3166 codes of the supporters it can charge, or ``None`` for any
            (what ``payment-methods/available?country=XX`` filters on).
        processing_object_schema: a JSON Schema of the ``payment_processing_object`` the
            front end sends, shown to it by ``payment-methods/available``; ``None`` says
            nothing about it.
    """

    symbol: ClassVar[str]
    display_name: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    currencies: ClassVar[frozenset[str] | None] = None
    moves_money: ClassVar[bool] = True
    source_types: ClassVar[tuple[str, ...]] = ()
    requires_source: ClassVar[bool] = False
    countries: ClassVar[frozenset[str] | None] = None
    processing_object_schema: ClassVar[Mapping[str, Any] | None] = None

    def missing_settings(self) -> Sequence[MissingSetting]:
        """The settings this processor lacks, read now; empty when it is configured (default).

        A setting ``needed_for="charges"`` keeps the processor out of the payment methods
        and the donor pages, and the core refuses to charge through it
        (``configuration_error``, nothing written); ``needed_for="pages"`` only keeps it off
        the donor pages. ``houdini-pay plugins`` and ``nonprofits methods`` show them. Called
        often: read the settings, never call the network.
        """
        return ()

    def validate_request(self, request: ChargeRequest) -> None:
        """Check the processing object before anything is written; raise ``InvalidRequest``."""

    def prepare_charge(self, session: Session, request: ChargeRequest) -> Mapping[str, Any]:
        """Read what the charge needs from the plugin's own tables (a Connect account).

        Called inside the transaction that records the attempt, before ``charge``. The
        returned mapping reaches ``charge`` as ``request.processor_data``.
        """
        return {}

    @abc.abstractmethod
    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Move ``request.amount`` from the supporter to the nonprofit, once.

        ``idempotency_key`` must reach the processor on every call that may move money, so
        a retry never charges twice. Return ``ChargeResult.unknown`` (or raise) when the
        outcome is not known; never report a timeout as failed.
        """

    def refund(self, request: RefundRequest, *, idempotency_key: str) -> RefundResult:
        """Give back ``request.amount`` of a charge (capability ``refunds``)."""
        raise CapabilityNotSupported(f"processor {self.symbol!r} does not support refunds")

    def lookup_charge(self, request: LookupRequest) -> ChargeResult | None:
        """Find a charge by its idempotency key (capability ``lookup``); None if never made."""
        raise CapabilityNotSupported(f"processor {self.symbol!r} cannot look up charges")

    def lookup_refund(self, request: LookupRequest) -> RefundResult | None:
        """Find a refund by its idempotency key (capability ``lookup``); None if never made."""
        raise CapabilityNotSupported(f"processor {self.symbol!r} cannot look up refunds")

    def cancel_charge(self, request: LookupRequest) -> ChargeResult:
        """Cancel a charge still waiting for the supporter (capability ``cancel``).

        ``houdini-pay reconcile`` calls it for a ``requires_action`` attempt older than
        ``Settings.requires_action_expiry``; ``request`` is as for ``lookup_charge``.
        Return where the charge stands once the processor has answered: ``failed`` only
        when it can no longer move money (cancelled, or never made); ``succeeded`` or
        ``pending`` when the supporter completed it meanwhile and it could not be
        cancelled (the core then records the payment); ``unknown`` when the processor did
        not answer (the core asks again next time). Without the capability, the core
        expires the attempt on its own; a success the processor reports later is given
        back.
        """
        raise CapabilityNotSupported(f"processor {self.symbol!r} cannot cancel charges")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ProcessorEvent]:
        """Verify a webhook on its raw body and translate it (capability ``webhooks``).

        Raise ``WebhookVerificationError`` for a bad signature, tampered body or stale
        timestamp. Return no observations for event types the processor does not handle.
        """
        raise CapabilityNotSupported(f"processor {self.symbol!r} does not accept webhooks")

    def check_declarations(self) -> None:
        """Raise ``PluginError`` if the declared capabilities and methods disagree."""
        if not getattr(self, "symbol", None):
            raise PluginError(f"{type(self).__name__} has no symbol")
        for capability, methods in _CAPABILITY_METHODS.items():
            for method in methods:
                implemented = getattr(type(self), method) is not getattr(Processor, method)
                if capability in self.capabilities and not implemented:
                    raise PluginError(
                        f"processor {self.symbol!r} declares {capability.value!r} "
                        f"but does not implement {method}()"
                    )
        if Capability.PARTIAL_REFUNDS in self.capabilities and (
            Capability.REFUNDS not in self.capabilities
        ):
            raise PluginError(f"processor {self.symbol!r} declares partial_refunds without refunds")


def require_capability(processor: Processor, capability: Capability) -> None:
    """Raise ``CapabilityNotSupported`` unless ``processor`` declared ``capability``."""
    if capability not in processor.capabilities:
        raise CapabilityNotSupported(
            f"processor {processor.symbol!r} does not support {capability.value.replace('_', ' ')}",
            details={"processor": processor.symbol, "capability": capability.value},
        )


def missing_settings_of(
    processor: Processor, needed_for: NeededFor | None = None
) -> tuple[MissingSetting, ...]:
    """What ``processor.missing_settings()`` reports (only those ``needed_for``, if given).

    Raises:
        PluginError: the processor answered something other than ``MissingSetting`` objects.
    """
    found = tuple(processor.missing_settings())
    for item in found:
        if not isinstance(item, MissingSetting):
            raise PluginError(
                f"processor {processor.symbol!r} returned {item!r} from missing_settings(); "
                "expected MissingSetting objects"
            )
    return tuple(m for m in found if needed_for is None or m.needed_for == needed_for)


def require_configured(processor: Processor) -> None:
    """Raise ``ConfigurationError`` naming every setting ``processor`` lacks to charge."""
    missing = missing_settings_of(processor, "charges")
    if missing:
        raise ConfigurationError(
            f"processor {processor.symbol!r} is not configured: "
            + "; ".join(m.message for m in missing),
            details={"processor": processor.symbol, "missing_settings": [m.name for m in missing]},
        )
