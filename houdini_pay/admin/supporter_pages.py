"""The dashboard's supporters page: who gave, how much and how often, newest first."""

from __future__ import annotations

from fastapi import Response
from sqlalchemy import func, select

from houdini_pay.admin.queries import COUNTED_KINDS, COUNTED_STATUSES
from houdini_pay.admin.web import Context, Handler
from houdini_pay.app import HoudiniPay
from houdini_pay.store._models import Payment

__all__ = ["PAGES", "giving_of"]

PAGE_SIZE = 50


def giving_of(
    app: HoudiniPay, nonprofit_id: str, supporter_ids: list[str]
) -> dict[str, tuple[int, int]]:
    """Each supporter's gifts that succeeded (before refunds): (count, total in minor units)."""
    if not supporter_ids:
        return {}
    statement = (
        select(Payment.supporter_id, func.count(), func.coalesce(func.sum(Payment.amount), 0))
        .where(
            Payment.nonprofit_id == nonprofit_id,
            Payment.supporter_id.in_(supporter_ids),
            Payment.kind.in_(COUNTED_KINDS),
            Payment.status.in_(COUNTED_STATUSES),
        )
        .group_by(Payment.supporter_id)
    )
    with app.session() as session:
        return {str(row[0]): (int(row[1]), int(row[2])) for row in session.execute(statement)}


def supporters(ctx: Context) -> Response:
    """The nonprofit's supporters (those with an e-mail address, when searched) and their giving."""
    nonprofit = ctx.app.get_nonprofit(ctx.nonprofit_id)
    email = ctx.request.query_params.get("email", "").strip() or None
    found = ctx.app.list_supporters(
        nonprofit_id=nonprofit.id,
        email=email,
        cursor=ctx.request.query_params.get("cursor") or None,
        limit=PAGE_SIZE,
    )
    giving = giving_of(ctx.app, nonprofit.id, [s.id for s in found.supporters])
    return ctx.page(
        "supporters.html",
        current="/supporters",
        nonprofit=nonprofit,
        supporters=found.supporters,
        cursor=found.next_cursor,
        giving=giving,
        email=email or "",
        ctx=ctx,
    )


PAGES: list[tuple[str, str, Handler]] = [("GET", "/supporters", supporters)]
"""Each page's method, path (under ``/admin``) and handler."""
