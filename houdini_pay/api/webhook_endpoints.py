"""A nonprofit's webhook endpoints, its events, their deliveries, and receipts on request."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime, BaseModel, Field

from houdini_pay.api.auth import App, NonprofitId
from houdini_pay.api.error_handling import error_responses
from houdini_pay.api.paging import Limit
from houdini_pay.api.validation import ApiModel
from houdini_pay.delivery import endpoints, history
from houdini_pay.delivery.receipts import request_receipt_email

__all__ = ["EndpointBody", "router"]

router = APIRouter(tags=["events"])

EndpointId = Annotated[str, Path(description="The webhook endpoint's id (whe_...).")]
EventId = Annotated[str, Path(description="The event's id (evt_...).")]


class EndpointBody(ApiModel):
    """A new webhook endpoint."""

    url: Annotated[str, Field(min_length=1, max_length=2048, description="An https:// URL.")]
    events: Annotated[
        list[str] | None,
        Field(
            max_length=50,
            description="Event types it receives (payment.completed, dispute.*); "
            "omitted or empty: every event.",
        ),
    ] = None


class WebhookEndpoint(BaseModel):
    """A webhook endpoint; ``secret`` only in the answer that made or rotated it."""

    id: str
    nonprofit_id: str
    url: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    failing_since: AwareDatetime | None
    created_at: AwareDatetime
    secret_prefix: str
    secret: str | None = None


class Event(BaseModel):
    """An event as receivers get it."""

    id: str
    type: str
    created: int
    nonprofit_id: str
    data: dict[str, Any]


class DeliveryTry(BaseModel):
    """One try of a delivery."""

    number: int
    worker: str
    started_at: str
    latency_ms: int
    succeeded: bool
    status_code: int | None
    error: str | None
    response_body: str | None


class Delivery(BaseModel):
    """An event owed to an endpoint, and its tries."""

    id: str
    event_id: str
    event_type: str
    channel: str
    target: str
    status: str
    attempts: int
    next_attempt_at: AwareDatetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: AwareDatetime
    completed_at: AwareDatetime | None
    tries: list[DeliveryTry]


class Queued(BaseModel):
    """Deliveries put in the queue."""

    deliveries: list[str]


@router.post(
    "/nonprofits/{nonprofit_id}/webhook-endpoints",
    status_code=201,
    response_model=WebhookEndpoint,
    summary="Create a webhook endpoint",
    responses=error_responses(401, 404, 413, 422),
)
def create_endpoint(nonprofit_id: NonprofitId, body: EndpointBody, app: App) -> dict[str, Any]:
    """Add an endpoint; the answer holds its signing ``secret``, shown only this once."""
    return endpoints.create_endpoint(app, nonprofit_id, body.url, body.events).to_dict()


@router.get(
    "/nonprofits/{nonprofit_id}/webhook-endpoints",
    response_model=list[WebhookEndpoint],
    summary="List webhook endpoints",
    responses=error_responses(401, 404, 422),
)
def list_endpoints(nonprofit_id: NonprofitId, app: App) -> list[dict[str, Any]]:
    """The nonprofit's endpoints, oldest first, without their secrets."""
    return [record.to_dict() for record in endpoints.list_endpoints(app, nonprofit_id)]


@router.delete(
    "/nonprofits/{nonprofit_id}/webhook-endpoints/{endpoint_id}",
    response_model=WebhookEndpoint,
    summary="Delete a webhook endpoint",
    responses=error_responses(401, 404, 422),
)
def delete_endpoint(nonprofit_id: NonprofitId, endpoint_id: EndpointId, app: App) -> dict[str, Any]:
    """Stop sending to the endpoint for good; its deliveries stay listed."""
    return endpoints.delete_endpoint(app, endpoint_id, nonprofit_id=nonprofit_id).to_dict()


@router.get(
    "/nonprofits/{nonprofit_id}/webhook-endpoints/{endpoint_id}/deliveries",
    response_model=list[Delivery],
    summary="List an endpoint's deliveries",
    responses=error_responses(401, 404, 422),
)
def list_deliveries(
    nonprofit_id: NonprofitId,
    endpoint_id: EndpointId,
    app: App,
    status: Annotated[
        Literal["pending", "succeeded", "failed", "skipped"] | None,
        Query(description="Only deliveries in this state."),
    ] = None,
    limit: Limit = 100,
) -> list[dict[str, Any]]:
    """Newest first, each with its tries (status code, latency, start of the answer)."""
    found = history.list_deliveries(
        app, endpoint_id, status=status, nonprofit_id=nonprofit_id, limit=limit
    )
    return [record.to_dict() for record in found]


@router.get(
    "/nonprofits/{nonprofit_id}/events",
    response_model=list[Event],
    summary="List events",
    responses=error_responses(401, 404, 422),
)
def list_events(
    nonprofit_id: NonprofitId,
    app: App,
    type: Annotated[
        str | None, Query(max_length=64, description="Only this type (payment.completed).")
    ] = None,
    limit: Limit = 100,
) -> list[dict[str, Any]]:
    """The nonprofit's events, newest first, exactly as webhooks deliver them."""
    return history.list_events(app, nonprofit_id, event_type=type, limit=limit)


@router.post(
    "/nonprofits/{nonprofit_id}/events/{event_id}/resend",
    status_code=202,
    response_model=Queued,
    summary="Resend an event",
    responses=error_responses(401, 404, 409, 422),
)
def resend_event(
    nonprofit_id: NonprofitId,
    event_id: EventId,
    app: App,
    endpoint: Annotated[
        str | None, Query(max_length=40, description="Only to this endpoint (whe_...).")
    ] = None,
) -> dict[str, Any]:
    """Deliver the event again: to ``endpoint``, or to every enabled endpoint it went to."""
    queued = history.resend_event(app, event_id, endpoint_id=endpoint, nonprofit_id=nonprofit_id)
    return {"deliveries": queued}


@router.post(
    "/nonprofits/{nonprofit_id}/payments/{payment_id}/receipt",
    status_code=202,
    response_model=Queued,
    summary="E-mail a payment's receipt",
    responses=error_responses(401, 404, 409, 422, 500),
)
def send_receipt(
    nonprofit_id: NonprofitId,
    payment_id: Annotated[str, Path(description="The payment's id (pay_...).")],
    app: App,
) -> dict[str, Any]:
    """Owe the donor a receipt e-mail (once per payment), as a donor page's gift is owed one."""
    return {"deliveries": [request_receipt_email(app, payment_id, nonprofit_id=nonprofit_id)]}
