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

The requests live in ``_processor_requests``, the results and observations in
``_processor_results``, the settings check in ``_processor_settings``; this module gathers
their names with the interface itself.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from sqlalchemy.orm import Session

from houdini_pay.contract._fees import FeeRule
from houdini_pay.contract._processor_requests import (
    ChargeRequest,
    LookupRequest,
    RefundRequest,
    SourceInfo,
)
from houdini_pay.contract._processor_results import (
    ChargeObservation,
    ChargeResult,
    ChargeStatus,
    ProcessorEvent,
    RefundObservation,
    RefundResult,
    RefundStatus,
    check_next_action,
)
from houdini_pay.contract._processor_settings import (
    MissingSetting,
    NeededFor,
    missing_settings_of,
    require_configured,
)
from houdini_pay.errors import CapabilityNotSupported, PluginError
from houdini_pay.store._records import NonprofitRecord

__all__ = [
    "Capability",
    "ChargeObservation",
    "ChargeRequest",
    "ChargeResult",
    "ChargeStatus",
    "FeeRule",
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
        charges_found_by_key: True when ``lookup_charge`` (capability ``lookup``, required)
            finds every charge ``charge`` made under the attempt's idempotency key and
            answers None only for one never made: a charge that is local (offsite) or that
            the processor files under the key at once. The pipeline then records the
            attempt as ``charging`` in the transaction that validates it, one commit fewer
            per payment: an attempt interrupted before the charge is settled by
            ``houdini-pay reconcile`` asking the processor, instead of failed unasked.
            Leave it False when the processor's lookup may miss a charge just made (a
            search index that lags).
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
    charges_found_by_key: ClassVar[bool] = False

    def missing_settings(self) -> Sequence[MissingSetting]:
        """The settings this processor lacks, read now; empty when it is configured (default).

        A setting ``needed_for="charges"`` keeps the processor out of the payment methods
        and the donor pages, and the core refuses to charge through it
        (``configuration_error``, nothing written); ``needed_for="pages"`` only keeps it off
        the donor pages. ``houdini-pay plugins`` and ``nonprofits methods`` show them. Called
        often: read the settings, never call the network.
        """
        return ()

    def fee_rule(self, nonprofit: NonprofitRecord, currency: str) -> FeeRule | None:
        """The fee this processor is expected to take on a charge to ``nonprofit``.

        The donor pages offer to cover it ("Add $1.04 to cover the processing fee") and the
        donation payment type checks the covered fee against it. ``None`` (the default):
        no fee, or it cannot be estimated; the offer is not made. Read settings only, never
        call the network.
        """
        return None

    def validate_request(self, request: ChargeRequest) -> None:
        """Check the processing object before anything is written; raise ``InvalidRequest``."""

    def prepare_charge(self, session: Session, request: ChargeRequest) -> Mapping[str, Any]:
        """Read what the charge needs from the plugin's own tables (a Connect account).

        Called inside the transaction that records the attempt, before ``charge``. The
        returned mapping reaches ``charge`` as ``request.processor_data``.
        """
        return {}

    def settle_charge(
        self, session: Session, *, nonprofit_id: str, attempt_id: str, succeeded: bool
    ) -> None:
        """The pipeline recorded the attempt's outcome: finalized (``succeeded``) or failed.

        Called inside the transaction that finalizes the payment or fails the attempt, so
        what the processor writes to its own tables here commits or rolls back with it. A
        processor whose ``prepare_charge`` holds money in its own tables (a balance) posts
        the hold on success and releases it on failure. It may be called for an attempt it
        never held anything for, and more than once for one attempt after a crash: do it
        at most once. The default does nothing.
        """

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
        _check_codes(self.symbol, "currencies", self.currencies, 3)
        _check_codes(self.symbol, "countries", self.countries, 2)
        known = {c.value for c in Capability}
        declared: object = self.capabilities
        unknown = sorted(str(c) for c in self.capabilities if c not in known)
        if isinstance(declared, str) or unknown:
            raise PluginError(
                f"processor {self.symbol!r} declares capabilities {unknown or self.capabilities!r}"
                f" that do not exist; known: {', '.join(sorted(known))}"
            )
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
        if self.charges_found_by_key and Capability.LOOKUP not in self.capabilities:
            raise PluginError(
                f"processor {self.symbol!r} sets charges_found_by_key without the lookup capability"
            )


def _check_codes(symbol: str, name: str, codes: object, length: int) -> None:
    """``currencies`` / ``countries``: ``None`` or a set of upper-case ISO codes."""
    if codes is None:
        return
    if (
        isinstance(codes, str | bytes)
        or not isinstance(codes, Iterable)
        or not all(
            isinstance(c, str) and len(c) == length and c.isascii() and c.isalpha() and c.isupper()
            for c in codes
        )
    ):
        example = "EUR" if length == 3 else "DE"
        raise PluginError(
            f"processor {symbol!r} declares {name} {codes!r}; expected None or a set of "
            f"upper-case ISO codes of {length} letters, like frozenset({{{example!r}}})"
        )


def require_capability(processor: Processor, capability: Capability) -> None:
    """Raise ``CapabilityNotSupported`` unless ``processor`` declared ``capability``."""
    if capability not in processor.capabilities:
        raise CapabilityNotSupported(
            f"processor {processor.symbol!r} does not support {capability.value.replace('_', ' ')}",
            details={"processor": processor.symbol, "capability": capability.value},
        )
