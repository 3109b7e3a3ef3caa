"""What the dashboard's payment pages read: filtered lists, the overview's sums, one payment.

Every query names the signed-in member's nonprofit, so it reads one shard and can never
return another nonprofit's rows; an id of another nonprofit is simply not found.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, or_, select

from houdini_pay.admin.web import typed_amount
from houdini_pay.contract._admin_pages import AdminText
from houdini_pay.errors import InvalidRequest, NotFound
from houdini_pay.statements.export import BATCH_SIZE, export_select, write_csv
from houdini_pay.store._models import Dispute, Payment, PaymentAttempt, Supporter
from houdini_pay.store._records import NonprofitRecord, PaymentRecord
from houdini_pay.store._states import PaymentKind, PaymentStatus

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "COUNTED_KINDS",
    "COUNTED_STATUSES",
    "Overview",
    "PaymentDetail",
    "PaymentFilter",
    "filtered_csv",
    "filtered_payments",
    "overview",
    "payment_detail",
]

PAGE_SIZE = 50
COUNTED_STATUSES = (
    PaymentStatus.SUCCEEDED,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
)
"""The statuses of a gift that arrived (refunds are counted apart)."""
COUNTED_KINDS = (PaymentKind.CHARGE, PaymentKind.OFFSITE)
"""The kinds of payment that are gifts."""


def _date(value: str, field: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC)
    except ValueError:
        raise InvalidRequest(
            AdminText("{field} must be a date such as 2026-01-31", field=field)
        ) from None


@dataclass(frozen=True)
class PaymentFilter:
    """The payments list's filters, as typed in its form (every one optional)."""

    status: str = ""
    processor: str = ""
    kind: str = ""
    payment_type: str = ""
    date_from: str = ""
    date_to: str = ""
    supporter: str = ""
    amount_min: str = ""
    amount_max: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> PaymentFilter:
        """The filters of a query string (unknown names are ignored)."""
        return cls(**{f.name: query.get(f.name, "").strip()[:200] for f in fields(cls)})

    def query(self) -> dict[str, str]:
        """The filters that are set, for links (the next page, the CSV export)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def apply(
        self, statement: Select[Any], nonprofit_id: str, currency: str, locale: str = "en_US"
    ) -> Select[Any]:
        """``statement`` kept to ``nonprofit_id``'s payments matching these filters
        (amounts typed in ``currency``'s major units, written the way ``locale`` writes
        numbers)."""
        statement = statement.where(Payment.nonprofit_id == nonprofit_id)
        if self.status:
            statement = statement.where(Payment.status == _choice(self.status, PaymentStatus))
        if self.kind:
            statement = statement.where(Payment.kind == _choice(self.kind, PaymentKind))
        if self.processor:
            statement = statement.where(Payment.processor == self.processor)
        if self.payment_type:
            statement = statement.where(Payment.payment_type == self.payment_type)
        if (start := _date(self.date_from, "date_from")) is not None:
            statement = statement.where(Payment.created_at >= start)
        if (end := _date(self.date_to, "date_to")) is not None:
            statement = statement.where(Payment.created_at < end + dt.timedelta(days=1))
        for text, compare in ((self.amount_min, "min"), (self.amount_max, "max")):
            if text:
                minor = _minor(text, currency, f"amount_{compare}", locale)
                column = func.abs(Payment.amount)
                statement = statement.where(
                    column >= minor if compare == "min" else column <= minor
                )
        if self.supporter:
            statement = statement.where(Payment.supporter_id.in_(self._supporters(nonprofit_id)))
        return statement

    def _supporters(self, nonprofit_id: str) -> Select[Any]:
        """The ids of the supporters whose id, e-mail or name matches the search."""
        term = self.supporter.lower()
        like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return select(Supporter.id).where(
            Supporter.nonprofit_id == nonprofit_id,
            or_(
                Supporter.id == self.supporter,
                func.lower(Supporter.email).like(like, escape="\\"),
                func.lower(Supporter.name).like(like, escape="\\"),
            ),
        )


def _choice(value: str, choices: type[PaymentKind] | type[PaymentStatus]) -> str:
    if value not in {c.value for c in choices}:
        raise InvalidRequest(
            AdminText(
                "{value} is not one of {choices}",
                value=repr(value),
                choices=", ".join(c.value for c in choices),
            )
        )
    return value


def _minor(text: str, currency: str, field: str, locale: str) -> int:
    """A filter's amount, typed in major units the locale's way, in minor units."""
    minor = typed_amount(text, currency, locale)
    if minor is None:
        raise InvalidRequest(
            AdminText("{field} must be an amount such as 25 or 12.50", field=field)
        )
    return minor


def filtered_payments(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    criteria: PaymentFilter,
    cursor: str = "",
    locale: str = "en_US",
) -> tuple[list[PaymentRecord], str | None]:
    """A page of matching payments, newest first, and the next page's cursor (or None)."""
    statement = criteria.apply(select(Payment), nonprofit.id, nonprofit.currency, locale)
    if cursor:
        statement = statement.where(Payment.id < cursor)
    statement = statement.order_by(Payment.id.desc()).limit(PAGE_SIZE + 1)
    with app.session() as session:
        rows = [PaymentRecord.from_model(row) for row in session.scalars(statement)]
    return rows[:PAGE_SIZE], rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None


