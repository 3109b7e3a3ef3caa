"""A supporter's giving statement: every payment of a period, with totals.

The statement is built once, as plain data (:class:`Statement`), and rendered by
:mod:`~houdini_pay.statements.csv_document` or :mod:`~houdini_pay.statements.pdf_document`.

What counts: charges and offsite payments, and the refunds, disputes and dispute reversals
that follow them, whose status says the money settled (``succeeded``, ``partially_refunded``,
``refunded``, ``disputed``). Refunds and disputes are negative lines of the period they
happened in, whichever period the gift was in. Pending, failed and cancelled payments and
processor fees are not the supporter's giving and are left out.

The tax-deductible amount of a gift is its amount minus what the supporter received for it,
which only the payment type knows: :meth:`PaymentType.fair_market_value`. A refund or
dispute takes back the same share of the deductible amount as of the gift.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from houdini_pay.contract._plugins import Registry
from houdini_pay.errors import PluginError
from houdini_pay.statements.period import Period
from houdini_pay.store._directory import load_scoped
from houdini_pay.store._models import Address, Nonprofit, Payment, Receipt, Supporter
from houdini_pay.store._records import (
    AddressRecord,
    NonprofitRecord,
    PaymentRecord,
    SupporterRecord,
)
from houdini_pay.store._states import PaymentKind, PaymentStatus
from houdini_pay.tenancy import Scope

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "COUNTED_KINDS",
    "COUNTED_STATUSES",
    "Statement",
    "StatementLine",
    "build_statement",
    "counted_payments",
    "format_receipt_number",
]

COUNTED_KINDS = frozenset(
    {
        PaymentKind.CHARGE,
        PaymentKind.OFFSITE,
        PaymentKind.REFUND,
        PaymentKind.DISPUTE,
        PaymentKind.DISPUTE_REVERSAL,
    }
)
COUNTED_STATUSES = frozenset(
    {
        PaymentStatus.SUCCEEDED,
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
        PaymentStatus.DISPUTED,
    }
)

_COUNTED_AS = {
    PaymentKind.REFUND: "refund",
    PaymentKind.DISPUTE: "dispute",
    PaymentKind.DISPUTE_REVERSAL: "dispute reversal",
}
"""What a line other than a gift is called when the lines are counted."""

_FOLLOW_UP_LABELS = {
    PaymentKind.REFUND: "Refund",
    PaymentKind.DISPUTE: "Dispute",
    PaymentKind.DISPUTE_REVERSAL: "Dispute reversed",
}


def format_receipt_number(year: int, number: int) -> str:
    """The receipt number as printed: ``2025-000042``."""
    return f"{year}-{number:06d}"


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One payment on a statement.

    Attributes:
        date: the day of the payment in the period's time zone.
        label: what kind of line it is (the payment type's name, ``Refund``, ``Dispute``).
        description: what the payment was for.
        amount: signed minor units (refunds and disputes are negative).
        deductible: the tax-deductible part of ``amount``, signed the same way.
    """

    payment_id: str
    date: dt.date
    kind: str
    status: str
    label: str
    description: str
    amount: int
    deductible: int

    def to_dict(self) -> dict[str, Any]:
        """The line as JSON (amounts in minor units)."""
        return {
            "payment_id": self.payment_id,
            "date": self.date.isoformat(),
            "kind": self.kind,
            "status": self.status,
            "label": self.label,
            "description": self.description,
            "amount": self.amount,
            "deductible": self.deductible,
        }


