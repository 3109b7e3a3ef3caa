"""The dashboard's page of events and ticket sales: each event's levels, seats sold, held and
left, and what they brought in."""

from __future__ import annotations

from pathlib import Path

from houdini_pay import (
    AdminPage,
    AdminRow,
    AdminTable,
    AdminText,
    AdminView,
    HoudiniPay,
    NonprofitRecord,
)
from houdini_pay_tickets.catalog import EventRecord, list_events, list_levels

__all__ = ["TicketSalesPage"]


class TicketSalesPage(AdminPage):
    """``/admin/plugins/tickets``: the nonprofit's events and their ticket sales."""

    symbol = "tickets"
    title = "Events and tickets"
    locale_dir = Path(__file__).parent / "locale"

    def __init__(self, app: HoudiniPay) -> None:
        self.app = app

    def _table(self, event: EventRecord) -> AdminTable:
        rows = []
        for level in list_levels(self.app, event.id):
            remaining = AdminText("unlimited") if level.remaining is None else str(level.remaining)
            rows.append(
                AdminRow(
                    [
                        level.name,
                        AdminText.amount(level.amount, level.currency),
                        str(level.sold),
                        str(level.held),
                        remaining,
                        AdminText.amount(level.sold * level.amount, level.currency),
                    ]
                )
            )
        caption = (
            AdminText("{name}, {when} ({id})", name=event.name, when=event.starts_at, id=event.id)
            if event.starts_at
            else AdminText("{name} ({id})", name=event.name, id=event.id)
        )
        return AdminTable(
            caption,
            ["Level", "Price", "Sold", "Held", "Left", "Sales"],
            rows,
            empty="No ticket level yet.",
        )

    def view(self, nonprofit: NonprofitRecord) -> AdminView:
        """Every event, oldest first, with its levels."""
        events = list_events(self.app, nonprofit.id)
        summary = (
            None if events else AdminText("No event yet: create one with `houdini-pay tickets`.")
        )
        return AdminView(summary=summary, tables=[self._table(event) for event in events])
