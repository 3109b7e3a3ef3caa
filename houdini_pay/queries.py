"""Reading payments: one by id, or a filtered page of a nonprofit's payments; and where one
payment attempt stands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from houdini_pay.attempts import outcome_of
from houdini_pay.directory import load_scoped
from houdini_pay.errors import InvalidRequest, NotFound
from houdini_pay.models import Nonprofit, Payment, PaymentAttempt
from houdini_pay.payment import PaymentOutcome
from houdini_pay.pipeline import OPERATION_CHARGE
from houdini_pay.records import PaymentRecord
from houdini_pay.states import PaymentKind, PaymentStatus
from houdini_pay.tenancy import ALL_NONPROFITS, Scope, check_scope

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "MAX_PAGE_SIZE",
    "PaymentPage",
    "get_attempt_outcome",
    "get_payment",
    "list_payments",
    "lock_payment_by_reference",
]

MAX_PAGE_SIZE = 500


@dataclass(frozen=True, slots=True)
class PaymentPage:
    """A page of payments, newest first, and the cursor of the next page (None at the end)."""

    payments: list[PaymentRecord]
    next_cursor: str | None

    def to_dict(self) -> dict[str, Any]:
        """The page as JSON."""
        return {"payments": [p.to_dict() for p in self.payments], "next_cursor": self.next_cursor}


def get_payment(app: HoudiniPay, payment_id: str, *, nonprofit_id: Scope) -> PaymentRecord:
    """The payment, or ``NotFound`` (code ``payment_not_found``), scoped to the nonprofit."""
    with app.session() as session:
        return PaymentRecord.from_model(load_scoped(session, Payment, payment_id, nonprofit_id))


def get_attempt_outcome(app: HoudiniPay, attempt_id: str, *, nonprofit_id: Scope) -> PaymentOutcome:
    """Where the payment attempt stands, as ``pay`` reported it (``replayed``: nothing was
    done to answer), or ``NotFound`` (``attempt_not_found``) for an id that is no payment
    attempt of the nonprofit."""
    check_scope(nonprofit_id)
    with app.session() as session:
        attempt = session.get(PaymentAttempt, attempt_id) if isinstance(attempt_id, str) else None
        if (
            attempt is None
            or attempt.operation != OPERATION_CHARGE
            or (nonprofit_id is not ALL_NONPROFITS and attempt.nonprofit_id != nonprofit_id)
        ):
            raise NotFound(f"attempt {attempt_id!r} not found", code="attempt_not_found")
        return outcome_of(session.connection(), attempt, replayed=True)


def lock_payment_by_reference(
    session: Session, processor: str, reference: str, kinds: Iterable[str]
) -> Payment | None:
    """The payment a processor knows as ``reference``, locked for update (None if unknown)."""
    return session.scalar(
        select(Payment)
        .where(
            Payment.processor == processor,
            Payment.processor_reference == reference,
            Payment.kind.in_(list(kinds)),
        )
        .with_for_update()
    )


def _choice(
    value: str | None, allowed: type[PaymentStatus] | type[PaymentKind], name: str
) -> str | None:
    if value is None:
        return None
    if value not in {member.value for member in allowed}:
        choices = ", ".join(member.value for member in allowed)
        raise InvalidRequest(
            f"{name} must be one of {choices}; got {value!r}", details={"field": name}
        )
    return value


def list_payments(
    app: HoudiniPay,
    nonprofit_id: str,
    *,
    status: str | None = None,
    supporter_id: str | None = None,
    kind: str | None = None,
    created_from: dt.datetime | None = None,
    created_to: dt.datetime | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> PaymentPage:
    """A page of the nonprofit's payments, newest first.

    Args:
        status, kind: keep only payments with this status / kind.
        supporter_id: keep only this supporter's payments.
        created_from, created_to: keep ``created_from <= created_at < created_to``.
        cursor: the ``next_cursor`` of the previous page.
        limit: page size, 1 to 500.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidRequest(
            f"limit must be between 1 and {MAX_PAGE_SIZE}", details={"field": "limit"}
        )
    statement = select(Payment).where(Payment.nonprofit_id == nonprofit_id)
    if (value := _choice(status, PaymentStatus, "status")) is not None:
        statement = statement.where(Payment.status == value)
    if (value := _choice(kind, PaymentKind, "kind")) is not None:
        statement = statement.where(Payment.kind == value)
    if supporter_id is not None:
        statement = statement.where(Payment.supporter_id == supporter_id)
    if created_from is not None:
        statement = statement.where(Payment.created_at >= created_from)
    if created_to is not None:
        statement = statement.where(Payment.created_at < created_to)
    if cursor is not None:
        statement = statement.where(Payment.id < cursor)
    statement = statement.order_by(Payment.id.desc()).limit(limit + 1)
    with app.session() as session:
        load_scoped(session, Nonprofit, nonprofit_id, ALL_NONPROFITS)
        rows = list(session.scalars(statement))
        page = [PaymentRecord.from_model(row) for row in rows[:limit]]
    next_cursor = page[-1].id if len(rows) > limit else None
    return PaymentPage(page, next_cursor)