@dataclass(frozen=True, slots=True)
class Statement:
    """A supporter's payments over a period, and what they add up to.

    ``receipt_number`` and ``receipt_issued_at`` are set when the period is a calendar year
    for which the supporter was given a receipt number (the first time it was issued; a
    receipt written again later keeps that date and shows when it was printed).
    """

    nonprofit: NonprofitRecord
    supporter: SupporterRecord
    address: AddressRecord | None
    period: Period
    currency: str
    lines: tuple[StatementLine, ...]
    receipt_number: str | None
    generated_at: dt.datetime
    receipt_issued_at: dt.datetime | None = None

    @property
    def total_given(self) -> int:
        """The sum of the positive lines."""
        return sum(line.amount for line in self.lines if line.amount > 0)

    @property
    def total_returned(self) -> int:
        """The sum of the negative lines (refunds, disputes), as a negative number."""
        return sum(line.amount for line in self.lines if line.amount < 0)

    @property
    def count_summary(self) -> str:
        """The lines counted by what they are: ``3 payments, 1 refund`` (gifts always shown).

        A refund or dispute is money going back, not a payment: counting it as one made a
        statement with one gift and its refund say "2 payments".
        """
        counts = Counter(_COUNTED_AS.get(PaymentKind(line.kind), "payment") for line in self.lines)
        nouns = ("payment", *_COUNTED_AS.values())
        return ", ".join(
            f"{counts[noun]} {noun}{'' if counts[noun] == 1 else 's'}"
            for noun in nouns
            if counts[noun] or noun == "payment"
        )

    @property
    def net(self) -> int:
        """What the supporter gave, less what went back."""
        return sum(line.amount for line in self.lines)

    @property
    def deductible(self) -> int:
        """The tax-deductible total."""
        return sum(line.deductible for line in self.lines)

    @property
    def value_received(self) -> int:
        """The fair-market value of what the supporter received, net of refunds."""
        return self.net - self.deductible

    def to_dict(self) -> dict[str, Any]:
        """The statement as JSON (amounts in minor units)."""
        return {
            "nonprofit": self.nonprofit.to_dict(),
            "supporter": self.supporter.to_dict(),
            "period": self.period.to_dict(),
            "currency": self.currency,
            "receipt_number": self.receipt_number,
            "receipt_issued_at": _iso(self.receipt_issued_at),
            "generated_at": _iso(self.generated_at),
            "lines": [line.to_dict() for line in self.lines],
            "total_given": self.total_given,
            "total_returned": self.total_returned,
            "net": self.net,
            "deductible": self.deductible,
        }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def counted_payments(nonprofit_id: str, period: Period) -> Select[Payment]:
    """The nonprofit's payments of ``period`` that statements count, oldest first."""
    start, end = period.bounds()
    return (
        select(Payment)
        .where(
            Payment.nonprofit_id == nonprofit_id,
            Payment.created_at >= start,
            Payment.created_at < end,
            Payment.kind.in_([kind.value for kind in COUNTED_KINDS]),
            Payment.status.in_([status.value for status in COUNTED_STATUSES]),
        )
        .order_by(Payment.created_at, Payment.id)
    )


class _Deductions:
    """Works out tax-deductible amounts, asking each payment type at most once a payment."""

    def __init__(self, session: Session, registry: Registry) -> None:
        self.session = session
        self.registry = registry
        self._cache: dict[str, int] = {}

    def of(self, payment: Payment) -> int:
        """The deductible part of ``payment``'s signed amount."""
        if payment.parent_id is None:
            return self.of_gift(payment)
        parent = self.session.get(Payment, (payment.nonprofit_id, payment.parent_id))
        if parent is None or parent.amount == 0:
            return payment.amount
        return _share(payment.amount, self.of_gift(parent), parent.amount)

    def of_gift(self, payment: Payment) -> int:
        """The deductible amount of a gift (cached: many refunds may point at one gift)."""
        if payment.id not in self._cache:
            self._cache[payment.id] = payment.amount - self._value_received(payment)
        return self._cache[payment.id]

    def _value_received(self, payment: Payment) -> int:
        if payment.payment_type is None or payment.amount <= 0:
            return 0
        payment_type = self.registry.payment_type(payment.payment_type)
        value = payment_type.fair_market_value(self.session, PaymentRecord.from_model(payment))
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not whole or not 0 <= value <= payment.amount:
            raise PluginError(
                f"payment type {payment.payment_type!r} gave a fair-market value of {value!r} "
                f"for payment {payment.id!r}; it must be a whole number from 0 to "
                f"{payment.amount} minor units"
            )
        return value


