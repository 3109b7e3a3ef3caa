"""The dashboard's page of events and ticket sales."""

from __future__ import annotations

from houdini_pay_tickets import LevelRecord, create_event
from houdini_pay_tickets.admin_page import TicketSalesPage

from houdini_pay import HoudiniPay, NonprofitRecord
from plugins.tickets.tests.conftest import BuyFunction


def test_levels_show_seats_and_sales(
    app: HoudiniPay, nonprofit: NonprofitRecord, level: LevelRecord, buy: BuyFunction
) -> None:
    buy(3)
    other = app.create_nonprofit("Hillside", "USD")
    create_event(app, other.id, "Their gala")
    view = TicketSalesPage(app).view(nonprofit)
    (table,) = view.tables
    assert table.caption.startswith("Gala")
    (row,) = table.rows
    assert list(row.cells) == ["Dinner", "$50.00", "3", "0", "7", "$150.00"]


def test_no_event_yet(app: HoudiniPay, nonprofit: NonprofitRecord) -> None:
    view = TicketSalesPage(app).view(nonprofit)
    assert view.tables == []
    assert view.summary is not None
