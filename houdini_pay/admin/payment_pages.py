"""The dashboard's money pages: overview, payments (filters, paging, CSV), one payment with
its refund form, and the queue of payments waiting for approval.

Changes call the application's public methods (``app.refund``, ``app.approve_payment``,
``app.reject_payment``) scoped to the member's nonprofit, need the ``staff`` role, and are
written to the audit log.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Response
from fastapi.responses import PlainTextResponse

from houdini_pay.admin import queries
from houdini_pay.admin.web import Context, Handler, amount_from, secure
from houdini_pay.contract._admin_pages import AdminText
from houdini_pay.errors import InvalidRequest
from houdini_pay.store._states import PaymentKind, PaymentStatus

__all__ = ["PAGES"]


def overview(ctx: Context) -> Response:
    """Today, this month, recurring revenue, and what needs attention."""
    nonprofit = ctx.app.get_nonprofit(ctx.nonprofit_id)
    figures = queries.overview(ctx.app, ctx.nonprofit_id)
    return ctx.page("overview.html", current="/", nonprofit=nonprofit, figures=figures, ctx=ctx)


def payments(ctx: Context) -> Response:
    """The payments matching the filters, a page at a time."""
    nonprofit = ctx.app.get_nonprofit(ctx.nonprofit_id)
    query = ctx.request.query_params
    criteria = queries.PaymentFilter.from_query(query)
    values: dict[str, Any] = {"criteria": criteria, "nonprofit": nonprofit, "ctx": ctx}
    values["statuses"] = [s.value for s in PaymentStatus]
    values["kinds"] = [k.value for k in PaymentKind]
    values["processors"] = sorted(ctx.app.registry.processors)
    try:
        rows, cursor = queries.filtered_payments(
            ctx.app, nonprofit, criteria, query.get("cursor", ""), ctx.format_locale
        )
    except InvalidRequest as exc:
        return ctx.page(
            "payments.html",
            422,
            current="/payments",
            rows=[],
            message=ctx.error_text(exc),
            **values,
        )
    return ctx.page("payments.html", current="/payments", rows=rows, cursor=cursor, **values)


def payments_csv(ctx: Context) -> Response:
    """Every payment matching the filters, as the accountant's CSV."""
    nonprofit = ctx.app.get_nonprofit(ctx.nonprofit_id)
    criteria = queries.PaymentFilter.from_query(ctx.request.query_params)
    text = queries.filtered_csv(ctx.app, nonprofit, criteria, ctx.format_locale)
    ctx.audit("export_csv", detail=str(criteria.query()) or None)
    response = PlainTextResponse(text, media_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="payments.csv"'
    return secure(response)


def payment(ctx: Context, payment_id: str) -> Response:
    """One payment: its runs, refunds, disputes, fee and net; the refund form."""
    detail = queries.payment_detail(ctx.app, ctx.nonprofit_id, payment_id)
    refundable = detail.payment.kind in (PaymentKind.CHARGE, PaymentKind.OFFSITE) and (
        detail.payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED)
    )
    done = ctx.request.query_params.get("done", "")
    return ctx.page(
        "payment.html",
        current="/payments",
        detail=detail,
        p=detail.payment,
        refundable=refundable,
        left=detail.payment.amount - detail.payment.amount_refunded,
        done=done,
        refund_key=secrets.token_urlsafe(16),
        ctx=ctx,
    )


def refund(ctx: Context, payment_id: str) -> Response:
    """Refund all or part of the payment, once the member has confirmed it."""
    ctx.require("staff")
    record = ctx.app.get_payment(payment_id, nonprofit_id=ctx.nonprofit_id)
    if ctx.form.get("confirm") != "yes":
        raise InvalidRequest(
            AdminText("tick the box to confirm the refund"), details={"field": "confirm"}
        )
    amount = None
    if ctx.form.get("scope") == "part":
        amount = amount_from(ctx.form.get("amount"), record.currency, "amount", ctx.format_locale)
    reason = ctx.form.get("reason")[:500] or None
    outcome = ctx.app.refund(
        payment_id,
        nonprofit_id=ctx.nonprofit_id,
        amount=amount,
        reason=reason,
        idempotency_key=ctx.form.get("idempotency_key")[:200] or None,
    )
    detail = f"{outcome.status}: amount={amount or 'all'} reason={reason or ''}"
    ctx.audit("refund", payment_id, detail)
    return ctx.redirect(f"/payments/{payment_id}?done={outcome.status}")


def approvals(ctx: Context) -> Response:
    """The payments waiting for a person to confirm the money arrived."""
    nonprofit = ctx.app.get_nonprofit(ctx.nonprofit_id)
    criteria = queries.PaymentFilter(status=PaymentStatus.PENDING_APPROVAL.value)
    rows, cursor = queries.filtered_payments(
        ctx.app, nonprofit, criteria, ctx.request.query_params.get("cursor", "")
    )
    done = ctx.request.query_params.get("done", "")
    return ctx.page(
        "approvals.html", current="/approvals", rows=rows, cursor=cursor, done=done, ctx=ctx
    )


def approve(ctx: Context, payment_id: str) -> Response:
    """Approve a pending payment: the money arrived."""
    ctx.require("staff")
    ctx.app.approve_payment(payment_id, nonprofit_id=ctx.nonprofit_id)
    ctx.audit("approve", payment_id)
    return ctx.redirect("/approvals?done=approved")


def reject(ctx: Context, payment_id: str) -> Response:
    """Reject a pending payment: it ends cancelled."""
    ctx.require("staff")
    reason = ctx.form.get("reason")[:500] or None
    ctx.app.reject_payment(payment_id, nonprofit_id=ctx.nonprofit_id, reason=reason)
    ctx.audit("reject", payment_id, reason)
    return ctx.redirect("/approvals?done=rejected")


PAGES: list[tuple[str, str, Handler]] = [
    ("GET", "/", overview),
    ("GET", "/payments", payments),
    ("GET", "/payments.csv", payments_csv),
    ("GET", "/payments/{payment_id}", payment),
    ("POST", "/payments/{payment_id}/refund", refund),
    ("GET", "/approvals", approvals),
    ("POST", "/approvals/{payment_id}/approve", approve),
    ("POST", "/approvals/{payment_id}/reject", reject),
]
"""Each page's method, path (under ``/admin``) and handler."""
