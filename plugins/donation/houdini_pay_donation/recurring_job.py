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

This module charges and runs the whole; planning and claiming are in
:mod:`~houdini_pay_donation.recurring_claims`, the dunning in
:mod:`~houdini_pay_donation.recurring_failures`.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update

from houdini_pay import Channel, HoudiniPay, OutcomeStatus, PaymentRequest
from houdini_pay.errors import (
    ConfigurationError,
    HoudiniPayError,
    IdempotencyInFlight,
    InvalidRequest,
    NotEnabled,
    UnknownPlugin,
)
from houdini_pay_donation.models import RecurringCharge
from houdini_pay_donation.recurring import ChargeState, Collection
from houdini_pay_donation.recurring_claims import (
    ClaimedCharge,
    claim,
    count_claimable,
    plan_due_periods,
)
from houdini_pay_donation.recurring_failures import record_failure
from houdini_pay_donation.recurring_settings import RecurringSettings

__all__ = [
    "ClaimedCharge",
    "RecurringSettings",
    "RunReport",
    "check_as_of",
    "count_claimable",
    "run_due",
]


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
        result = record_failure(app, claimed, error.code, error.message, as_of, settings)
        return result, {"error": error.code}
    payment_id = outcome.payment.id if outcome.payment else None
    if outcome.status is OutcomeStatus.SUCCEEDED:
        return "charged", {"payment_id": payment_id}
    if outcome.status is OutcomeStatus.FAILED:
        assert outcome.error is not None
        code, message = outcome.error.code, outcome.error.message
        return record_failure(app, claimed, code, message, as_of, settings), {"error": code}
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
