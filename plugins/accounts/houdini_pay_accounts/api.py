"""HTTP routes of the accounts plugin, under ``/api/v1/nonprofits/{id}/supporters/{sid}``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Response
from pydantic import Field

from houdini_pay import Channel, parse_date
from houdini_pay.api import (
    ApiModel,
    App,
    IdempotencyKey,
    NonprofitId,
    error_responses,
    outcome_http_status,
)
from houdini_pay.errors import InvalidRequest
from houdini_pay_accounts import auto_top_up, statement, transfers
from houdini_pay_accounts.accounts import account_view, check_supporter
from houdini_pay_accounts.models import NOTE_LENGTH

__all__ = ["router"]

router = APIRouter(
    prefix="/nonprofits/{nonprofit_id}/supporters/{supporter_id}/account", tags=["accounts"]
)

SupporterId = Annotated[str, Path(min_length=1, max_length=40, description="sup_...")]
Amount = Annotated[int, Field(gt=0, le=10**12, description="Minor units.")]
OptionalKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Sending the same top-up again with the same key never pays twice.",
    ),
]


class TopUpBody(ApiModel):
    """A top-up through any processor."""

    amount: Amount
    processor: Annotated[str, Field(min_length=1, max_length=40)]
    source_id: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    processing_object: dict[str, Any] = Field(default_factory=dict)


class TransferBody(ApiModel):
    """A transfer from this supporter's balance to another supporter's."""

    to_supporter_id: Annotated[str, Field(min_length=1, max_length=40)]
    amount: Amount
    note: Annotated[str, Field(min_length=1, max_length=NOTE_LENGTH)] | None = None


class AutoTopUpBody(ApiModel):
    """Auto top-up: ``enabled`` false removes it; otherwise all three fields are needed."""

    enabled: bool = True
    threshold: Annotated[int, Field(ge=0, le=10**12)] | None = None
    amount: Amount | None = None
    source_id: Annotated[str, Field(min_length=1, max_length=40)] | None = None


@router.get("", summary="Show a supporter's account", responses=error_responses(401, 404, 413, 422))
def show_account(nonprofit_id: NonprofitId, supporter_id: SupporterId, app: App) -> dict[str, Any]:
    """Balance (posted), available, held, pending top-ups and auto top-up; zeros before
    the first transfer."""
    with app.session() as session:
        return account_view(session, nonprofit_id, supporter_id)


@router.post(
    "/top-ups",
    status_code=201,
    summary="Top up a supporter's balance",
    responses=error_responses(401, 402, 404, 409, 413, 422),
)
def create_top_up(
    nonprofit_id: NonprofitId,
    supporter_id: SupporterId,
    body: TopUpBody,
    app: App,
    response: Response,
    idempotency_key: OptionalKey = None,
) -> dict[str, Any]:
    """Pay onto the balance through the pipeline: the same answer as ``POST .../payment``."""
    outcome = transfers.top_up(
        app,
        nonprofit_id,
        supporter_id,
        body.amount,
        processor=body.processor,
        source_id=body.source_id,
        processing_object=body.processing_object,
        idempotency_key=idempotency_key,
        channel=Channel.API.value,
    )
    response.status_code = outcome_http_status(outcome)
    return outcome.to_dict()


@router.post(
    "/transfers",
    status_code=201,
    summary="Transfer to another supporter",
    responses=error_responses(401, 404, 409, 413, 422),
)
def create_transfer(
    nonprofit_id: NonprofitId,
    supporter_id: SupporterId,
    body: TransferBody,
    idempotency_key: IdempotencyKey,
    app: App,
) -> dict[str, Any]:
    """Move money to another supporter of the nonprofit; never more than available."""
    return transfers.transfer(
        app,
        nonprofit_id,
        from_supporter=supporter_id,
        to_supporter=body.to_supporter_id,
        amount=body.amount,
        idempotency_key=idempotency_key,
        note=body.note,
    )


@router.put(
    "/auto-top-up", summary="Set auto top-up", responses=error_responses(401, 404, 413, 422)
)
def put_auto_top_up(
    nonprofit_id: NonprofitId, supporter_id: SupporterId, body: AutoTopUpBody, app: App
) -> dict[str, Any]:
    """Set the supporter's auto top-up, or remove it with ``enabled: false``."""
    if not body.enabled:
        auto_top_up.turn_off_auto_top_up(app, nonprofit_id, supporter_id)
    elif body.threshold is None or body.amount is None or body.source_id is None:
        raise InvalidRequest("threshold, amount and source_id are required", code="invalid_request")
    else:
        auto_top_up.set_auto_top_up(
            app,
            nonprofit_id,
            supporter_id,
            threshold=body.threshold,
            amount=body.amount,
            source_id=body.source_id,
        )
    return show_account(nonprofit_id, supporter_id, app)


@router.get(
    "/statement",
    summary="A supporter's account statement",
    responses=error_responses(401, 404, 413, 422),
)
def get_statement(
    nonprofit_id: NonprofitId,
    supporter_id: SupporterId,
    app: App,
    start: Annotated[str | None, Query(alias="from", description="YYYY-MM-DD")] = None,
    end: Annotated[str | None, Query(alias="to", description="YYYY-MM-DD")] = None,
    form: Annotated[Literal["json", "csv", "pdf"], Query(alias="format")] = "json",
) -> Any:
    """Every posted movement with the running balance, as JSON, CSV or PDF."""
    with app.session() as session:
        check_supporter(session, nonprofit_id, supporter_id)
    made = statement.account_statement(
        app, supporter_id, start=parse_date(start, "from"), end=parse_date(end, "to")
    )
    if form == "csv":
        return Response(statement.statement_csv(made), media_type="text/csv")
    if form == "pdf":
        return Response(statement.statement_pdf(app, made), media_type="application/pdf")
    return made