def filtered_csv(
    app: HoudiniPay, nonprofit: NonprofitRecord, criteria: PaymentFilter, locale: str = "en_US"
) -> str:
    """Every matching payment as the accountant's CSV export (``houdini-pay payments export``)."""
    statement = criteria.apply(export_select(), nonprofit.id, nonprofit.currency, locale)
    statement = statement.order_by(Payment.created_at, Payment.id).execution_options(
        yield_per=BATCH_SIZE
    )
    stream = io.StringIO()
    with app.session() as session:
        write_csv(iter(session.execute(statement)), stream)
    return stream.getvalue()


@dataclass(frozen=True)
class Overview:
    """The overview's figures, in the nonprofit's currency's minor units."""

    today: int
    this_month: int
    recurring_this_month: int
    pending_approval: int
    failed_renewals: list[PaymentRecord]


def _sum(session: Any, nonprofit_id: str, since: dt.datetime, *where: Any) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.nonprofit_id == nonprofit_id,
            Payment.created_at >= since,
            Payment.kind.in_(COUNTED_KINDS),
            Payment.status.in_(COUNTED_STATUSES),
            *where,
        )
    )
    return int(total or 0)


def overview(app: HoudiniPay, nonprofit_id: str) -> Overview:
    """Gifts received today and this month (UTC), recurring revenue, what needs attention.

    "Recurring" is what arrived through the ``recurring`` channel (the renewals a payment
    type charges on schedule); failed renewals are that channel's failures of the last 30
    days.
    """
    now = app.clock()
    today = dt.datetime.combine(now.date(), dt.time(), dt.UTC)
    month = today.replace(day=1)
    with app.session() as session:
        pending = session.scalar(
            select(func.count())
            .select_from(Payment)
            .where(
                Payment.nonprofit_id == nonprofit_id,
                Payment.status == PaymentStatus.PENDING_APPROVAL,
            )
        )
        failed = session.scalars(
            select(Payment)
            .where(
                Payment.nonprofit_id == nonprofit_id,
                Payment.channel == "recurring",
                Payment.status == PaymentStatus.FAILED,
                Payment.created_at >= now - dt.timedelta(days=30),
            )
            .order_by(Payment.id.desc())
            .limit(20)
        )
        return Overview(
            today=_sum(session, nonprofit_id, today),
            this_month=_sum(session, nonprofit_id, month),
            recurring_this_month=_sum(session, nonprofit_id, month, Payment.channel == "recurring"),
            pending_approval=int(pending or 0),
            failed_renewals=[PaymentRecord.from_model(row) for row in failed],
        )


@dataclass(frozen=True)
class PaymentDetail:
    """One payment with its pipeline runs, refunds and disputes, and its supporter's address."""

    payment: PaymentRecord
    attempts: list[dict[str, Any]]
    related: list[PaymentRecord]
    disputes: list[dict[str, Any]]
    supporter_email: str | None


def payment_detail(app: HoudiniPay, nonprofit_id: str, payment_id: str) -> PaymentDetail:
    """The payment ``payment_id`` of ``nonprofit_id`` and what belongs to it, or ``NotFound``."""
    with app.session() as session:
        row = session.get(Payment, (nonprofit_id, payment_id))
        if row is None:
            raise NotFound(f"payment {payment_id!r} not found", code="payment_not_found")
        attempts = session.scalars(
            select(PaymentAttempt)
            .where(
                PaymentAttempt.nonprofit_id == nonprofit_id,
                or_(
                    PaymentAttempt.payment_id == payment_id,
                    PaymentAttempt.parent_payment_id == payment_id,
                ),
            )
            .order_by(PaymentAttempt.id)
        )
        related = session.scalars(
            select(Payment)
            .where(Payment.nonprofit_id == nonprofit_id, Payment.parent_id == payment_id)
            .order_by(Payment.id)
        )
        disputes = session.scalars(
            select(Dispute).where(
                Dispute.nonprofit_id == nonprofit_id, Dispute.payment_id == payment_id
            )
        )
        email = None
        if row.supporter_id is not None:
            email = session.scalar(
                select(Supporter.email).where(
                    Supporter.nonprofit_id == nonprofit_id, Supporter.id == row.supporter_id
                )
            )
        return PaymentDetail(
            payment=PaymentRecord.from_model(row),
            attempts=[_columns(a, _ATTEMPT_COLUMNS) for a in attempts],
            related=[PaymentRecord.from_model(r) for r in related],
            disputes=[_columns(d, _DISPUTE_COLUMNS) for d in disputes],
            supporter_email=email,
        )


_ATTEMPT_COLUMNS = (
    "id",
    "operation",
    "state",
    "amount",
    "currency",
    "channel",
    "error_code",
    "error_message",
    "created_at",
)
_DISPUTE_COLUMNS = ("id", "status", "reason", "amount", "currency", "opened_at", "closed_at")


def _columns(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}
