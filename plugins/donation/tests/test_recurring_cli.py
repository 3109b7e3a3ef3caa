"""``houdini-pay recurring ...`` as a deployer runs it (staff-recorded offsite schedules)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select

from houdini_pay import HoudiniPay, NonprofitRecord, OutcomeStatus, PaymentRequest, SupporterRecord
from houdini_pay.cli import cli
from houdini_pay.store._models import Payment


def invoke(app: HoudiniPay, *arguments: str) -> Result:
    """Run the command line on the app's database."""
    return CliRunner().invoke(
        cli, ["--database-url", app.settings.database_url, *arguments], catch_exceptions=False
    )


def as_json(app: HoudiniPay, *arguments: str) -> Any:
    """Run a ``--json`` command that must succeed; return what it printed."""
    result = invoke(app, *arguments, "--json")
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def schedule_id(app: HoudiniPay, nonprofit: NonprofitRecord, supporter: SupporterRecord) -> str:
    """A monthly standing order of 30.00 recorded by staff, started 2026-03-10."""
    outcome = app.pay(
        PaymentRequest(
            nonprofit_id=nonprofit.id,
            supporter_id=supporter.id,
            amount=3000,
            currency="USD",
            processor="offsite",
            payment_type="recurring_donation",
            type_object={"interval": "month", "staff_recorded": True},
            processing_object={"method": "bank_transfer"},
        )
    )
    assert outcome.status is OutcomeStatus.SUCCEEDED
    (schedule,) = as_json(app, "recurring", "list", "--nonprofit", nonprofit.id)
    return str(schedule["id"])


def test_run_records_each_due_period_once_and_verify_agrees(
    app: HoudiniPay, nonprofit: NonprofitRecord, schedule_id: str
) -> None:
    report = as_json(app, "recurring", "run", "--as-of", "2026-04-10")
    assert (report["planned"], report["pending"], report["charged"]) == (1, 1, 0)
    payment_id = report["charges"][0]["payment_id"]
    assert invoke(app, "payments", "approve", payment_id).exit_code == 0
    again = as_json(app, "recurring", "run", "--as-of", "2026-04-10")
    assert (again["planned"], again["charges"]) == (0, [])
    verdict = as_json(app, "recurring", "verify", "--month", "2026-04")
    assert (verdict["ok"], verdict["periods_due"], verdict["charged"]) == (True, 1, 1)
    shown = as_json(app, "recurring", "show", schedule_id)
    assert [(c["period"], c["status"]) for c in shown["charges"]] == [
        (0, "succeeded"),
        (1, "succeeded"),
    ]
    text = invoke(app, "recurring", "run", "--as-of", "2026-04-10").stdout
    assert text.startswith("0 charged, 0 failed, 0 pending, 0 skipped")


def test_verify_exits_4_and_lists_a_period_never_charged(app: HoudiniPay, schedule_id: str) -> None:
    # The job never ran for April: the period fell due and nothing charged it.
    result = invoke(app, "recurring", "verify", "--month", "2026-04")
    assert result.exit_code == 4
    assert f"DISCREPANCY not_charged: {schedule_id} period 1 due 2026-04-10" in result.stdout
    report = json.loads(invoke(app, "recurring", "verify", "--month", "2026-04", "--json").stdout)
    assert report["ok"] is False


def test_cancel_pause_resume_and_list_by_status(
    app: HoudiniPay, nonprofit: NonprofitRecord, schedule_id: str
) -> None:
    assert as_json(app, "recurring", "pause", schedule_id)["status"] == "paused"
    assert as_json(app, "recurring", "resume", schedule_id)["status"] == "active"
    cancelled = as_json(app, "recurring", "cancel", schedule_id, "--reason", "moved away")
    assert (cancelled["status"], cancelled["status_reason"]) == ("cancelled", "moved away")
    listed = as_json(app, "recurring", "list", "--nonprofit", nonprofit.id, "--status", "cancelled")
    assert [s["id"] for s in listed] == [schedule_id]
    assert (
        as_json(app, "recurring", "list", "--nonprofit", nonprofit.id, "--status", "active") == []
    )


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["run", "--as-of", "10/04/2026"], "error: invalid_date: --as-of must be a date"),
        (["verify", "--month", "2026-13"], "error: invalid_month: --month must be YYYY-MM"),
        (["cancel", "rd_missing"], "error: recurring_donation_not_found: recurring donation"),
        (["list", "--nonprofit", "np_missing"], "error: nonprofit_not_found: "),
    ],
)
def test_errors_are_one_line_and_exit_1(
    app: HoudiniPay, arguments: list[str], expected: str
) -> None:
    result = invoke(app, "recurring", *arguments)
    assert result.exit_code == 1
    assert result.stderr.startswith(expected)
    assert result.stderr.count("\n") == 1


def test_resuming_an_active_schedule_is_refused(app: HoudiniPay, schedule_id: str) -> None:
    result = invoke(app, "recurring", "resume", schedule_id)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: invalid_state_transition: recurring donation")


def test_a_future_as_of_date_is_refused_and_nothing_is_charged(
    app: HoudiniPay, schedule_id: str
) -> None:
    # The command's clock is the real one; a date next year has periods "due" by then.
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    result = invoke(app, "recurring", "run", "--as-of", future)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: as_of_in_future: the as-of date {future} is after")
    shown = as_json(app, "recurring", "show", schedule_id)
    assert [charge["period"] for charge in shown["charges"]] == [0]  # nothing planned
    assert shown["next_charge_at"] == "2026-04-10"
    with app.session() as session:
        assert session.scalar(select(func.count()).select_from(Payment)) == 1
    # Today is allowed, and is the default.
    assert as_json(app, "recurring", "run", "--as-of", dt.date.today().isoformat())["pending"] > 0
