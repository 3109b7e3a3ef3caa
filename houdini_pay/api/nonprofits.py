"""Nonprofits: the key's own listed, one shown, and the payment methods it can offer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from houdini_pay.api.auth import App, CurrentCaller, NonprofitId
from houdini_pay.api.error_handling import error_responses
from houdini_pay.api.paging import Limit, NonprofitCursor
from houdini_pay.api.schemas import AvailableMethods, Nonprofit, NonprofitPage
from houdini_pay.contract._payment_methods import available_methods
from houdini_pay.tenancy import ALL_NONPROFITS

__all__ = ["router"]

router = APIRouter(prefix="/nonprofits", tags=["nonprofits"])


@router.get(
    "",
    response_model=NonprofitPage,
    summary="List nonprofits",
    responses=error_responses(401, 422),
)
def list_nonprofits(
    caller: CurrentCaller, app: App, cursor: NonprofitCursor = None, limit: Limit = 100
) -> dict[str, Any]:
    """The nonprofits the key may act for, newest first: its own (every one for the admin key)."""
    scope = ALL_NONPROFITS if caller.is_admin else caller.nonprofit_id
    assert scope is not None  # a key that is not the admin key has a nonprofit
    return app.list_nonprofits(nonprofit_id=scope, cursor=cursor, limit=limit).to_dict()


@router.get(
    "/{nonprofit_id}",
    response_model=Nonprofit,
    summary="Show a nonprofit",
    responses=error_responses(401, 404, 422),
)
def get_nonprofit(nonprofit_id: NonprofitId, app: App) -> dict[str, Any]:
    """The nonprofit, and the processors and payment types it has enabled."""
    record = app.get_nonprofit(nonprofit_id)
    return {**record.to_dict(), "enabled": app.enabled_symbols(nonprofit_id)}


@router.get(
    "/{nonprofit_id}/payment-methods/available",
    response_model=AvailableMethods,
    summary="Payment methods available",
    responses=error_responses(401, 404, 422),
)
def get_available_methods(
    nonprofit_id: NonprofitId,
    app: App,
    country: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Za-z]{2}$",
            description="The supporter's country (ISO 3166); default: the nonprofit's.",
        ),
    ] = None,
) -> dict[str, Any]:
    """The processors enabled for the nonprofit that serve its currency and the country.

    Each comes with the source types it charges and the JSON Schemas of the objects a
    payment form sends: ``payment_processing_object`` and
    ``payment_processor_source_object``.
    """
    return available_methods(app, nonprofit_id, country=country)
