"""HTTP routes of the invoices plugin, under ``/api/v1/nonprofits/{nonprofit_id}``.

Manual payments follow igny8's billing endpoint: a supporter (or staff for them) reports a
bank transfer, check or cash payment with its reference; it is recorded through the core
pipeline with the offsite processor as ``pending_approval``, and approving it
(``POST .../payments/{id}/approve``) pays the invoice.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import Field

from houdini_pay import Channel, PaymentRequest
from houdini_pay.api import (
    ApiModel,
    App,
    IdempotencyKey,
    NonprofitId,
    error_responses,
    outcome_http_status,
)
from houdini_pay.errors import Conflict
from houdini_pay_invoices import ledger

__all__ = ["router"]

router = APIRouter(prefix="/nonprofits/{nonprofit_id}", tags=["invoices"])

InvoiceId = Annotated[str, Path(min_length=1, max_length=40, description="inv_...")]
SupporterId = Annotated[str, Path(min_length=1, max_length=40, description="sup_...")]
NoteId = Annotated[str, Path(min_length=1, max_length=40, description="cn_...")]
Amount = Annotated[int, Field(gt=0, le=ledger.MAX_TOTAL, description="Minor units.")]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class LineBody(ApiModel):
    """One line of a new invoice."""

    description: Text
    unit_amount: Amount
    quantity: Annotated[int, Field(gt=0, le=10_000)] = 1
    item_key: Annotated[str, Field(min_length=1, max_length=120)] | None = Field(
        default=None, description="A limited item the line sells quantity of (held until paid)."
    )


class InvoiceBody(ApiModel):
    """A new invoice."""

    supporter_id: Annotated[str, Field(min_length=1, max_length=40)]
    lines: Annotated[list[LineBody], Field(min_length=1, max_length=ledger.MAX_LINES)]
    due_date: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")] | None = None


class ManualPaymentBody(ApiModel):
    """A payment made outside houdini-pay, to be approved by staff (igny8's fields)."""

    payment_method: Literal["bank_transfer", "check", "cash", "local_wallet", "other"]
    transaction_reference: Text
    notes: Text | None = None
    amount: Amount | None = Field(default=None, description="Default: what is due.")


class ApplyBody(ApiModel):
    """Which invoice a credit note pays, and how much (default: all it can)."""

    invoice_id: Annotated[str, Field(min_length=1, max_length=40)]
    amount: Amount | None = None


@router.get("/invoices", summary="List invoices", responses=error_responses(401, 404, 413, 422))
def list_invoices(
    nonprofit_id: NonprofitId,
    app: App,
    status: Annotated[Literal["open", "paid", "void", "refunded"] | None, Query()] = None,
) -> list[dict[str, Any]]:
    """The nonprofit's invoices, newest first, optionally of one status."""
    return ledger.list_invoices(app, nonprofit_id, status)


@router.post(
    "/invoices",
    status_code=201,
    summary="Create an invoice",
    responses=error_responses(401, 404, 409, 413, 422),
)
def create_invoice(nonprofit_id: NonprofitId, body: InvoiceBody, app: App) -> dict[str, Any]:
    """Issue an invoice to a supporter, numbered in sequence, in the nonprofit's currency."""
    import datetime as dt

    from houdini_pay.errors import InvalidRequest

    due = None
    if body.due_date is not None:
        try:
            due = dt.date.fromisoformat(body.due_date)
        except ValueError:
            raise InvalidRequest("due_date is not a date", code="invalid_date") from None
    lines = [
        ledger.LineInput(x.description, x.unit_amount, x.quantity, x.item_key) for x in body.lines
    ]
    return ledger.create_invoice(app, nonprofit_id, body.supporter_id, lines, due_date=due)


@router.get(
    "/invoices/{invoice_id}",
    summary="Show an invoice",
    responses=error_responses(401, 404, 413, 422),
)
def get_invoice(nonprofit_id: NonprofitId, invoice_id: InvoiceId, app: App) -> dict[str, Any]:
    """The invoice with its lines, payments and credit notes."""
    return ledger.get_invoice(app, nonprofit_id, invoice_id)


@router.post(
    "/invoices/{invoice_id}/void",
    summary="Void an invoice",
    responses=error_responses(401, 404, 409, 413, 422),
)
def void_invoice(nonprofit_id: NonprofitId, invoice_id: InvoiceId, app: App) -> dict[str, Any]:
    """Void an open invoice; money on it becomes a credit note."""
    return ledger.void_invoice(app, nonprofit_id, invoice_id)


@router.post(
    "/invoices/{invoice_id}/manual-payments",
    status_code=201,
    summary="Report a manual payment of an invoice",
    responses={
        202: {"description": "Outcome unknown; reconcile settles it (the payment's body)."},
        402: {"description": "The payment failed (the payment's body)."},
        **error_responses(401, 404, 409, 413, 422, 502),
    },
)
def manual_payment(
    nonprofit_id: NonprofitId,
    invoice_id: InvoiceId,
    body: ManualPaymentBody,
    idempotency_key: IdempotencyKey,
    app: App,
    response: Response,
) -> dict[str, Any]:
    """Record a payment pending approval: the same answer as ``POST .../payment``."""
    invoice = ledger.get_invoice(app, nonprofit_id, invoice_id)
    if invoice["status"] != ledger.OPEN:
        raise Conflict(
            f"invoice {invoice['number']} is {invoice['status']}",
            code=f"invoice_{invoice['status']}",
        )
    processing: dict[str, Any] = {
        "method": body.payment_method,
        "reference": body.transaction_reference,
        "pending_approval": True,
    }
    if body.notes is not None:
        processing["note"] = body.notes
    outcome = app.pay(
        PaymentRequest(
            nonprofit_id=nonprofit_id,
            supporter_id=invoice["supporter_id"],
            amount=body.amount if body.amount is not None else invoice["amount_due"],
            currency=invoice["currency"],
            processor="offsite",
            payment_type="invoice",
            type_object={"invoice_id": invoice_id},
            processing_object=processing,
            idempotency_key=idempotency_key,
            channel=Channel.API,
        )
    )
    response.status_code = outcome_http_status(outcome)
    return outcome.to_dict()


@router.get(
    "/supporters/{supporter_id}/credit-notes",
    summary="List a supporter's credit notes",
    responses=error_responses(401, 404, 413, 422),
)
def list_credit_notes(
    nonprofit_id: NonprofitId, supporter_id: SupporterId, app: App
) -> list[dict[str, Any]]:
    """The supporter's credit notes, newest first."""
    return ledger.list_credit_notes(app, nonprofit_id, supporter_id)


@router.post(
    "/supporters/{supporter_id}/credit-notes/{credit_note_id}/apply",
    summary="Apply a credit note to an invoice",
    responses=error_responses(401, 404, 409, 413, 422),
)
def apply_credit_note(
    nonprofit_id: NonprofitId,
    supporter_id: SupporterId,
    credit_note_id: NoteId,
    body: ApplyBody,
    app: App,
) -> dict[str, Any]:
    """Apply the note to an invoice of the same supporter; returns the invoice after."""
    note = ledger.get_credit_note(app, nonprofit_id, credit_note_id)
    if note["supporter_id"] != supporter_id:
        from houdini_pay.errors import NotFound

        raise NotFound(f"no credit note {credit_note_id}", code="credit_note_not_found")
    return ledger.apply_credit_note(app, nonprofit_id, credit_note_id, body.invoice_id, body.amount)
