"""The ``donation`` payment type: a one-time gift.

Type object (every field optional)::

    {"designation": "Winter meals",
     "dedication": {"type": "honor" | "memory", "name": "Grace Hopper", "note": "..."},
     "comment": "Keep it up!",
     "anonymous": false,
     "cover_fee": true, "fee_covered": 106}

``cover_fee`` and ``fee_covered``: the donor added the processor's estimated fee to the gift
(the amount includes it); see :mod:`houdini_pay_donation.fee_cover`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from houdini_pay import HoudiniPay, PaymentContext, PaymentRecord, PaymentType
from houdini_pay.errors import InvalidRequest
from houdini_pay.money import format_amount
from houdini_pay_donation.fee_cover import (
    COVER_FIELDS,
    checked_fee_covered,
    requested_fee_covered,
)
from houdini_pay_donation.models import Donation

__all__ = [
    "GIFT_FIELDS",
    "DonationPaymentType",
    "GiftFields",
    "parse_gift_fields",
    "record_donation",
]

GIFT_FIELDS = frozenset({"designation", "dedication", "comment", "anonymous"})
_DEDICATION_TYPES = ("honor", "memory")


def _invalid(message: str, field: str) -> InvalidRequest:
    return InvalidRequest(message, code="invalid_type_object", details={"field": field})


def _optional_text(obj: Mapping[str, Any], key: str, limit: int) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise _invalid(f"{key} must be text of at most {limit} characters", key)
    return value.strip() or None


@dataclass(frozen=True, slots=True)
class GiftFields:
    """The validated gift fields shared by every donation-like payment type."""

    designation: str | None
    dedication: dict[str, str] | None
    comment: str | None
    anonymous: bool


def parse_gift_fields(obj: Mapping[str, Any], *, extra: frozenset[str] = frozenset()) -> GiftFields:
    """Validate the gift fields of a type object; ``extra`` names other allowed keys."""
    unknown = set(obj) - GIFT_FIELDS - extra
    if unknown:
        raise _invalid(f"unknown fields: {', '.join(sorted(unknown))}", sorted(unknown)[0])
    dedication = obj.get("dedication")
    if dedication is not None:
        if not isinstance(dedication, Mapping) or set(dedication) - {"type", "name", "note"}:
            raise _invalid(
                'dedication must be {"type": "honor"|"memory", "name": ..., "note": ...}',
                "dedication",
            )
        if dedication.get("type") not in _DEDICATION_TYPES:
            raise _invalid("dedication type must be honor or memory", "dedication")
        name = _optional_text(dedication, "name", 200)
        if name is None:
            raise _invalid("a dedication needs a name", "dedication")
        note = _optional_text(dedication, "note", 1000)
        dedication = {"type": dedication["type"], "name": name, **({"note": note} if note else {})}
    anonymous = obj.get("anonymous", False)
    if not isinstance(anonymous, bool):
        raise _invalid("anonymous must be true or false", "anonymous")
    return GiftFields(
        designation=_optional_text(obj, "designation", 200),
        dedication=dedication,
        comment=_optional_text(obj, "comment", 2000),
        anonymous=anonymous,
    )


_INSERT_DONATION = insert(cast(Table, Donation.__table__))


def record_donation(
    session: Session,
    context: PaymentContext,
    payment: PaymentRecord,
    gift: GiftFields,
    *,
    recurring_donation_id: str | None = None,
    period: int | None = None,
    fee_covered: int | None = None,
) -> str:
    """Write the donation row of a payment; return its id.

    A gift made by a recurring schedule names the schedule and the period it pays for.
    Every gift goes through here, so it is one pre-built Core insert on the session's
    connection (the transaction the pipeline finalizes in) rather than an ORM flush.
    """
    donation_id = payment.id.replace("pay_", "don_", 1)
    session.connection().execute(
        _INSERT_DONATION,
        {
            "id": donation_id,
            "nonprofit_id": payment.nonprofit_id,
            "supporter_id": context.supporter.id,
            "payment_id": payment.id,
            "amount": payment.amount,
            "currency": payment.currency,
            "designation": gift.designation,
            "dedication": gift.dedication,
            "comment": gift.comment,
            "anonymous": gift.anonymous,
            "recurring_donation_id": recurring_donation_id,
            "period": period,
            "fee_covered": fee_covered,
            "created_at": context.now,
        },
    )
    return donation_id


class DonationPaymentType(PaymentType):
    """A one-time gift with optional designation, dedication, comment and covered fee."""

    symbol = "donation"
    display_name = "Donation"

    def __init__(self, app: HoudiniPay) -> None:
        self.app = app

    def validate(self, session: Session, context: PaymentContext) -> None:
        """Check the gift fields and the covered fee (against the processor's estimate)."""
        parse_gift_fields(context.request.type_object, extra=COVER_FIELDS)
        checked_fee_covered(self.app, context)

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Record the donation."""
        type_object = context.request.type_object
        gift = parse_gift_fields(type_object, extra=COVER_FIELDS)
        # Checked against the processor's estimate by validate(), before the charge.
        fee = requested_fee_covered(type_object)
        record_donation(session, context, payment, gift, fee_covered=fee)

    def describe(self, context: PaymentContext) -> str:
        """``Donation`` or ``Donation to <designation>``, and the fee covered, if any (the
        receipt's "For" line: ``Donation, including $1.06 to cover the processing fee``)."""
        request = context.request
        designation = request.type_object.get("designation")
        described = f"Donation to {designation}" if designation else "Donation"
        fee = requested_fee_covered(request.type_object)
        if fee:
            covered = format_amount(fee, request.currency)
            described += f", including {covered} to cover the processing fee"
        return described
