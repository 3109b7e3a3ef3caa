"""The payment type interface: what is paid for (a donation, tickets, a campaign gift).

The pipeline calls a payment type at fixed points, always with the session of the unit of
work it runs in. A payment type writes only its own tables through that session; it never
commits, never opens a session of its own and never calls the network.

Order of calls for one payment::

    validate            read-only session, before anything is written
    reserve_limited_items   in the transaction that records the attempt
    hold_refused        when too little is left of an item it named (nothing is written)
    process             in the finalize transaction, after the payment row exists
    finalize_limited_items  same transaction, after process
    release_limited_items   when the payment fails or is reversed
    on_refund           in the transaction that records a refund of one of its payments
    on_dispute          in the transaction that records a change to a dispute of one
    fair_market_value   when a statement or receipt is written
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy.orm import Session

from houdini_pay.contract._processors import Capability
from houdini_pay.contract._requests import ErrorInfo, PaymentRequest
from houdini_pay.errors import SoldOut
from houdini_pay.store._records import NonprofitRecord, PaymentRecord, SupporterRecord

if TYPE_CHECKING:
    from houdini_pay.pipeline._disputes import DisputeRecord

__all__ = ["HeldItem", "ItemRequest", "PaymentContext", "PaymentType", "refused_hold"]

SOLD_OUT_MESSAGE = "some of what you chose has sold out"
"""What a donor is told when a payment type does not say better (no item is named)."""


@dataclass(frozen=True, slots=True)
class ItemRequest:
    """A quantity of one limited item a payment needs (two of ``ticket_level:42``).

    ``hold_for`` overrides how long the hold lasts before it may be swept.
    """

    item_key: str
    quantity: int
    hold_for: dt.timedelta | None = None


@dataclass(frozen=True, slots=True)
class HeldItem:
    """A hold the core placed for an attempt."""

    reservation_id: str
    item_key: str
    quantity: int
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentContext:
    """What a payment type knows about the payment being made.

    Attributes:
        request: the payment request as the platform sent it.
        nonprofit, supporter: the validated records.
        processor: symbol of the processor that charges (resolved from the source).
        processor_capabilities: what that processor declared (recurring needs off_session).
        attempt_id: the attempt (``None`` during ``validate``).
        now: the time the step runs at, in UTC.
    """

    request: PaymentRequest
    nonprofit: NonprofitRecord
    supporter: SupporterRecord
    processor: str
    processor_capabilities: frozenset[Capability]
    attempt_id: str | None
    now: dt.datetime


class PaymentType(abc.ABC):
    """Base class of payment types. Subclass it, set ``symbol``, implement ``process``."""

    symbol: ClassVar[str]
    display_name: ClassVar[str] = ""

    def validate(self, session: Session, context: PaymentContext) -> None:
        """Check ``context.request.type_object``; raise ``InvalidRequest`` to refuse.

        Nothing has been written yet; the session is for reading the plugin's own tables.
        """

    def reserve_limited_items(
        self, session: Session, context: PaymentContext
    ) -> Sequence[ItemRequest]:
        """Name the limited items this payment needs; the core holds them atomically.

        Return an empty sequence for payments with nothing limited. If any item has too
        little left the core raises ``SoldOut`` (worded by :meth:`hold_refused`) and
        nothing is written or charged. An item made when first needed is created here with
        ``inventory.ensure_item``.
        """
        return ()

    def hold_refused(
        self, session: Session, context: PaymentContext, item: ItemRequest, remaining: int
    ) -> ErrorInfo | None:
        """Say why ``item`` cannot be had: only ``remaining`` of it is left.

        Return ``ErrorInfo(code, message)`` to refuse the payment with your own code and a
        sentence for the donor (``ErrorInfo("already_a_member", "Ada is already a
        member")``); never name the item's key, which is internal. The core raises it as
        ``SoldOut`` (409) and adds whether money moved ("nothing was charged", or, if a hold
        expired and was resold before the payment finished, "the charge was refunded").
        Return None (the default) for the core's ``sold_out``, which names no item.

        Runs in the transaction that is being refused: read, never write.
        """
        return None

    @abc.abstractmethod
    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Record what was paid for (the donation, the tickets, the recurring schedule).

        Runs in the finalize transaction, after the payment row is written; raising here
        rolls everything back and the core gives the money back.
        """

    def finalize_limited_items(
        self, session: Session, context: PaymentContext, held: Sequence[HeldItem]
    ) -> None:
        """React to holds becoming issued items (the core has already counted them)."""

    def release_limited_items(
        self, session: Session, context: PaymentContext, held: Sequence[HeldItem]
    ) -> None:
        """React to holds being given back after a failure (the core has counted them)."""

    def on_refund(self, session: Session, payment: PaymentRecord, refund: PaymentRecord) -> None:
        """React to a refund of one of this type's payments (a refunded ticket frees a seat).

        ``refund.amount`` is negative; ``payment.amount_refunded`` already includes it.
        """

    def refund_limit(self, session: Session, payment: PaymentRecord) -> int | None:
        """The most of ``payment`` that may still be refunded, as far as this type knows.

        Asked, with the payment's row locked, before a refund reaches the processor: money
        the type has passed on elsewhere (an invoice overpayment's credit note already
        applied to another invoice) must not also go back to the supporter. Count refunds in
        flight as not yet refunded (the core subtracts them); ``None`` (the default): no limit
        beyond the core's own.
        """
        return None

    def on_dispute(self, session: Session, payment: PaymentRecord, dispute: DisputeRecord) -> None:
        """React to a dispute of one of this type's payments (a disputed gift is flagged).

        Called in the transaction that records each change: the dispute opening, money
        it withdrew or reinstated, its closing (``dispute.status`` then says how it ended).
        ``payment`` is the disputed payment as it stands after the change.
        """

    def fair_market_value(self, session: Session, payment: PaymentRecord) -> int:
        """What the supporter received in return, in minor units (a gala dinner's value).

        Giving statements subtract it from the tax-deductible amount. Default: nothing.
        """
        return 0

    def describe(self, context: PaymentContext) -> str | None:
        """A one-line description stored on the payment (``"Donation to Library fund"``)."""
        return None


def refused_hold(
    payment_type: PaymentType,
    session: Session,
    context: PaymentContext,
    refusal: SoldOut,
    *,
    then: str | None = None,
) -> SoldOut:
    """The error for a hold the inventory refused, worded by the payment type.

    ``refusal`` is the inventory's ``SoldOut`` (its details name the item); ``then``, when
    given, says what happened to the money and ends the message.
    """
    item = ItemRequest(refusal.details["item_key"], refusal.details["quantity"])
    remaining = int(refusal.details.get("remaining", 0))
    worded = payment_type.hold_refused(session, context, item, remaining)
    error = worded or ErrorInfo("sold_out", SOLD_OUT_MESSAGE)
    return SoldOut(
        f"{error.message}; {then}" if then else error.message,
        code=error.code,
        details={**refusal.details, "remaining": remaining},
    )
