"""What the core asks a processor: a charge, a refund, or a lookup of an operation whose
outcome it lost."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ChargeRequest",
    "LookupRequest",
    "RefundRequest",
    "SourceInfo",
]


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
