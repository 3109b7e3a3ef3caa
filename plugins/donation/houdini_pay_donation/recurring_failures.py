"""Dunning: what a failed recurring charge does to its row and its schedule.

A failure schedules a retry after ``retry_days`` and marks the schedule past due; after
``max_failures`` failures in a row the schedule is cancelled with the reason, and so are its
rows still to come. Either way ``recurring_charge_failed`` goes to the outbox and, once
committed, to the signal's listeners.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from houdini_pay import ErrorInfo, HoudiniPay, UnitOfWork, outbox, signals
from houdini_pay_donation import events
from houdini_pay_donation.models import RecurringCharge, RecurringDonation
from houdini_pay_donation.recurring import ChargeState, ScheduleStatus
from houdini_pay_donation.recurring_admin import announce_cancelled
from houdini_pay_donation.recurring_claims import OPEN_ROW_STATES, ClaimedCharge
from houdini_pay_donation.recurring_settings import RecurringSettings

__all__ = ["record_failure"]


def record_failure(
    app: HoudiniPay,
    claimed: ClaimedCharge,
    code: str,
    message: str,
    as_of: dt.date,
    settings: RecurringSettings,
) -> str:
    """Schedule a retry, or cancel the schedule after too many failures.

    Returns the run report's result: ``failed``, or ``skipped`` when another run recorded
    this try already.
    """
    now = app.clock()
    with app.unit_of_work() as uow:
        session = uow.session
        row = session.get_one(
            RecurringCharge, (claimed.nonprofit_id, claimed.id), with_for_update=True
        )
        if row.status not in OPEN_ROW_STATES or row.idempotency_key != claimed.idempotency_key:
            return "skipped"  # another run recorded this try already
        schedule = session.get_one(
            RecurringDonation, (row.nonprofit_id, row.recurring_donation_id), with_for_update=True
        )
        schedule.failure_count += 1
        row.error_code, row.error_message, row.updated_at = code, message, now
        schedule.updated_at = now
        gave_up = False
        if schedule.failure_count >= settings.max_failures:
            gave_up = _give_up(session, row, schedule, ErrorInfo(code, message), now)
        else:
            _retry_later(row, schedule, code, as_of, settings)
        _announce_failure(app, uow, row, schedule, ErrorInfo(code, message))
        if gave_up:
            announce_cancelled(app, uow, schedule)
        return "failed"


def _give_up(
    session: Session,
    row: RecurringCharge,
    schedule: RecurringDonation,
    error: ErrorInfo,
    now: dt.datetime,
) -> bool:
    """Fail the row for good and, if the schedule still runs, cancel it and its rows to come.

    Returns whether the schedule was cancelled now (one already ended or cancelled stays so).
    """
    row.status, row.next_try_on = ChargeState.FAILED.value, None
    if schedule.status not in (ScheduleStatus.ACTIVE, ScheduleStatus.PAST_DUE):
        return False
    reason = (
        f"cancelled after {schedule.failure_count} failed charges in a row; "
        f"last: {error.code}: {error.message}"
    )
    schedule.status, schedule.status_reason = ScheduleStatus.CANCELLED.value, reason
    session.execute(
        update(RecurringCharge)
        .where(
            RecurringCharge.recurring_donation_id == schedule.id,
            RecurringCharge.status == ChargeState.SCHEDULED.value,
        )
        .values(status=ChargeState.CANCELLED.value, updated_at=now)
    )
    return True


def _retry_later(
    row: RecurringCharge,
    schedule: RecurringDonation,
    code: str,
    as_of: dt.date,
    settings: RecurringSettings,
) -> None:
    """Put the row back for a try ``retry_days`` after ``as_of``; the schedule is past due."""
    wait = settings.retry_days[min(schedule.failure_count, len(settings.retry_days)) - 1]
    row.status = ChargeState.SCHEDULED.value
    row.next_try_on = as_of + dt.timedelta(days=wait)
    if schedule.status == ScheduleStatus.ACTIVE:
        schedule.status = ScheduleStatus.PAST_DUE.value
        schedule.status_reason = f"a charge failed ({code}); retrying on {row.next_try_on}"


def _announce_failure(
    app: HoudiniPay,
    uow: UnitOfWork,
    row: RecurringCharge,
    schedule: RecurringDonation,
    error: ErrorInfo,
) -> None:
    """Record ``recurring_charge_failed`` in the outbox and send it after the commit."""
    failed = {
        "recurring_donation_id": schedule.id,
        "charge_id": row.id,
        "period": row.period,
        "error": error,
        "next_try_on": row.next_try_on,
    }
    outbox.record_event(
        uow.session,
        schedule.nonprofit_id,
        "recurring_charge_failed",
        {
            **failed,
            "error": error.to_dict(),
            "next_try_on": row.next_try_on.isoformat() if row.next_try_on else None,
        },
    )
    uow.after_commit(lambda: signals.send(events.recurring_charge_failed, app, **failed))
