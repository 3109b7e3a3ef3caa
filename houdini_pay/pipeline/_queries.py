"""Reading records: a payment by id, where one payment attempt stands, and pages of
payments, nonprofits and supporters.

Every listing is newest first and paged by cursor: ``next_cursor`` is the id of the last
record of the page, and the next page holds the records with smaller ids (ids grow with
time, see :mod:`houdini_pay.store._ids`). A cursor that is not such an id is ``invalid_cursor``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from houdini_pay.contract._requests import PaymentOutcome
from houdini_pay.errors import InvalidRequest, NotFound
from houdini_pay.pipeline._attempts import outcome_of
from houdini_pay.pipeline._idempotency import OPERATION_CHARGE
from houdini_pay.store._directory import load_scoped
from houdini_pay.store._models import Nonprofit, Payment, PaymentAttempt, Supporter
from houdini_pay.store._records import NonprofitRecord, PaymentRecord, SupporterRecord
from houdini_pay.store._states import PaymentKind, PaymentStatus
from houdini_pay.tenancy import ALL_NONPROFITS, Scope, check_scope

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "ID_BODY_PATTERN",
    "MAX_PAGE_SIZE",
    "NonprofitPage",
    "PaymentPage",
    "SupporterPage",
    "check_cursor",
    "get_attempt_outcome",
    "get_payment",
    "list_nonprofits",
    "list_payments",
    "list_supporters",
    "lock_payment_by_reference",
]

MAX_PAGE_SIZE = 500

_R = TypeVar("_R", NonprofitRecord, SupporterRecord)

ID_BODY_PATTERN = "[0-9A-HJKMNP-TV-Z]{26}"
"""The 26 characters of an id after its prefix (Crockford's base32, see ids.py)."""


@dataclass(frozen=True, slots=True)
class PaymentPage:
    """A page of payments, newest first, and the cursor of the next page (None at the end)."""

    payments: list[PaymentRecord]
    next_cursor: str | None

    def to_dict(self) -> dict[str, Any]:
        """The page as JSON."""
        return {"payments": [p.to_dict() for p in self.payments], "next_cursor": self.next_cursor}


@dataclass(frozen=True, slots=True)
class NonprofitPage:
    """A page of nonprofits, newest first, and the cursor of the next page (None at the end)."""

    nonprofits: list[NonprofitRecord]
    next_cursor: str | None

    def to_dict(self) -> dict[str, Any]:
        """The page as JSON."""
        return {
            "nonprofits": [n.to_dict() for n in self.nonprofits],
            "next_cursor": self.next_cursor,
        }


@dataclass(frozen=True, slots=True)
class SupporterPage:
    """A page of supporters, newest first, and the cursor of the next page (None at the end)."""

    supporters: list[SupporterRecord]
    next_cursor: str | None

    def to_dict(self) -> dict[str, Any]:
        """The page as JSON."""
        return {
            "supporters": [s.to_dict() for s in self.supporters],
            "next_cursor": self.next_cursor,
        }


def check_cursor(cursor: str | None, prefix: str) -> str | None:
    """``cursor`` if it is an id with ``prefix`` (as ``next_cursor`` is), else ``InvalidRequest``.

    The message does not repeat the cursor: it came from the caller and may be anything.
    """
    if cursor is not None and not re.fullmatch(f"{prefix}_{ID_BODY_PATTERN}", cursor):
        raise InvalidRequest(
            f"cursor must be the next_cursor of an earlier page (an id starting {prefix}_)",
            code="invalid_cursor",
            details={"field": "cursor"},
        )
    return cursor


def _check_limit(limit: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidRequest(
            f"limit must be between 1 and {MAX_PAGE_SIZE}", details={"field": "limit"}
        )


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
        attempt = (
            load_scoped(session, PaymentAttempt, attempt_id, nonprofit_id)
            if isinstance(attempt_id, str)
            else None
        )
        if attempt is None or attempt.operation != OPERATION_CHARGE:
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
    _check_limit(limit)
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
    if check_cursor(cursor, "pay") is not None:
        statement = statement.where(Payment.id < cursor)
    statement = statement.order_by(Payment.id.desc()).limit(limit + 1)
    with app.session() as session:
        load_scoped(session, Nonprofit, nonprofit_id, ALL_NONPROFITS)
        rows = list(session.scalars(statement))
        page = [PaymentRecord.from_model(row) for row in rows[:limit]]
    next_cursor = page[-1].id if len(rows) > limit else None
    return PaymentPage(page, next_cursor)


def list_nonprofits(
    app: HoudiniPay,
    *,
    nonprofit_id: Scope,
    cursor: str | None = None,
    limit: int = 100,
) -> NonprofitPage:
    """A page of nonprofits, newest first.

    Args:
        nonprofit_id: list only this one (an API key sees its own nonprofit only), or
            ``ALL_NONPROFITS`` (an operator).
        cursor: the ``next_cursor`` of the previous page.
        limit: page size, 1 to 500.
    """
    statement = select(Nonprofit)
    if check_scope(nonprofit_id) is not ALL_NONPROFITS:
        statement = statement.where(Nonprofit.id == nonprofit_id)
    return NonprofitPage(*_read_page(app, statement, NonprofitRecord, "np", cursor, limit))


def list_supporters(
    app: HoudiniPay,
    *,
    nonprofit_id: str,
    email: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> SupporterPage:
    """A page of the nonprofit's supporters, newest first.

    Args:
        email: keep only supporters with this email address, compared without regard to
            case (``Ada@Example.org`` finds ``ada@example.org``; on SQLite only the letters
            A to Z are folded).
        cursor: the ``next_cursor`` of the previous page.
        limit: page size, 1 to 500.

    Raises:
        NotFound: ``nonprofit_not_found``.
    """
    statement = select(Supporter).where(Supporter.nonprofit_id == nonprofit_id)
    if email is not None:
        # The same function on both sides: the database's idea of case is the one used.
        statement = statement.where(func.lower(Supporter.email) == func.lower(email))
    return SupporterPage(
        *_read_page(
            app, statement, SupporterRecord, "sup", cursor, limit, nonprofit_id=nonprofit_id
        )
    )


def _read_page(
    app: HoudiniPay,
    statement: Select[Any],
    record: type[_R],
    prefix: str,
    cursor: str | None,
    limit: int,
    *,
    nonprofit_id: str | None = None,
) -> tuple[list[_R], str | None]:
    """The records of ``statement`` newest first after ``cursor``, and the next cursor.

    ``nonprofit_id``: the nonprofit must exist (``NotFound`` otherwise), as for an id.
    """
    _check_limit(limit)
    model = statement.column_descriptions[0]["entity"]
    if check_cursor(cursor, prefix) is not None:
        statement = statement.where(model.id < cursor)
    with app.session() as session:
        if nonprofit_id is not None:
            load_scoped(session, Nonprofit, nonprofit_id, ALL_NONPROFITS)
        # One row more than the page: whether it exists says whether a next page does.
        rows = list(session.scalars(statement.order_by(model.id.desc()).limit(limit + 1)))
        records = [record.from_model(row) for row in rows[:limit]]
    return records, records[-1].id if len(rows) > limit else None
