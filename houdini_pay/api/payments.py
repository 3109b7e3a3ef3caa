"""Payments: pay, list, show, refund, approve and reject.

Each route calls the same :class:`~houdini_pay.HoudiniPay` method as the CLI command of the
same name, scoped to the nonprofit of the path.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import AwareDatetime, Field

from houdini_pay.api.auth import App, NonprofitId
from houdini_pay.api.error_handling import error_responses
from houdini_pay.api.one_hop import one_hop_route
from houdini_pay.api.paging import Limit, PaymentCursor
from houdini_pay.api.schemas import Payment as PaymentModel
from houdini_pay.api.schemas import PaymentOutcome, PaymentPage, RefundOutcome
from houdini_pay.api.validation import ApiModel
from houdini_pay.contract._requests import Channel, OutcomeStatus, PaymentRequest
from houdini_pay.contract._requests import PaymentOutcome as Outcome
from houdini_pay.errors import InvalidRequest
from houdini_pay.money import MAX_AMOUNT
from houdini_pay.store._states import PaymentKind, PaymentStatus

__all__ = ["IdempotencyKey", "PaymentBody", "RefundBody", "RejectBody", "router"]

router = APIRouter(prefix="/nonprofits/{nonprofit_id}", tags=["payments"])

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Sending the same request again with the same key never pays twice.",
    ),
]
"""A required ``Idempotency-Key`` header (1 to 255 characters)."""

PaymentId = Annotated[str, Path(description="The payment's id (pay_...).")]
AttemptId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        description="The attempt's id (att_...), as a payment answered.",
    ),
]

_OUTCOME_HTTP_STATUS = {
    OutcomeStatus.SUCCEEDED: 201,
    OutcomeStatus.PENDING: 201,
    OutcomeStatus.PENDING_APPROVAL: 201,
    OutcomeStatus.REQUIRES_ACTION: 201,
    OutcomeStatus.UNKNOWN: 202,
    OutcomeStatus.FAILED: 402,
}


def outcome_http_status(outcome: Outcome | OutcomeStatus) -> int:
    """The HTTP status a payment outcome answers with, as ``POST .../payment`` does.

    201 for succeeded, pending, pending_approval and requires_action; 202 when the
    processor's answer is unknown; 402 when it failed. Plugin routes that pay through the
    pipeline answer the same way.
    """
    status = outcome if isinstance(outcome, OutcomeStatus) else outcome.status
    return _OUTCOME_HTTP_STATUS[status]


_REFUND_HTTP_STATUS = {"succeeded": 201, "pending": 201, "unknown": 202, "failed": 402}

Amount = Annotated[int, Field(gt=0, le=MAX_AMOUNT, description="Whole minor units (2500 = 25.00).")]
Symbol = Annotated[str, Field(min_length=1, max_length=50)]
RecordId = Annotated[str, Field(min_length=1, max_length=100)]


class PaymentBody(ApiModel):
    """A payment, as the platform sends it."""

    supporter_id: RecordId
    source_id: RecordId | None = None
    address_id: RecordId | None = None
    amount: Amount
    currency: str = Field(pattern=r"^[A-Za-z]{3}$", description="The nonprofit's currency.")
    payment_processor: Symbol | None = Field(
        None, description="Default: the processor of the source."
    )
    payment_processing_object: dict[str, Any] = Field(
        default_factory=dict, description="The processor's part (see payment-methods)."
    )
    payment_type: Symbol
    payment_type_object: dict[str, Any] = Field(
        default_factory=dict, description="The payment type's part (a designation, tickets)."
    )


class RefundBody(ApiModel):
    """A refund of all (no amount) or part of a payment."""

    amount: Amount | None = None
    reason: Annotated[str, Field(max_length=500)] | None = None


class RejectBody(ApiModel):
    """Why a payment pending approval is rejected."""

    reason: Annotated[str, Field(max_length=500)] | None = None


def _payment_request(nonprofit_id: str, body: PaymentBody, idempotency_key: str) -> PaymentRequest:
    return PaymentRequest(
        nonprofit_id=nonprofit_id,
        supporter_id=body.supporter_id,
        amount=body.amount,
        currency=body.currency,
        payment_type=body.payment_type,
        processor=body.payment_processor,
        source_id=body.source_id,
        address_id=body.address_id,
        type_object=body.payment_type_object,
        processing_object=body.payment_processing_object,
        idempotency_key=idempotency_key,
        channel=Channel.API,
    )


async def create_payment(
    nonprofit_id: NonprofitId,
    body: PaymentBody,
    idempotency_key: IdempotencyKey,
    app: App,
    response: Response,
) -> dict[str, Any]:
    """Run the pipeline once: reserve, charge, finalize; all of it is recorded or none.

    201 for succeeded, pending, pending_approval and requires_action (``next_action`` holds
    what the front end needs); 402 with the same body when it failed; 202 when the
    processor's answer is unknown. The same key with the same body answers the stored
    outcome (``replayed``); with another body, or while the first is running, 409.
    """
    # Only the pipeline, which blocks, goes to a worker thread: a plain ``def`` route made
    # FastAPI hop there and back once for the route and once more to check the answer.
    outcome = await run_in_threadpool(
        app.pay, _payment_request(nonprofit_id, body, idempotency_key)
    )
    response.status_code = outcome_http_status(outcome)
    return outcome.to_dict()


router.add_api_route(
    "/payment",
    create_payment,
    methods=["POST"],
    status_code=201,
    response_model=PaymentOutcome,
    summary="Make a payment",
    responses={
        202: {"model": PaymentOutcome, "description": "Outcome unknown; reconcile settles it."},
        402: {"model": PaymentOutcome, "description": "The payment failed (declined)."},
        **error_responses(401, 404, 409, 413, 422, 502),
    },
    route_class_override=one_hop_route(PaymentBody, _payment_request, outcome_http_status),
)


@router.get(
    "/attempts/{attempt_id}",
    response_model=PaymentOutcome,
    summary="Show where a payment attempt stands",
    responses=error_responses(401, 404, 422),
)
def get_attempt(nonprofit_id: NonprofitId, attempt_id: AttemptId, app: App) -> dict[str, Any]:
    """The outcome of a payment made earlier, as it stands now: the same object the payment
    answered (``replayed`` is true: this request did nothing).

    A return page polls it after sending the supporter to a ``redirect`` ``next_action``,
    until ``status`` is no longer ``requires_action`` or ``pending``, instead of sending the
    payment again.
    """
    return app.get_attempt(attempt_id, nonprofit_id=nonprofit_id).to_dict()


def _as_utc(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise InvalidRequest(
            f"{field} is out of range", code="invalid_date", details={"field": field}
        ) from None


@router.get(
    "/payments",
    response_model=PaymentPage,
    summary="List payments",
    responses=error_responses(401, 404, 422),
)
def list_payments(
    nonprofit_id: NonprofitId,
    app: App,
    status: PaymentStatus | None = None,
    supporter_id: Annotated[str | None, Query(max_length=100)] = None,
    kind: PaymentKind | None = None,
    created_from: Annotated[
        AwareDatetime | None, Query(description="Created at or after (ISO 8601 with offset).")
    ] = None,
    created_to: Annotated[AwareDatetime | None, Query(description="Created before.")] = None,
    cursor: PaymentCursor = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """The nonprofit's payments, newest first, a page at a time."""
    if supporter_id is not None:
        # Another nonprofit's supporter answers 404, like every other id of another tenant.
        app.get_supporter(supporter_id, nonprofit_id=nonprofit_id)
    page = app.list_payments(
        nonprofit_id,
        status=status.value if status else None,
        supporter_id=supporter_id,
        kind=kind.value if kind else None,
        created_from=_as_utc(created_from, "created_from"),
        created_to=_as_utc(created_to, "created_to"),
        cursor=cursor,
        limit=limit,
    )
    return page.to_dict()