def _share(amount: int, part: int, whole: int) -> int:
    """``amount * part / whole`` rounded half away from zero, in whole minor units."""
    numerator = abs(amount * part)
    rounded = (2 * numerator + abs(whole)) // (2 * abs(whole))
    return rounded if (amount * part) * whole >= 0 else -rounded


def _describe(session: Session, registry: Registry, payment: Payment) -> tuple[str, str]:
    """The line's label and description."""
    kind = PaymentKind(payment.kind)
    if kind in _FOLLOW_UP_LABELS:
        parent = (
            session.get(Payment, (payment.nonprofit_id, payment.parent_id))
            if payment.parent_id
            else None
        )
        about = parent.description if parent is not None and parent.description else None
        reason = payment.description
        description = " — ".join(text for text in (about, reason) if text) or kind.value
        return _FOLLOW_UP_LABELS[kind], description
    payment_type = registry.payment_types.get(payment.payment_type or "")
    label = (payment_type.display_name if payment_type else "") or "Payment"
    return label, payment.description or label


def _lines(
    session: Session, registry: Registry, rows: Iterable[Payment], period: Period
) -> tuple[StatementLine, ...]:
    deductions = _Deductions(session, registry)
    lines = []
    for row in rows:
        label, description = _describe(session, registry, row)
        lines.append(
            StatementLine(
                payment_id=row.id,
                date=period.local_date(row.created_at),
                kind=row.kind,
                status=row.status,
                label=label,
                description=description,
                amount=row.amount,
                deductible=deductions.of(row),
            )
        )
    return tuple(lines)


def build_statement(
    app: HoudiniPay,
    supporter_id: str,
    period: Period,
    *,
    nonprofit_id: Scope,
) -> Statement:
    """The supporter's statement for ``period``.

    Args:
        supporter_id: whose statement it is.
        period: the days it covers (:meth:`Period.calendar_year` or :meth:`Period.between`).
        nonprofit_id: a supporter of another nonprofit is ``NotFound`` (the HTTP API
            passes the nonprofit of the API key); ``ALL_NONPROFITS`` finds any supporter.

    Raises:
        NotFound: ``supporter_not_found``.
        UnknownPlugin: a payment's type is no longer installed, so what the supporter
            received for it (and so the deductible amount) cannot be known.
    """
    registry = app.registry
    with app.session() as session:
        supporter = load_scoped(session, Supporter, supporter_id, nonprofit_id)
        nonprofit = session.get_one(Nonprofit, supporter.nonprofit_id)
        address = session.scalars(
            select(Address)
            .where(Address.supporter_id == supporter.id)
            .order_by(Address.created_at.desc(), Address.id.desc())
            .limit(1)
        ).first()
        rows = session.scalars(
            counted_payments(nonprofit.id, period).where(Payment.supporter_id == supporter.id)
        )
        lines = _lines(session, registry, rows, period)
        receipt = None
        if period.year is not None:
            receipt = session.scalars(
                select(Receipt).where(
                    Receipt.nonprofit_id == nonprofit.id,
                    Receipt.year == period.year,
                    Receipt.supporter_id == supporter.id,
                )
            ).first()
        return Statement(
            nonprofit=NonprofitRecord.from_model(nonprofit),
            supporter=SupporterRecord.from_model(supporter),
            address=AddressRecord.from_model(address) if address else None,
            period=period,
            currency=nonprofit.currency,
            lines=lines,
            receipt_number=format_receipt_number(receipt.year, receipt.number) if receipt else None,
            generated_at=app.clock(),
            receipt_issued_at=receipt.issued_at if receipt else None,
        )
