"""``houdini-pay recurring run``: plan the periods that fell due, claim them, charge each once.

A run works in three steps, each its own short transaction, with no transaction open while a
processor is asked:

1. **Plan.** Every active schedule whose ``next_charge_at`` is on or before the run's date
   gets one ``recurring_charges`` row per period that fell due, and its ``next_charge_at``
   moves on. Schedules are locked ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers on
   several machines plan different schedules; the unique (schedule, period) row is the
   backstop if two ever tried the same one.
2. **Claim** a batch of rows due for a try (and rows whose earlier claim or pending outcome
   is older than the claim timeout), again with ``SKIP LOCKED``. A new try gets its own
   idempotency key: the row id, then ``<id>-retry1``, ``<id>-retry2``... and a try is only
   made after the previous one failed, so a period is charged at most once.
3. **Charge** each claimed row through :meth:`HoudiniPay.pay` with the row's key. A run that
   dies anywhere leaves rows that the next run claims again and pays with the same key: the
   pipeline replays a finished payment instead of charging it again.

Failures follow the dunning schedule: retry after ``retry_days`` (3 then 7 days), and after
``max_failures`` failures in a row the schedule is cancelled with the reason.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from houdini_pay import (
    Channel,
    ErrorInfo,
    HoudiniPay,
    OutcomeStatus,
    PaymentRequest,
    new_id,
    outbox,
    signals,
)
from houdini_pay.errors import (
    ConfigurationError,
    HoudiniPayError,
    IdempotencyInFlight,
    InvalidRequest,
    NotEnabled,
    UnknownPlugin,
)
from houdini_pay_donation import events
from houdini_pay_donation.models import RecurringCharge, RecurringDonation
from houdini_pay_donation.recurring import ChargeState, Collection, ScheduleStatus
from houdini_pay_donation.recurring_admin import announce_cancelled
from houdini_pay_donation.recurring_settings import RecurringSettings
from houdini_pay_donation.schedule import due_date

__all__ = [
    "ClaimedCharge",
    "RecurringSettings",
    "RunReport",
    "check_as_of",
    "count_claimable",
    "run_due",
]

_OPEN_ROW_STATES = (ChargeState.CHARGING.value, ChargeState.PENDING.value)


@dataclass(frozen=True, slots=True)
class ClaimedCharge:
    """What a worker needs to charge one claimed row, read in the claiming transaction."""

    id: str
    recurring_donation_id: str
    period: int
    nonprofit_id: str
    supporter_id: str
    source_id: str | None
    processor: str
    amount: int
    currency: str
    collection: str
    processing_object: Mapping[str, Any]
    idempotency_key: str


@dataclass
class RunReport:
    """What one run did: the counts of its summary and one entry per charge tried."""

    as_of: dt.date
    planned: int = 0
    charged: int = 0
    failed: int = 0
    pending: int = 0
    skipped: int = 0
    charges: list[dict[str, Any]] = field(default_factory=list)

    def add(self, claimed: ClaimedCharge, result: str, detail: Mapping[str, Any]) -> None:
        """Count one charge's result (charged, failed, pending or skipped)."""
        setattr(self, result, getattr(self, result) + 1)
        self.charges.append(
            {
                "charge_id": claimed.id,
                "recurring_donation_id": claimed.recurring_donation_id,
                "period": claimed.period,
                "result": result,
                **detail,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as ``recurring run --json`` prints it."""
        return {
            "as_of": self.as_of.isoformat(),
            "planned": self.planned,
            "charged": self.charged,
            "failed": self.failed,
            "pending": self.pending,
            "skipped": self.skipped,
            "charges": self.charges,
        }


def default_worker_name() -> str:
    """``host:pid``, recorded on the rows a worker claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


# -- 1. plan -------------------------------------------------------------------------------


def _plan_batch(app: HoudiniPay, as_of: dt.date, batch_size: int) -> int:
    """Plan the due periods of up to ``batch_size`` schedules; return rows created (-1: none)."""
    now = app.clock()
    with app.unit_of_work() as uow:
        session = uow.session
        schedules = session.scalars(
            select(RecurringDonation)
            .where(
                RecurringDonation.status == ScheduleStatus.ACTIVE.value,
                RecurringDonation.next_charge_at <= as_of,
            )
            .order_by(RecurringDonation.next_charge_at, RecurringDonation.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        ).all()
        if not schedules:
            return -1
        created = 0
        for schedule in schedules:
            while schedule.next_charge_at <= as_of:
                if schedule.end_date is not None and schedule.next_charge_at > schedule.end_date:
                    break
                session.add(
                    RecurringCharge(
                        id=new_id("rch"),
                        nonprofit_id=schedule.nonprofit_id,
                        recurring_donation_id=schedule.id,
                        period=schedule.next_period,
                        due_on=schedule.next_charge_at,
                        amount=schedule.amount,
                        status=ChargeState.SCHEDULED.value,
                        tries=0,
                        next_try_on=schedule.next_charge_at,
                        created_at=now,
                        updated_at=now,
                    )
                )
                created += 1
                schedule.next_period += 1
                schedule.next_charge_at = due_date(schedule, schedule.next_period)
            if schedule.end_date is not None and schedule.next_charge_at > schedule.end_date:
                schedule.status = ScheduleStatus.ENDED.value
                schedule.status_reason = f"the last period fell due before {schedule.end_date}"
            schedule.updated_at = now
        return created


def plan_due_periods(app: HoudiniPay, as_of: dt.date, batch_size: int = 200) -> int:
    """Create a charge row for every period due on or before ``as_of``; return how many."""
    total = 0
    while (created := _plan_batch(app, as_of, batch_size)) >= 0:
        total += created
    return total


# -- 2. claim ------------------------------------------------------------------------------


def _claimable(as_of: dt.date, stale_before: dt.datetime) -> Any:
    return or_(
        and_(
            RecurringCharge.status == ChargeState.SCHEDULED.value,
            RecurringCharge.next_try_on <= as_of,
        ),
        and_(
            RecurringCharge.status.in_(_OPEN_ROW_STATES),
            RecurringCharge.claimed_at < stale_before,
        ),
    )


def count_claimable(app: HoudiniPay, as_of: dt.date, settings: RecurringSettings) -> int:
    """How many rows a run would claim now (for a progress bar)."""
    with app.session() as session:
        condition = _claimable(as_of, app.clock() - settings.claim_timeout)
        return int(
            session.scalar(select(func.count()).select_from(RecurringCharge).where(condition)) or 0
        )


def claim(
    app: HoudiniPay, as_of: dt.date, limit: int, worker: str, settings: RecurringSettings
) -> list[ClaimedCharge]:
    """Claim up to ``limit`` rows for ``worker`` and give each try its idempotency key."""
    now = app.clock()
    with app.unit_of_work() as uow:
        session = uow.session
        rows = session.scalars(
            select(RecurringCharge)
            .where(_claimable(as_of, now - settings.claim_timeout))
            .order_by(RecurringCharge.next_try_on, RecurringCharge.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claimed: list[ClaimedCharge] = []
        for row in rows:
            if row.status == ChargeState.SCHEDULED:
                row.tries += 1
                row.idempotency_key = row.id if row.tries == 1 else f"{row.id}-retry{row.tries - 1}"
            row.status = ChargeState.CHARGING.value
            row.claimed_by, row.claimed_at, row.updated_at = worker, now, now
            schedule = session.get_one(
                RecurringDonation, (row.nonprofit_id, row.recurring_donation_id)
            )
            assert row.idempotency_key is not None
            claimed.append(
                ClaimedCharge(
                    id=row.id,
                    recurring_donation_id=schedule.id,
                    period=row.period,
                    nonprofit_id=row.nonprofit_id,
                    supporter_id=schedule.supporter_id,
                    source_id=schedule.source_id,
                    processor=schedule.processor,
                    amount=row.amount,
                    currency=schedule.currency,
                    collection=schedule.collection,
                    processing_object=dict(schedule.processing_object),
                    idempotency_key=row.idempotency_key,
                )
            )
        return claimed


# -- 3. charge -----------------------------------------------------------------------------


def _request(claimed: ClaimedCharge) -> PaymentRequest:
    staff_recorded = claimed.collection == Collection.STAFF_RECORDED
    processing_object: dict[str, Any] = {}
    if staff_recorded:
        # The offsite convention: recorded pending, with the row id as the reference
        # staff see when they confirm the standing order arrived.
        processing_object = {
            **claimed.processing_object,
            "pending_approval": True,
            "reference": claimed.id,
        }
    return PaymentRequest(
        nonprofit_id=claimed.nonprofit_id,
        supporter_id=claimed.supporter_id,
        amount=claimed.amount,
        currency=claimed.currency,
        payment_type="recurring_donation",
        processor=claimed.processor,
        source_id=claimed.source_id,
        type_object={"recurring_charge_id": claimed.id},
        processing_object=processing_object,
        idempotency_key=claimed.idempotency_key,
        off_session=not staff_recorded,
        channel=Channel.RECURRING,
    )


def _set_pending(app: HoudiniPay, claimed: ClaimedCharge) -> None:
    with app.unit_of_work() as uow:
        uow.session.execute(
            update(RecurringCharge)
            .where(
                RecurringCharge.id == claimed.id,
                RecurringCharge.idempotency_key == claimed.idempotency_key,
                RecurringCharge.status == ChargeState.CHARGING.value,
            )
            .values(status=ChargeState.PENDING.value, updated_at=app.clock())
        )


def _record_failure(
    app: HoudiniPay,
    claimed: ClaimedCharge,
    code: str,
    message: str,
    as_of: dt.date,
    settings: RecurringSettings,
) -> str:
    """Schedule a retry, or cancel the schedule after too many failures."""
    now = app.clock()
    with app.unit_of_work() as uow:
        session = uow.session
        row = session.get_one(
            RecurringCharge, (claimed.nonprofit_id, claimed.id), with_for_update=True
        )
        if row.status not in _OPEN_ROW_STATES or row.idempotency_key != claimed.idempotency_key:
            return "skipped"  # another run recorded this try already
        schedule = session.get_one(
            RecurringDonation, (row.nonprofit_id, row.recurring_donation_id), with_for_update=True
        )
        schedule.failure_count += 1
        row.error_code, row.error_message, row.updated_at = code, message, now
        schedule.updated_at = now
        gave_up = False
        if schedule.failure_count >= settings.max_failures:
            row.status, row.next_try_on = ChargeState.FAILED.value, None
            if schedule.status in (ScheduleStatus.ACTIVE, ScheduleStatus.PAST_DUE):
                reason = (
                    f"cancelled after {schedule.failure_count} failed charges in a row; "
                    f"last: {code}: {message}"
                )
                schedule.status, schedule.status_reason = ScheduleStatus.CANCELLED.value, reason
                gave_up = True
                session.execute(
                    update(RecurringCharge)
                    .where(
                        RecurringCharge.recurring_donation_id == schedule.id,
                        RecurringCharge.status == ChargeState.SCHEDULED.value,
                    )
                    .values(status=ChargeState.CANCELLED.value, updated_at=now)
                )
        else:
            wait = settings.retry_days[min(schedule.failure_count, len(settings.retry_days)) - 1]
            row.status = ChargeState.SCHEDULED.value
            row.next_try_on = as_of + dt.timedelta(days=wait)
            if schedule.status == ScheduleStatus.ACTIVE:
                schedule.status = ScheduleStatus.PAST_DUE.value
                schedule.status_reason = f"a charge failed ({code}); retrying on {row.next_try_on}"
        error = ErrorInfo(code, message)
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
        if gave_up:
            announce_cancelled(app, uow, schedule)
        return "failed"


def charge_one(
    app: HoudiniPay, claimed: ClaimedCharge, as_of: dt.date, settings: RecurringSettings
) -> tuple[str, dict[str, Any]]:
    """Charge one claimed row; return the result and what to report about it."""
    try:
        outcome = app.pay(_request(claimed))
    except (IdempotencyInFlight, UnknownPlugin, NotEnabled, ConfigurationError) as error:
        # Another worker is paying this key right now (or died doing so, and reconcile
        # settles that attempt), or the deployment cannot charge it now (a processor
        # uninstalled or disabled): not the supporter's failure. A later run looks again.
        _set_pending(app, claimed)
        return "skipped", {"error": error.code}
    except HoudiniPayError as error:
        # Refused before anything was written or charged (a source removed, a processor
        # disabled): a failed try like a decline.
        result = _record_failure(app, claimed, error.code, error.message, as_of, settings)
        return result, {"error": error.code}
    payment_id = outcome.payment.id if outcome.payment else None
    if outcome.status is OutcomeStatus.SUCCEEDED:
        return "charged", {"payment_id": payment_id}
    if outcome.status is OutcomeStatus.FAILED:
        assert outcome.error is not None
        code, message = outcome.error.code, outcome.error.message
        return _record_failure(app, claimed, code, message, as_of, settings), {"error": code}
    _set_pending(app, claimed)
    return "pending", {"payment_id": payment_id, "status": outcome.status.value}


def check_as_of(app: HoudiniPay, as_of: dt.date | None) -> dt.date:
    """The date a run charges up to: ``as_of``, or today; never later than today."""
    today = app.clock().date()
    if as_of is None:
        return today
    if as_of > today:
        raise InvalidRequest(
            f"the as-of date {as_of} is after today ({today}): periods are charged only "
            "once they are due; nothing was charged",
            code="as_of_in_future",
            details={"as_of": as_of.isoformat(), "today": today.isoformat()},
        )
    return as_of


def run_due(
    app: HoudiniPay,
    *,
    as_of: dt.date | None = None,
    limit: int | None = None,
    worker: str | None = None,
    settings: RecurringSettings | None = None,
    on_planned: Callable[[int], None] | None = None,
    progress: Callable[[ClaimedCharge, str], None] | None = None,
    before_charge: Callable[[ClaimedCharge], None] | None = None,
) -> RunReport:
    """Charge everything due on or before ``as_of`` (default today), at most ``limit``.

    ``as_of`` may not be later than today (``as_of_in_future``, nothing charged): a period
    is never charged before it is due. It picks the periods and dates the retries of the
    ones declined; the payments are dated when they are made (see
    docs/tickets-and-recurring.md).

    Args:
        worker: the name recorded on claimed rows (default ``host:pid``).
        on_planned: called once planning is done, with how many rows are claimable.
        progress: called after each charge with its result.
        before_charge: called between claiming a row and charging it; crash tests kill
            the process here.
    """
    settings = settings or RecurringSettings.from_environ(app.settings.environ)
    as_of = check_as_of(app, as_of)
    worker = worker or default_worker_name()
    report = RunReport(as_of=as_of, planned=plan_due_periods(app, as_of))
    if on_planned is not None:
        on_planned(count_claimable(app, as_of, settings))
    done = 0
    while True:
        charged_before = report.charged
        while limit is None or done < limit:
            size = settings.batch_size if limit is None else min(settings.batch_size, limit - done)
            batch = claim(app, as_of, size, worker, settings)
            if not batch:
                break
            for claimed in batch:
                if before_charge is not None:
                    before_charge(claimed)
                result, detail = charge_one(app, claimed, as_of, settings)
                report.add(claimed, result, detail)
                if progress is not None:
                    progress(claimed, result)
            done += len(batch)
        # A retry that succeeded made its schedule active again: plan what it missed.
        if report.charged == charged_before or (limit is not None and done >= limit):
            return report
        report.planned += plan_due_periods(app, as_of)
