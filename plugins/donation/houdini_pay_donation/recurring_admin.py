"""Staff operations on recurring donations: list, show, cancel, pause and resume."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from houdini_pay import (
    AllNonprofits,
    HoudiniPay,
    UnitOfWork,
    load_tenant_row,
    new_id,
    outbox,
    signals,
    text,
)
from houdini_pay.errors import InvalidAmount, InvalidRequest, InvalidTransition
from houdini_pay.money import MAX_AMOUNT
from houdini_pay_donation import events
from houdini_pay_donation.models import RecurringCharge, RecurringDonation
from houdini_pay_donation.recurring import ChargeState, ScheduleStatus
from houdini_pay_donation.schedule import due_date, first_period_on_or_after

Scope = str | AllNonprofits
"""A nonprofit's id, or ``houdini_pay.ALL_NONPROFITS`` (an operator): never None."""

__all__ = [
    "ScheduleRecord",
    "announce_cancelled",
    "cancel",
    "change_amount",
    "get_schedule",
    "list_charges",
    "list_schedules",
    "pause",
    "replace_source",
    "resume",
]

_RUNNING = (ScheduleStatus.ACTIVE, ScheduleStatus.PAST_DUE)


@dataclass(frozen=True, slots=True)
class ScheduleRecord:
    """A recurring donation as staff see it."""

    id: str
    nonprofit_id: str
    supporter_id: str
    processor: str
    collection: str
    amount: int
    currency: str
    interval: str
    interval_count: int
    paydate: int | None
    start_date: dt.date
    end_date: dt.date | None
    status: str
    status_reason: str | None
    next_period: int
    next_charge_at: dt.date
    failure_count: int
    first_payment_id: str

    @classmethod
    def from_model(cls, row: RecurringDonation) -> ScheduleRecord:
        """Copy a schedule row."""
        return cls(**{name: getattr(row, name) for name in cls.__slots__})

    def to_dict(self) -> dict[str, Any]:
        """The schedule as JSON (dates as YYYY-MM-DD)."""
        data: dict[str, Any] = {name: getattr(self, name) for name in self.__slots__}
        for name in ("start_date", "end_date", "next_charge_at"):
            data[name] = data[name].isoformat() if data[name] else None
        return data


def _load(
    session: Session, schedule_id: str, nonprofit_id: Scope, *, lock: bool = True
) -> RecurringDonation:
    return load_tenant_row(
        session,
        RecurringDonation,
        schedule_id,
        nonprofit_id,
        not_found="recurring_donation_not_found",
        lock=lock,
    )


def get_schedule(app: HoudiniPay, schedule_id: str, *, nonprofit_id: Scope) -> ScheduleRecord:
    """One recurring donation, or ``NotFound``."""
    with app.session() as session:
        return ScheduleRecord.from_model(_load(session, schedule_id, nonprofit_id, lock=False))


def list_schedules(
    app: HoudiniPay, nonprofit_id: str, *, status: str | None = None
) -> list[ScheduleRecord]:
    """A nonprofit's recurring donations, oldest first, optionally of one status."""
    if status is not None and status not in {s.value for s in ScheduleStatus}:
        choices = ", ".join(s.value for s in ScheduleStatus)
        raise InvalidRequest(f"status must be one of {choices}; got {status!r}")
    app.get_nonprofit(nonprofit_id)
    statement = select(RecurringDonation).where(RecurringDonation.nonprofit_id == nonprofit_id)
    if status is not None:
        statement = statement.where(RecurringDonation.status == status)
    with app.session() as session:
        rows = session.scalars(statement.order_by(RecurringDonation.id))
        return [ScheduleRecord.from_model(row) for row in rows]


def _refuse(row: RecurringDonation, action: str) -> InvalidTransition:
    return InvalidTransition(
        f"recurring donation {row.id} is {row.status}; it cannot be {action}",
        details={"from": row.status},
    )


def announce_cancelled(app: HoudiniPay, uow: UnitOfWork, row: RecurringDonation) -> None:
    """Record ``recurring_donation_cancelled`` in the outbox and send it after the commit."""
    record = ScheduleRecord.from_model(row)
    reason = row.status_reason or ""
    outbox.record_event(
        uow.session,
        row.nonprofit_id,
        "recurring_donation_cancelled",
        {"recurring_donation_id": row.id, "reason": reason},
    )
    uow.after_commit(
        lambda: signals.send(
            events.recurring_donation_cancelled, app, schedule=record, reason=reason
        )
    )


def _close_scheduled(session: Session, row: RecurringDonation, state: ChargeState) -> None:
    """Periods waiting for a try will not be charged (in-flight ones settle as they will)."""
    session.execute(
        update(RecurringCharge)
        .where(
            RecurringCharge.recurring_donation_id == row.id,
            RecurringCharge.status == ChargeState.SCHEDULED.value,
        )
        .values(status=state.value, next_try_on=None)
    )


