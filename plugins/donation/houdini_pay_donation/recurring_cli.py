"""``houdini-pay recurring ...``: run the charging job, verify a month, manage schedules."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from typing import Any

import click

from houdini_pay import (
    ALL_NONPROFITS,
    HoudiniPay,
    json_option,
    parse_date,
    pass_app,
    print_json,
)
from houdini_pay.money import format_amount
from houdini_pay_donation import recurring_admin
from houdini_pay_donation.recurring_admin import ScheduleRecord
from houdini_pay_donation.recurring_job import run_due
from houdini_pay_donation.verify import verify_month

__all__ = ["EXIT_DISCREPANCIES", "recurring"]

# 1 is an error, 2 a usage error (click), 3 an unknown outcome (pay): 4 is free.
EXIT_DISCREPANCIES = 4


def _line(schedule: ScheduleRecord) -> str:
    every = (
        schedule.interval
        if schedule.interval_count == 1
        else f"{schedule.interval_count} {schedule.interval}s"
    )
    return (
        f"{schedule.id}  {schedule.status:<9} {format_amount(schedule.amount, schedule.currency)}"
        f" every {every}  next {schedule.next_charge_at}  supporter {schedule.supporter_id}"
    )


def _show(schedule: ScheduleRecord, as_json: bool) -> None:
    if as_json:
        print_json(schedule)
        return
    click.echo(_line(schedule))
    if schedule.status_reason:
        click.echo(f"  {schedule.status_reason}")


@click.group()
def recurring() -> None:
    """Recurring donations: the charging job, verification and staff actions."""


@recurring.command("run")
@click.option("--as-of", help="Charge what fell due on or before this date (default today).")
@click.option("--limit", type=click.IntRange(1), help="Charge at most this many periods.")
@json_option
@pass_app
def run(app: HoudiniPay, as_of: str | None, limit: int | None, as_json: bool) -> None:
    """Charge every period due, each exactly once; safe to run on several machines at once."""
    app.require_migrated()  # refused before anything is charged
    show_bar = not as_json and sys.stdout.isatty()
    with ExitStack() as stack:
        bar: Any = None

        def on_planned(total: int) -> None:
            nonlocal bar
            if show_bar and total:
                bar = stack.enter_context(click.progressbar(length=total, label="charging"))

        report = run_due(
            app,
            as_of=parse_date(as_of, "--as-of"),
            limit=limit,
            on_planned=on_planned,
            progress=lambda _charge, _result: bar.update(1) if bar is not None else None,
        )
    if as_json:
        print_json(report)
        return
    click.echo(
        f"{report.charged} charged, {report.failed} failed, {report.pending} pending, "
        f"{report.skipped} skipped ({report.planned} periods newly due by {report.as_of})"
    )


@recurring.command("verify")
@click.option("--month", required=True, help="The month to verify, YYYY-MM.")
@click.option("--nonprofit", "nonprofit_id", help="Only this nonprofit's schedules.")
@json_option
@pass_app
def verify(app: HoudiniPay, month: str, nonprofit_id: str | None, as_json: bool) -> None:
    """Prove every period due in MONTH was charged exactly once.

    Exit status 4 (and the list) when a discrepancy is found.
    """
    report = verify_month(app, month, nonprofit_id=nonprofit_id)
    if as_json:
        print_json(report)
    else:
        click.echo(
            f"{report.month}: {report.periods_due} periods due in {report.schedules} schedules, "
            f"{report.charged} charged once, {len(report.open)} still open, "
            f"{len(report.uncollected)} not collected"
        )
        for entry in report.discrepancies:
            click.echo(
                f"DISCREPANCY {entry['kind']}: {entry['recurring_donation_id']} "
                f"period {entry['period']} due {entry['due_on']}"
            )
    if not report.ok:
        sys.exit(EXIT_DISCREPANCIES)


@recurring.command("list")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--status", help="active, past_due, paused, cancelled or ended.")
@json_option
@pass_app
def list_schedules(app: HoudiniPay, nonprofit_id: str, status: str | None, as_json: bool) -> None:
    """List a nonprofit's recurring donations."""
    found = recurring_admin.list_schedules(app, nonprofit_id, status=status)
    if as_json:
        print_json([schedule.to_dict() for schedule in found])
        return
    for schedule in found:
        click.echo(_line(schedule))


@recurring.command("show")
@click.argument("schedule_id")
@json_option
@pass_app
def show(app: HoudiniPay, schedule_id: str, as_json: bool) -> None:
    """Show a recurring donation and each of its periods."""
    schedule = recurring_admin.get_schedule(app, schedule_id, nonprofit_id=ALL_NONPROFITS)
    charges = recurring_admin.list_charges(app, schedule_id, nonprofit_id=ALL_NONPROFITS)
    if as_json:
        print_json({**schedule.to_dict(), "charges": charges})
        return
    _show(schedule, as_json=False)
    for charge in charges:
        click.echo(
            f"  period {charge['period']:>3}  due {charge['due_on']}  {charge['status']:<9} "
            f"tries {charge['tries']}  {charge['payment_id'] or charge['error_code'] or ''}"
        )


@recurring.command("cancel")
@click.argument("schedule_id")
@click.option("--reason", help="Why it stops (kept on the schedule).")
@json_option
@pass_app
def cancel(app: HoudiniPay, schedule_id: str, reason: str | None, as_json: bool) -> None:
    """Cancel a recurring donation; periods not yet charged never will be."""
    _show(
        recurring_admin.cancel(app, schedule_id, reason=reason, nonprofit_id=ALL_NONPROFITS),
        as_json,
    )


@recurring.command("pause")
@click.argument("schedule_id")
@json_option
@pass_app
def pause(app: HoudiniPay, schedule_id: str, as_json: bool) -> None:
    """Pause a recurring donation; periods due while paused are skipped."""
    _show(recurring_admin.pause(app, schedule_id, nonprofit_id=ALL_NONPROFITS), as_json)


@recurring.command("resume")
@click.argument("schedule_id")
@json_option
@pass_app
def resume(app: HoudiniPay, schedule_id: str, as_json: bool) -> None:
    """Resume a paused or cancelled recurring donation from its next period."""
    _show(recurring_admin.resume(app, schedule_id, nonprofit_id=ALL_NONPROFITS), as_json)
