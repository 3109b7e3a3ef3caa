"""The public endpoints behind the donor pages: ``/public/v1``, no API key.

They may create a supporter, a source and a payment for one nonprofit, and tell a donor's
own submission how it stands; they read nothing else. Every ``POST`` passes the guard
(:mod:`houdini_pay.web.guard`): same-site with the page's CSRF token, a small body, and a
per-client rate limit.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from houdini_pay.api.auth import App
from houdini_pay.api.error_handling import error_responses
from houdini_pay.api.validation import ApiModel
from houdini_pay.contract._payment_forms import PaymentForm
from houdini_pay.contract._requests import OutcomeStatus, PaymentOutcome
from houdini_pay.errors import NotFound, SoldOut
from houdini_pay.money import MAX_AMOUNT
from houdini_pay.web import submissions
from houdini_pay.web.catalog import Catalog
from houdini_pay.web.guard import PublicSettings, RateLimiter, check_csrf, check_size

__all__ = ["PUBLIC_PREFIX", "confirmation_path", "public_outcome", "router", "status_router"]

PUBLIC_PREFIX = "/public/v1"


async def _guard(request: Request) -> None:
    """CSRF, size and rate checks of every public POST (see houdini_pay.web.guard)."""
    settings: PublicSettings = request.app.state.public_settings
    limiter: RateLimiter = request.app.state.public_rate_limiter
    limiter.hit(request.client.host if request.client else "unknown")
    check_csrf(request)
    await check_size(request, settings.max_body_bytes)


def _catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.public_catalog
    return catalog


CatalogDep = Annotated[Catalog, Depends(_catalog)]
NonprofitPath = Annotated[str, Path(max_length=100, description="The nonprofit's id (np_...).")]
KeyPath = Annotated[
    str,
    Path(
        pattern=f"^{submissions.KEY_PATTERN.pattern}$",
        description="The submission's key: random, chosen by the page, the same on a resubmit.",
    ),
]
Symbol = Annotated[str, Field(min_length=1, max_length=50)]

router = APIRouter(
    prefix=PUBLIC_PREFIX + "/nonprofits/{nonprofit_id}/submissions/{key}",
    tags=["public"],
    dependencies=[Depends(_guard)],
)
status_router = APIRouter(
    prefix=PUBLIC_PREFIX + "/nonprofits/{nonprofit_id}/submissions/{key}", tags=["public"]
)


class PublicStartBody(ApiModel):
    """The donor, and the page they are on."""

    page: Symbol
    page_name: Annotated[str, Field(min_length=1, max_length=100)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str, Field(min_length=3, max_length=320)]


class PublicPrepareBody(ApiModel):
    """A payment form's server-side step before its source exists."""

    processor: Symbol
    data: dict[str, Any] = Field(default_factory=dict)


class PublicSourceBody(ApiModel):
    """The source a payment form made (a Stripe payment method id)."""

    processor: Symbol
    source_object: dict[str, Any]


class PublicPaymentBody(ApiModel):
    """What the donor chose to pay."""

    processor: Symbol
    amount: Annotated[int, Field(gt=0, le=MAX_AMOUNT)]
    currency: str = Field(pattern=r"^[A-Za-z]{3}$")
    payment_type: Symbol
    type_object: dict[str, Any] = Field(default_factory=dict)
    processing_object: dict[str, Any] = Field(default_factory=dict)


class PublicError(BaseModel):
    """Why a payment did not go through, in words for the donor."""

    code: str
    message: str


class PublicOutcome(BaseModel):
    """How a submission's payment stands, as the donor's page is told (no record ids)."""

    status: Literal[
        "succeeded",
        "pending",
        "pending_approval",
        "requires_action",
        "failed",
        "unknown",
        "not_paid",
    ]
    error: PublicError | None
    next_action: dict[str, Any] | None = Field(
        description="What the payment form needs to finish (a 3-D Secure client secret)."
    )
    confirmation_url: str | None = Field(description="Where the donor goes once it is done.")


def _offered_form(app: App, catalog: Catalog, nonprofit_id: str, processor: str) -> PaymentForm:
    """The form of ``processor`` if the nonprofit offers it to donors; else 404."""
    for offered in catalog.offered(app, nonprofit_id):
        if offered.processor == processor:
            return offered.form
    raise NotFound(
        f"this nonprofit takes no payments through {processor!r}", code="payment_form_not_found"
    )


