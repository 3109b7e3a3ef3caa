"""Response models: what the HTTP API answers, as the OpenAPI schema documents it.

Each mirrors the ``to_dict()`` of a core record or outcome (the same JSON the CLI prints with
``--json``); a test checks that they name the same fields, so a field added to a record
cannot silently go missing from the API.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from houdini_pay.contract._requests import Channel, OutcomeStatus
from houdini_pay.store._states import PaymentKind, PaymentStatus

__all__ = [
    "Address",
    "AvailableMethods",
    "EnabledSymbols",
    "ErrorBody",
    "ErrorResponse",
    "Health",
    "Nonprofit",
    "NonprofitPage",
    "NonprofitSummary",
    "OutcomeError",
    "Payment",
    "PaymentMethod",
    "PaymentOutcome",
    "PaymentPage",
    "PaymentTypeInfo",
    "RefundOutcome",
    "Source",
    "SourceTypeInfo",
    "Supporter",
    "SupporterPage",
    "WebhookEventResult",
    "WebhookReport",
]

JsonObject = dict[str, Any]


class ErrorBody(BaseModel):
    """A stable code to branch on and a sentence for a person."""

    code: str = Field(examples=["supporter_not_found"])
    message: str
    details: JsonObject | None = None


class ErrorResponse(BaseModel):
    """Every error answer: ``{"error": {"code": ..., "message": ...}}``."""

    error: ErrorBody


class Payment(BaseModel):
    """A payment: signed amount in minor units; refunds are negative."""

    id: str
    nonprofit_id: str
    supporter_id: str | None
    attempt_id: str | None
    kind: PaymentKind
    status: PaymentStatus
    amount: int
    currency: str
    gross: int
    fee: int
    net: int
    amount_refunded: int
    processor: str
    processor_reference: str | None
    payment_type: str | None
    source_id: str | None
    parent_id: str | None
    description: str | None
    channel: Channel = Field(
        description="Where it came from: api, cli, page (a donor page), recurring (the "
        "recurring job) or staff."
    )
    invoice_id: str | None = Field(
        default=None,
        description="The invoice the payment is for (a refund or dispute: its payment's).",
    )
    failure_reason: str | None = Field(
        default=None, description="Why a failed or cancelled payment failed; null otherwise."
    )
    details: JsonObject
    created_at: AwareDatetime
    updated_at: AwareDatetime


class OutcomeError(BaseModel):
    """Why a payment failed, or why its outcome is not known yet."""

    code: str = Field(examples=["card_declined"])
    message: str


class PaymentOutcome(BaseModel):
    """The outcome of a payment, as ``houdini-pay pay --json`` prints it."""

    status: OutcomeStatus
    attempt_id: str
    payment: Payment | None
    error: OutcomeError | None
    next_action: JsonObject | None = Field(
        description="What the front end needs when status is requires_action: "
        '{"type": "redirect", "url": "https://..."} sends the supporter to the url; '
        "other types are the processor's own (a client secret)."
    )
    replayed: bool = Field(
        description="True when this request did nothing: an earlier request with this key "
        "answered, or the attempt was only read."
    )


class RefundOutcome(BaseModel):
    """The outcome of a refund, as ``houdini-pay refund --json`` prints it."""

    status: Literal["succeeded", "pending", "failed", "unknown"]
    attempt_id: str
    refund: Payment | None
    payment: Payment
    error: OutcomeError | None
    replayed: bool


class PaymentPage(BaseModel):
    """A page of payments, newest first."""

    payments: list[Payment]
    next_cursor: str | None = Field(description="Pass as cursor to get the next page.")


class Supporter(BaseModel):
    """A supporter of a nonprofit."""

    id: str
    nonprofit_id: str
    name: str
    email: str | None
    created_at: AwareDatetime


class SupporterPage(BaseModel):
    """A page of supporters, newest first."""

    supporters: list[Supporter]
    next_cursor: str | None = Field(description="Pass as cursor to get the next page.")


class Address(BaseModel):
    """A supporter's postal address."""

    id: str
    nonprofit_id: str
    supporter_id: str
    line1: str
    line2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    created_at: AwareDatetime


class Source(BaseModel):
    """A stored way of paying: the processor's reference, never a card number."""

    id: str
    nonprofit_id: str
    supporter_id: str
    processor: str
    source_type: str
    processor_reference: str | None
    name: str | None
    created_at: AwareDatetime


class EnabledSymbols(BaseModel):
    """The processors and payment types a nonprofit has enabled."""

    processors: list[str]
    payment_types: list[str]


class NonprofitSummary(BaseModel):
    """A nonprofit, as listings show it."""

    id: str
    name: str
    slug: str
    currency: str
    country: str | None
    address: str | None
    created_at: AwareDatetime


class Nonprofit(NonprofitSummary):
    """A nonprofit and what it has enabled."""

    enabled: EnabledSymbols


class NonprofitPage(BaseModel):
    """A page of nonprofits, newest first."""

    nonprofits: list[NonprofitSummary]
    next_cursor: str | None = Field(description="Pass as cursor to get the next page.")


class SourceTypeInfo(BaseModel):
    """A kind of source a processor charges, and the object the front end sends for it."""

    symbol: str
    display_name: str
    source_object_schema: JsonObject | None


class PaymentMethod(BaseModel):
    """A processor the nonprofit can be paid through, and what it needs from the front end."""

    processor: str
    display_name: str
    moves_money: bool
    requires_source: bool
    capabilities: list[str]
    countries: list[str] | None = Field(description="Supporter countries, or null for any.")
    processing_object_schema: JsonObject | None
    source_types: list[SourceTypeInfo]


class PaymentTypeInfo(BaseModel):
    """A payment type the nonprofit has enabled."""

    symbol: str
    display_name: str


class AvailableMethods(BaseModel):
    """What a payment form may offer a supporter of this nonprofit."""

    nonprofit_id: str
    currency: str
    country: str | None
    methods: list[PaymentMethod]
    payment_types: list[PaymentTypeInfo]


class WebhookEventResult(BaseModel):
    """What became of one processor event."""

    id: str
    type: str
    result: Literal["applied", "duplicate", "ignored", "pending"] = Field(
        description="applied; duplicate (another delivery applied it or is applying it); "
        "ignored (nothing houdini-pay knows); pending (it concerns a payment not recorded "
        "yet: kept, and applied once it is)"
    )


class WebhookReport(BaseModel):
    """What one webhook delivery did."""

    received: int
    events: list[WebhookEventResult]


class Health(BaseModel):
    """Whether the server can reach its database."""

    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]