@router.get(
    "/payments/{payment_id}",
    response_model=PaymentModel,
    summary="Show a payment",
    responses=error_responses(401, 404, 422),
)
def get_payment(nonprofit_id: NonprofitId, payment_id: PaymentId, app: App) -> dict[str, Any]:
    """One payment of the nonprofit."""
    return app.get_payment(payment_id, nonprofit_id=nonprofit_id).to_dict()


@router.post(
    "/payments/{payment_id}/refunds",
    status_code=201,
    response_model=RefundOutcome,
    summary="Refund a payment",
    responses={
        202: {"model": RefundOutcome, "description": "Outcome unknown; reconcile settles it."},
        402: {"model": RefundOutcome, "description": "The processor refused the refund."},
        **error_responses(401, 404, 409, 413, 422, 502),
    },
)
def refund_payment(
    nonprofit_id: NonprofitId,
    payment_id: PaymentId,
    idempotency_key: IdempotencyKey,
    app: App,
    response: Response,
    body: Annotated[RefundBody | None, Body()] = None,
) -> dict[str, Any]:
    """Give back all (no amount) or part of a payment, never more than was paid.

    201 succeeded or pending, 402 refused by the processor, 202 outcome unknown.
    """
    body = body or RefundBody()
    outcome = app.refund(
        payment_id,
        amount=body.amount,
        reason=body.reason,
        idempotency_key=idempotency_key,
        nonprofit_id=nonprofit_id,
        channel=Channel.API,
    )
    response.status_code = _REFUND_HTTP_STATUS[outcome.status]
    return outcome.to_dict()


@router.post(
    "/payments/{payment_id}/approve",
    response_model=PaymentOutcome,
    summary="Approve a payment pending approval",
    responses=error_responses(401, 404, 409, 422),
)
def approve_payment(nonprofit_id: NonprofitId, payment_id: PaymentId, app: App) -> dict[str, Any]:
    """Staff confirm the money of an offsite payment arrived; it finalizes."""
    return app.approve_payment(payment_id, nonprofit_id=nonprofit_id).to_dict()


@router.post(
    "/payments/{payment_id}/reject",
    response_model=PaymentOutcome,
    summary="Reject a payment pending approval",
    responses=error_responses(401, 404, 409, 413, 422),
)
def reject_payment(
    nonprofit_id: NonprofitId,
    payment_id: PaymentId,
    app: App,
    body: Annotated[RejectBody | None, Body()] = None,
) -> dict[str, Any]:
    """Staff reject a payment pending approval; it ends cancelled."""
    reason = body.reason if body else None
    return app.reject_payment(payment_id, reason=reason, nonprofit_id=nonprofit_id).to_dict()
