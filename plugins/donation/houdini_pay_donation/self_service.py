"""What a donor may do with a recurring gift from its manage link (``/donate/.../manage/...``).

The core serves the page (see docs/donor-pages.md); the donation page hands it this object as
its ``self_service``. Every action opens the gift through its signed link first
(:mod:`houdini_pay_donation.manage_links`), so a link reaches one gift of one nonprofit and
nothing else, and goes through the same operations staff use
(:mod:`houdini_pay_donation.recurring_admin`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.errors import InvalidRequest
from houdini_pay_donation import manage_links, recurring_admin
from houdini_pay_donation.models import Donation, RecurringDonation
from houdini_pay_donation.recurring import Collection, ScheduleStatus

__all__ = ["GiftLink", "ManagedGift", "RecurringSelfService", "gift_of"]

_FREQUENCIES = {"month": "Every month", "year": "Every year"}
_STATUSES = {
    "active": "Active",
    "past_due": "Active",
    "paused": "Paused",
    "cancelled": "Cancelled",
    "ended": "Ended",
}
_RUNNING = (ScheduleStatus.ACTIVE, ScheduleStatus.PAST_DUE)
_BY_DONOR = {"pause": "paused by the donor", "resume": "resumed by the donor",
             "cancel": "cancelled by the donor"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ManagedGift:
    """A recurring gift as its donor sees it on the manage page."""

    id: str
    nonprofit: NonprofitRecord
    supporter_id: str
    processor: str
    amount: int
    currency: str
    status: str
    next_charge_at: dt.date | None
    lines: Sequence[tuple[str, str]]
    """(label, value) pairs to translate and show: frequency, status, designation."""
    actions: frozenset[str]
    """What the donor may do now: ``change_amount``, ``pause``, ``resume``, ``cancel``,
    ``update_card``."""


@dataclass(frozen=True, slots=True)
class GiftLink:
    """What the thank-you page of a first gift shows: when the next one is, and the link."""

    next_charge_at: dt.date
    path: str | None


def _actions(status: str, collection: str) -> frozenset[str]:
    # A gift the processor charges by itself runs on a card the donor may replace.
    card = {"update_card"} if collection == Collection.OFF_SESSION else set()
    if status in _RUNNING:
        return frozenset({"change_amount", "pause", "cancel", *card})
    if status == ScheduleStatus.PAUSED:
        return frozenset({"change_amount", "resume", "cancel", *card})
    if status == ScheduleStatus.CANCELLED:
        return frozenset({"resume"})
    return frozenset()


class RecurringSelfService:
    """The manage page's view of recurring donations; see the module docstring."""

    route = manage_links.ROUTE

    def __init__(self, app: HoudiniPay) -> None:
        self.app = app
        # A secret too short to sign with stops the server at start, not at a donor's click.
        manage_links.link_secret(app.settings.environ)

    def open(self, nonprofit_id: str, gift_id: str, token: str) -> ManagedGift:
        """The gift a link names, once its token is checked (``NotFound``, ``Forbidden``)."""
        environ = self.app.settings.environ
        manage_links.check_token(environ, nonprofit_id, gift_id, token, self.app.clock())
        nonprofit = self.app.get_nonprofit(nonprofit_id)
        schedule = recurring_admin.get_schedule(self.app, gift_id, nonprofit_id=nonprofit_id)
        with self.app.session() as session:
            gift = session.scalar(
                select(RecurringDonation.gift).where(
                    RecurringDonation.nonprofit_id == nonprofit_id,
                    RecurringDonation.id == gift_id,
                )
            )
        lines = [
            ("Frequency", _FREQUENCIES.get(schedule.interval, schedule.interval)),
            ("Status", _STATUSES.get(schedule.status, schedule.status)),
        ]
        if gift and gift.get("designation"):
            lines.append(("Designation", str(gift["designation"])))
        running = schedule.status in _RUNNING
        return ManagedGift(
            id=schedule.id,
            nonprofit=nonprofit,
            supporter_id=schedule.supporter_id,
            processor=schedule.processor,
            amount=schedule.amount,
            currency=schedule.currency,
            status=schedule.status,
            next_charge_at=schedule.next_charge_at if running else None,
            lines=lines,
            actions=_actions(schedule.status, schedule.collection),
        )

    def act(self, gift: ManagedGift, action: str, amount: int | None = None) -> None:
        """Do ``action`` to an opened gift (``InvalidRequest`` for one it does not offer)."""
        if action not in gift.actions:
            raise InvalidRequest(f"this gift cannot be changed that way ({action})")
        scope = gift.nonprofit.id
        if action == "change_amount":
            if amount is None:
                raise InvalidRequest("enter an amount")
            recurring_admin.change_amount(self.app, gift.id, amount, nonprofit_id=scope)
        elif action == "pause":
            recurring_admin.pause(self.app, gift.id, reason=_BY_DONOR[action], nonprofit_id=scope)
        elif action == "resume":
            recurring_admin.resume(self.app, gift.id, reason=_BY_DONOR[action], nonprofit_id=scope)
        else:
            recurring_admin.cancel(self.app, gift.id, reason=_BY_DONOR[action], nonprofit_id=scope)

    def update_card(self, gift: ManagedGift, source_id: str) -> None:
        """Charge the gift to ``source_id``, a card the page just stored for its supporter."""
        if "update_card" not in gift.actions:
            raise InvalidRequest("this gift's card cannot be changed")
        recurring_admin.replace_source(self.app, gift.id, source_id, nonprofit_id=gift.nonprofit.id)

    def for_payment(self, nonprofit_id: str, payment_id: str) -> GiftLink | None:
        """The gift ``payment_id`` started, for its thank-you page; None if it started none."""
        with self.app.session() as session:
            row = session.scalar(
                select(RecurringDonation).where(
                    RecurringDonation.nonprofit_id == nonprofit_id,
                    RecurringDonation.first_payment_id == payment_id,
                )
            )
            if row is None:
                return None
            gift_id, next_charge_at = row.id, row.next_charge_at
        environ, now = self.app.settings.environ, self.app.clock()
        path = manage_links.manage_path(environ, nonprofit_id, gift_id, now)
        return GiftLink(next_charge_at=next_charge_at, path=path)


def gift_of(app: HoudiniPay, nonprofit_id: str, payment_id: str) -> str | None:
    """The recurring gift ``payment_id`` belongs to (its first gift or a renewal), if any."""
    with app.session() as session:
        first = session.scalar(
            select(RecurringDonation.id).where(
                RecurringDonation.nonprofit_id == nonprofit_id,
                RecurringDonation.first_payment_id == payment_id,
            )
        )
        if first is not None:
            return first
        return session.scalar(
            select(Donation.recurring_donation_id).where(
                Donation.nonprofit_id == nonprofit_id, Donation.payment_id == payment_id
            )
        )
