"""The dashboard's page of recurring gifts: each schedule, why it is past due, and buttons to
pause, resume and cancel it (the same functions as ``houdini-pay recurring ...``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from houdini_pay import (
    AdminButton,
    AdminPage,
    AdminRow,
    AdminTable,
    AdminText,
    AdminView,
    HoudiniPay,
    NonprofitRecord,
)
from houdini_pay.errors import InvalidRequest
from houdini_pay_donation import recurring_admin
from houdini_pay_donation.recurring_admin import ScheduleRecord

__all__ = ["RecurringGiftsPage"]

_BUTTONS = {
    "active": (("pause", "Pause", False), ("cancel", "Cancel", True)),
    "past_due": (("pause", "Pause", False), ("cancel", "Cancel", True)),
    "paused": (("resume", "Resume", False), ("cancel", "Cancel", True)),
    "cancelled": (("resume", "Resume", False),),
}

_STATUSES = {
    "active": "active",
    "past_due": "past due",
    "paused": "paused",
    "cancelled": "cancelled",
}
_INTERVALS = {"day": "day(s)", "week": "week(s)", "month": "month(s)", "year": "year(s)"}


class RecurringGiftsPage(AdminPage):
    """``/admin/plugins/recurring``: the nonprofit's recurring gifts."""

    symbol = "recurring"
    title = "Recurring gifts"
    locale_dir = Path(__file__).parent / "locale"

    def __init__(self, app: HoudiniPay) -> None:
        self.app = app

    def _row(self, schedule: ScheduleRecord) -> AdminRow:
        interval = _INTERVALS.get(schedule.interval, schedule.interval)
        every = AdminText(
            "every {count} {interval}", count=schedule.interval_count, interval=AdminText(interval)
        )
        status = AdminText(_STATUSES.get(schedule.status, schedule.status))
        if schedule.status_reason and schedule.status != "active":
            status = AdminText("{status}: {reason}", status=status, reason=schedule.status_reason)
        buttons = [
            AdminButton(action, label, {"id": schedule.id}, danger=danger)
            for action, label, danger in _BUTTONS.get(schedule.status, ())
        ]
        cells = [
            schedule.id,
            AdminText.amount(schedule.amount, schedule.currency),
            every,
            status,
            AdminText("{day}", day=schedule.next_charge_at),
            str(schedule.failure_count),
            schedule.supporter_id,
        ]
        return AdminRow(cells, buttons)

    def view(self, nonprofit: NonprofitRecord) -> AdminView:
        """Every schedule, oldest first."""
        schedules = recurring_admin.list_schedules(self.app, nonprofit.id)
        running = [s for s in schedules if s.status in ("active", "past_due")]
        monthly = sum(s.amount for s in running if s.interval == "month" and s.interval_count == 1)
        table = AdminTable(
            "Recurring gifts, oldest first",
            ["Gift", "Amount", "How often", "Status", "Next charge", "Failures", "Supporter"],
            [self._row(s) for s in schedules],
            empty="No recurring gift yet.",
        )
        facts = [
            ("Running", str(len(running))),
            ("Past due", str(sum(1 for s in schedules if s.status == "past_due"))),
            ("Monthly gifts, per month", AdminText.amount(monthly, nonprofit.currency)),
        ]
        return AdminView(facts=facts, tables=[table])

    def act(self, nonprofit: NonprofitRecord, action: str, values: Mapping[str, str]) -> str:
        """Pause, resume or cancel the schedule ``values["id"]`` of ``nonprofit``."""
        schedule_id = values.get("id", "")
        scope = nonprofit.id
        if action == "pause":
            recurring_admin.pause(self.app, schedule_id, nonprofit_id=scope)
            return AdminText("Recurring gift {id} paused.", id=schedule_id)
        if action == "resume":
            recurring_admin.resume(self.app, schedule_id, nonprofit_id=scope)
            return AdminText("Recurring gift {id} resumed.", id=schedule_id)
        if action == "cancel":
            recurring_admin.cancel(
                self.app, schedule_id, reason="cancelled in the dashboard", nonprofit_id=scope
            )
            return AdminText("Recurring gift {id} cancelled.", id=schedule_id)
        raise InvalidRequest(f"unknown action {action!r}", code="unknown_action")
