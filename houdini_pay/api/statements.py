"""A supporter's giving statement for a year, as the PDF or CSV file the CLI writes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response

from houdini_pay.api.auth import App, NonprofitId
from houdini_pay.api.error_handling import error_responses
from houdini_pay.statements import Period, statement_file
from houdini_pay.statements.period import MAX_YEAR, MIN_YEAR

__all__ = ["router"]

router = APIRouter(tags=["statements"])

_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The statement, offered for download (Content-Disposition).",
        "content": {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


@router.get(
    "/nonprofits/{nonprofit_id}/supporters/{supporter_id}/statement",
    response_class=Response,
    summary="A supporter's giving statement",
    responses={**_FILES, **error_responses(401, 404, 422)},
)
def get_statement(
    nonprofit_id: NonprofitId,
    supporter_id: Annotated[str, Path(description="The supporter's id (sup_...).")],
    app: App,
    year: Annotated[int, Query(ge=MIN_YEAR, le=MAX_YEAR, description="The calendar year.")],
    file_format: Annotated[
        Literal["pdf", "csv"], Query(alias="format", description="pdf (default) or csv.")
    ] = "pdf",
    timezone: Annotated[
        str, Query(min_length=1, max_length=64, description="IANA time zone the days are in.")
    ] = "UTC",
    locale: Annotated[
        str | None,
        Query(
            min_length=2,
            max_length=35,
            description="How the PDF writes amounts and dates, e.g. fr_CA (default: the "
            "nonprofit's country's English).",
        ),
    ] = None,
) -> Response:
    """Every gift, ticket and recurring charge of the year, refunds and disputes as negative
    lines, the totals and the tax-deductible amount: the same file as ``houdini-pay
    statement``. Another nonprofit's supporter answers 404."""
    document = statement_file(
        app,
        supporter_id,
        Period.calendar_year(year, timezone),
        file_format,
        nonprofit_id=nonprofit_id,
        locale=locale,
    )
    return Response(
        document.content,
        media_type=document.media_type,
        headers={"Content-Disposition": document.content_disposition},
    )
