"""A nonprofit, and the payment methods it can offer its supporters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from houdini_pay.api.auth import App, NonprofitId
from houdini_pay.api.error_handling import error_responses
from houdini_pay.api.schemas import AvailableMethods, Nonprofit
from houdini_pay.payment_methods import available_methods

__all__ = ["router"]

router = APIRouter(prefix="/nonprofits/{nonprofit_id}", tags=["nonprofits"])


@router.get(
    "",
    response_model=Nonprofit,
    summary="Show a nonprofit",
    responses=error_responses(401, 404, 422),
)
def get_nonprofit(nonprofit_id: NonprofitId, app: App) -> dict[str, Any]:
    """The nonprofit, and the processors and payment types it has enabled."""
    record = app.get_nonprofit(nonprofit_id)
    return {**record.to_dict(), "enabled": app.enabled_symbols(nonprofit_id)}


@router.get(
    "/payment-methods/available",
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
