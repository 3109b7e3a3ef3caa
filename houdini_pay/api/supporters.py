"""Supporters, their sources (ways of paying) and their addresses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import Field

from houdini_pay.api.auth import App, NonprofitId, Scope
from houdini_pay.api.error_handling import error_responses
from houdini_pay.api.paging import Limit, SupporterCursor
from houdini_pay.api.schemas import Address, Source, Supporter, SupporterPage
from houdini_pay.api.validation import ApiModel

__all__ = ["AddressBody", "SourceBody", "SupporterBody", "router"]

router = APIRouter(tags=["supporters"])

SupporterId = Annotated[str, Path(description="The supporter's id (sup_...).")]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class SupporterBody(ApiModel):
    """A new supporter."""

    name: Name
    email: Annotated[str, Field(max_length=320)] | None = None


class SourceBody(ApiModel):
    """A way of paying, as the source type's plugin expects it (see payment-methods)."""

    payment_processor_source_type: Annotated[
        str,
        Field(
            min_length=1,
            max_length=50,
            description="A source type an installed plugin registers (the served schema "
            "lists them).",
        ),
    ]
    payment_processor_source_object: dict[str, Any]
    name: Name | None = None


class AddressBody(ApiModel):
    """A postal address."""

    line1: Name
    line2: Annotated[str, Field(max_length=200)] | None = None
    city: Annotated[str, Field(max_length=100)] | None = None
    region: Annotated[str, Field(max_length=100)] | None = None
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = None


@router.post(
    "/nonprofits/{nonprofit_id}/supporters",
    status_code=201,
    response_model=Supporter,
    summary="Create a supporter",
    responses=error_responses(401, 404, 413, 422),
)
def create_supporter(nonprofit_id: NonprofitId, body: SupporterBody, app: App) -> dict[str, Any]:
    """Create a supporter of the nonprofit."""
    return app.create_supporter(nonprofit_id, body.name, email=body.email).to_dict()


@router.get(
    "/nonprofits/{nonprofit_id}/supporters",
    response_model=SupporterPage,
    summary="List supporters",
    responses=error_responses(401, 404, 422),
)
def list_supporters(
    nonprofit_id: NonprofitId,
    app: App,
    email: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=320,
            description="Only supporters with this email address, in any case.",
        ),
    ] = None,
    cursor: SupporterCursor = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """The nonprofit's supporters, newest first, a page at a time; find one by email."""
    page = app.list_supporters(nonprofit_id=nonprofit_id, email=email, cursor=cursor, limit=limit)
    return page.to_dict()


@router.get(
    "/nonprofits/{nonprofit_id}/supporters/{supporter_id}",
    response_model=Supporter,
    summary="Show a supporter",
    responses=error_responses(401, 404, 422),
)
def get_supporter(nonprofit_id: NonprofitId, supporter_id: SupporterId, app: App) -> dict[str, Any]:
    """One supporter of the nonprofit."""
    return app.get_supporter(supporter_id, nonprofit_id=nonprofit_id).to_dict()


@router.post(
    "/supporters/{supporter_id}/sources",
    status_code=201,
    response_model=Source,
    summary="Store a source",
    responses=error_responses(401, 404, 413, 422, 502),
)
def create_source(
    supporter_id: SupporterId, body: SourceBody, scope: Scope, app: App
) -> dict[str, Any]:
    """Store a way of paying for a supporter, through its source type's plugin.

    The plugin turns the source object into the processor's reference (a token, never a
    card number); pay with it by passing the source's id as ``source_id``.
    """
    return app.create_source(
        supporter_id,
        body.payment_processor_source_type,
        body.payment_processor_source_object,
        name=body.name,
        nonprofit_id=scope,
    ).to_dict()


@router.post(
    "/supporters/{supporter_id}/addresses",
    status_code=201,
    response_model=Address,
    summary="Add an address",
    responses=error_responses(401, 404, 413, 422),
)
def create_address(
    supporter_id: SupporterId, body: AddressBody, scope: Scope, app: App
) -> dict[str, Any]:
    """Add a postal address to a supporter; pay with it by passing it as ``address_id``."""
    return app.create_address(
        supporter_id, nonprofit_id=scope, **body.model_dump(exclude_none=True)
    ).to_dict()
