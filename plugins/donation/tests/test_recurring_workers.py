"""The charging job in real processes: killed mid-run and restarted, or two at once.

The processes use the real database and the real plugins; only the card processor is a
fake (its ledger lives in each process), and the kill is a fault hook that SIGKILLs the
worker between claiming a row and charging it, which no real component does on demand.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from houdini_pay_donation.models import RecurringCharge
from houdini_pay_donation.recurring_job import run_due
from houdini_pay_donation.verify import verify_month
from sqlalchemy import func, select

from houdini_pay import HoudiniPay, PaymentRequest, utcnow
from houdini_pay.store._models import Payment
from houdini_pay.testing import FakeProcessor, ManualClock

from .conftest import FAST_RETRIES

WORKER = Path(__file__).with_name("recurring_worker.py")
AS_OF = "2026-04-10"
SCHEDULES = 12


def _start_schedules(app: HoudiniPay, count: int) -> None:
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD")
    for number in range(count):
        supporter = app.create_supporter(nonprofit.id, f"Donor {number}")
        app.pay(
            PaymentRequest(
                nonprofit_id=nonprofit.id,
                supporter_id=supporter.id,
                amount=1000 + number,
                currency="USD",
                processor="fake",
                payment_type="recurring_donation",
                type_object={"interval": "month"},
            )
        )


def _worker(app: HoudiniPay, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), app.settings.database_url, AS_OF, *extra],
        stdout=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, Any]:
    out, _ = process.communicate(timeout=120)
    return process.returncode, json.loads(out) if out.strip() else None


def _states(app: HoudiniPay) -> dict[str, int]:
    with app.session() as session:
        rows = session.execute(
            select(RecurringCharge.status, func.count())
            .where(RecurringCharge.period == 1)
            .group_by(RecurringCharge.status)
        ).all()
    return {str(status): int(count) for status, count in rows}


def _renewal_payments(app: HoudiniPay) -> int:
    with app.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Payment)
                .where(Payment.description == "Recurring donation", Payment.status == "succeeded")
            )
            or 0
        )


def test_a_worker_killed_between_claim_and_charge_is_completed_by_the_next_run(
    app: HoudiniPay, fake_processor: FakeProcessor, clock: ManualClock
) -> None:
    _start_schedules(app, SCHEDULES)
    code, _ = _finish(_worker(app, "4"))
    assert code == -signal.SIGKILL
    # It charged three, had claimed a batch of five, and died before charging the fourth.
    assert _states(app) == {"succeeded": 3, "charging": 2, "scheduled": SCHEDULES - 5}
    assert _renewal_payments(app) == 3

    # The dead worker claimed on the wall clock; its claims are taken over once they are
    # older than the claim timeout (10 minutes).
    clock.now = utcnow() + dt.timedelta(minutes=11)
    report = run_due(app, as_of=dt.date.fromisoformat(AS_OF), settings=FAST_RETRIES)

    assert report.charged == SCHEDULES - 3
    assert _states(app) == {"succeeded": SCHEDULES}
    assert _renewal_payments(app) == SCHEDULES
    # The restarted run moved money only for the periods the dead worker had not charged.
    assert fake_processor.charge_count == SCHEDULES + (SCHEDULES - 3)  # first gifts + rest
    assert verify_month(app, "2026-04", today=dt.date(2026, 5, 1)).ok


def test_two_workers_at_once_charge_every_period_exactly_once(app: HoudiniPay) -> None:
    _start_schedules(app, SCHEDULES)
    first, second = _worker(app), _worker(app)
    results = [_finish(first), _finish(second)]
    assert [code for code, _ in results] == [0, 0]
    charged = [
        entry["charge_id"]
        for _, output in results
        for entry in output["report"]["charges"]
        if entry["result"] == "charged"
    ]
    assert len(charged) == len(set(charged)) == SCHEDULES
    assert sum(len(output["moved"]) for _, output in results) == SCHEDULES
    assert _states(app) == {"succeeded": SCHEDULES}
    assert _renewal_payments(app) == SCHEDULES
    assert verify_month(app, "2026-04", today=dt.date(2026, 5, 1)).ok