def public_outcome(outcome: PaymentOutcome | None, confirmation_url: str) -> dict[str, Any]:
    """What the donor's page is told: the status and what to do next, no record ids."""
    if outcome is None:
        return {"status": "not_paid", "error": None, "next_action": None, "confirmation_url": None}
    finished = outcome.status not in (OutcomeStatus.FAILED, OutcomeStatus.REQUIRES_ACTION)
    return {
        "status": outcome.status.value,
        "error": outcome.error.to_dict() if outcome.error else None,
        "next_action": dict(outcome.next_action) if outcome.next_action else None,
        "confirmation_url": confirmation_url if finished else None,
    }


def confirmation_path(submission: submissions.Submission) -> str:
    """The address of the submission's confirmation page."""
    return f"/thanks/{submission.nonprofit_id}/{submission.key}"


@router.post(
    "",
    status_code=201,
    summary="Start a submission (creates the supporter)",
    responses=error_responses(403, 404, 409, 413, 422, 429),
)
def start_submission(
    nonprofit_id: NonprofitPath, key: KeyPath, body: PublicStartBody, app: App, catalog: CatalogDep
) -> dict[str, Any]:
    """Create the donor as a supporter of the page's nonprofit; the same key answers the same."""
    page = catalog.pages.get(body.page)
    if page is None:
        raise NotFound(f"no public page {body.page!r}", code="page_not_found")
    if page.load(body.page_name).nonprofit.id != nonprofit_id:
        raise NotFound("this page does not collect for this nonprofit", code="page_not_found")
    submission = submissions.start(
        app, nonprofit_id, key, page.symbol, name=body.name, email=body.email
    )
    return {"key": submission.key, "page": submission.page}


@router.post(
    "/prepare",
    summary="Run a payment form's server-side step",
    responses=error_responses(403, 404, 409, 413, 422, 429, 502),
)
def prepare(
    nonprofit_id: NonprofitPath,
    key: KeyPath,
    body: PublicPrepareBody,
    app: App,
    catalog: CatalogDep,
) -> dict[str, Any]:
    """What the form needs before the donor's details are confirmed (a SetupIntent secret)."""
    submission = submissions.find(app, nonprofit_id, key)
    form = _offered_form(app, catalog, nonprofit_id, body.processor)
    return dict(submissions.prepare(app, submission, form, body.data))


@router.post(
    "/source",
    status_code=201,
    summary="Store the submission's source",
    responses=error_responses(402, 403, 404, 409, 413, 422, 429, 502),
)
def create_source(
    nonprofit_id: NonprofitPath, key: KeyPath, body: PublicSourceBody, app: App, catalog: CatalogDep
) -> dict[str, Any]:
    """Store the form's source for the submission's supporter (once per submission)."""
    submission = submissions.find(app, nonprofit_id, key)
    form = _offered_form(app, catalog, nonprofit_id, body.processor)
    submissions.create_source(app, submission, form, body.source_object)
    return {"stored": True}


@router.post(
    "/payment",
    response_model=PublicOutcome,
    summary="Pay",
    responses={
        402: {"model": PublicOutcome, "description": "The payment failed (declined)."},
        **error_responses(403, 404, 409, 413, 422, 429, 502),
    },
)
def pay(
    nonprofit_id: NonprofitPath,
    key: KeyPath,
    body: PublicPaymentBody,
    app: App,
    catalog: CatalogDep,
    response: Response,
) -> dict[str, Any]:
    """Pay once per submission: a second call with the same key answers the first outcome."""
    submission = submissions.find(app, nonprofit_id, key)
    form = _offered_form(app, catalog, nonprofit_id, body.processor)
    choice = submissions.PaymentChoice(
        amount=body.amount,
        currency=body.currency,
        payment_type=body.payment_type,
        type_object=body.type_object,
        processing_object=body.processing_object,
    )
    try:
        outcome = submissions.pay(app, catalog, submission, form, choice)
    except SoldOut as error:
        # Its message is worded for the donor by the payment type (sold_out, or a code of
        # its own); the item's key in the details is internal and stays on the server.
        details = {k: v for k, v in error.details.items() if k != "item_key"}
        raise SoldOut(error.message, code=error.code, details=details) from None
    if outcome.status is OutcomeStatus.FAILED:
        response.status_code = 402
    return public_outcome(outcome, confirmation_path(submission))


@status_router.get(
    "",
    response_model=PublicOutcome,
    summary="How the submission's payment stands",
    responses=error_responses(404, 422),
)
async def submission_status(
    nonprofit_id: NonprofitPath, key: KeyPath, app: App, catalog: CatalogDep
) -> dict[str, Any]:
    """The status of this submission's payment (for the page waiting after 3-D Secure)."""

    def read() -> dict[str, Any]:
        submission = submissions.find(app, nonprofit_id, key)
        url = confirmation_path(submission)
        return public_outcome(submissions.outcome(app, submission), url)

    return await run_in_threadpool(read)