def cancel(
    app: HoudiniPay, schedule_id: str, *, reason: str | None = None, nonprofit_id: Scope
) -> ScheduleRecord:
    """Stop a schedule for good (until resumed); periods not yet charged are cancelled."""
    text.check_text(reason, "reason")
    with app.unit_of_work() as uow:
        row = _load(uow.session, schedule_id, nonprofit_id)
        if row.status not in (*_RUNNING, ScheduleStatus.PAUSED):
            raise _refuse(row, "cancelled")
        row.status = ScheduleStatus.CANCELLED.value
        row.status_reason = reason or "cancelled by staff"
        row.updated_at = app.clock()
        _close_scheduled(uow.session, row, ChargeState.CANCELLED)
        announce_cancelled(app, uow, row)
        return ScheduleRecord.from_model(row)


def pause(
    app: HoudiniPay, schedule_id: str, *, reason: str | None = None, nonprofit_id: Scope
) -> ScheduleRecord:
    """Stop charging until resumed; a retry waiting for its date is skipped."""
    with app.unit_of_work() as uow:
        row = _load(uow.session, schedule_id, nonprofit_id)
        if row.status not in _RUNNING:
            raise _refuse(row, "paused")
        row.status = ScheduleStatus.PAUSED.value
        row.status_reason = reason or "paused by staff"
        row.updated_at = app.clock()
        _close_scheduled(uow.session, row, ChargeState.SKIPPED)
        return ScheduleRecord.from_model(row)


def resume(
    app: HoudiniPay,
    schedule_id: str,
    *,
    today: dt.date | None = None,
    reason: str | None = None,
    nonprofit_id: Scope,
) -> ScheduleRecord:
    """Reactivate a paused or cancelled schedule from the next period due from ``today``.

    The periods that fell due meanwhile are recorded as skipped, so the schedule's history
    keeps one row per period and nothing is charged for them later.
    """
    today = today or app.clock().date()
    now = app.clock()
    with app.unit_of_work() as uow:
        session = uow.session
        row = _load(session, schedule_id, nonprofit_id)
        if row.status not in (ScheduleStatus.PAUSED, ScheduleStatus.CANCELLED):
            raise _refuse(row, "resumed")
        resume_at = first_period_on_or_after(row, today, at_least=row.next_period)
        for period in range(row.next_period, resume_at):
            session.add(
                RecurringCharge(
                    id=new_id("rch"),
                    nonprofit_id=row.nonprofit_id,
                    recurring_donation_id=row.id,
                    period=period,
                    due_on=due_date(row, period),
                    amount=row.amount,
                    status=ChargeState.SKIPPED.value,
                    tries=0,
                    created_at=now,
                    updated_at=now,
                )
            )
        row.next_period, row.next_charge_at = resume_at, due_date(row, resume_at)
        row.failure_count = 0
        ended = row.end_date is not None and row.next_charge_at > row.end_date
        row.status = (ScheduleStatus.ENDED if ended else ScheduleStatus.ACTIVE).value
        row.status_reason = reason or "resumed by staff"
        row.updated_at = now
        return ScheduleRecord.from_model(row)


def change_amount(
    app: HoudiniPay, schedule_id: str, amount: int, *, nonprofit_id: Scope
) -> ScheduleRecord:
    """Give ``amount`` (minor units) from the next period planned on.

    A period already planned (due, or waiting for a retry) keeps the amount it was planned
    with; an ended or cancelled schedule cannot be changed.
    """
    if not 0 < amount <= MAX_AMOUNT:
        raise InvalidAmount(f"amount must be between 1 and {MAX_AMOUNT} minor units")
    with app.unit_of_work() as uow:
        row = _load(uow.session, schedule_id, nonprofit_id)
        if row.status not in (*_RUNNING, ScheduleStatus.PAUSED):
            raise _refuse(row, "changed")
        row.amount = amount
        row.updated_at = app.clock()
        return ScheduleRecord.from_model(row)


def replace_source(
    app: HoudiniPay, schedule_id: str, source_id: str, *, nonprofit_id: Scope
) -> ScheduleRecord:
    """Charge ``source_id`` (a source of the same supporter and processor) from now on.

    A period waiting for a retry is retried on the new source.
    """
    with app.unit_of_work() as uow:
        row = _load(uow.session, schedule_id, nonprofit_id)
        if row.status not in (*_RUNNING, ScheduleStatus.PAUSED):
            raise _refuse(row, "given a new source")
        row.source_id = source_id
        row.updated_at = app.clock()
        return ScheduleRecord.from_model(row)


def list_charges(app: HoudiniPay, schedule_id: str, *, nonprofit_id: Scope) -> list[dict[str, Any]]:
    """Every period row of a schedule, in period order."""
    with app.session() as session:
        _load(session, schedule_id, nonprofit_id, lock=False)
        rows = session.scalars(
            select(RecurringCharge)
            .where(RecurringCharge.recurring_donation_id == schedule_id)
            .order_by(RecurringCharge.period)
        )
        return [
            {
                "id": r.id,
                "period": r.period,
                "due_on": r.due_on.isoformat(),
                "amount": r.amount,
                "status": r.status,
                "tries": r.tries,
                "next_try_on": r.next_try_on.isoformat() if r.next_try_on else None,
                "payment_id": r.payment_id,
                "error_code": r.error_code,
            }
            for r in rows
        ]
