"""Steps 1 and 2 of a recurring run: plan the periods that fell due, claim rows to charge.

Both lock with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so workers on several machines take
different schedules and rows; :mod:`houdini_pay_donation.recurring_job` describes the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select

from houdini_pay import HoudiniPay, new_id
from houdini_pay_donation.models import RecurringCharge, RecurringDonation
from houdini_pay_donation.recurring import ChargeState, ScheduleStatus
from houdini_pay_donation.recurring_settings import RecurringSettings
from houdini_pay_donation.schedule import due_date

__all__ = [
    "OPEN_ROW_STATES",
    "ClaimedCharge",
    "claim",
    "count_claimable",
    "plan_due_periods",
]

OPEN_ROW_STATES = (ChargeState.CHARGING.value, ChargeState.PENDING.value)
"""The states of a row a worker has claimed and not settled yet."""


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
            RecurringCharge.status.in_(OPEN_ROW_STATES),
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
