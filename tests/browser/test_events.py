"""Tickets on ``/events/{event}``: levels with seats left, sold-out levels out of reach."""

from __future__ import annotations

import datetime as dt

from houdini_pay_tickets import create_event, create_level
from houdini_pay_tickets.models import Ticket
from playwright.sync_api import Page, expect

from houdini_pay.store._models import Payment, PaymentAttempt
from tests.browser.conftest import Site, screenshot
from tests.browser.donor import count, fill_card, fill_donor

VISA = "4242424242424242"


def _gala(site: Site, name: str) -> tuple[str, str, str, str]:
    nonprofit = site.nonprofit(name)
    event = create_event(
        site.app,
        nonprofit.id,
        "Harvest Gala",
        starts_at=dt.datetime(2027, 10, 2, 18, 30, tzinfo=dt.UTC),
    )
    sold_out = create_level(site.app, event.id, "Patron table", 50_000, limit=0)
    general = create_level(site.app, event.id, "General admission", 4_500, limit=40)
    return nonprofit.id, event.id, sold_out.id, general.id


def test_tickets_are_bought_and_a_sold_out_level_cannot_be_chosen(site: Site, page: Page) -> None:
    nonprofit_id, event_id, sold_out, general = _gala(site, "Harvest Hall")
    page.goto(site.url(f"/events/{event_id}"))
    page.wait_for_selector("form#checkout[data-ready=true]")
    expect(page.get_by_role("heading", name="Harvest Gala")).to_be_visible()
    expect(page.get_by_text("Sold out")).to_be_visible()
    expect(page.locator(f"#quantity-{sold_out}")).to_be_disabled()
    expect(page.get_by_text("40 left")).to_be_visible()
    page.locator(f"#quantity-{general}").select_option("2")
    expect(page.get_by_role("button", name="Buy tickets $90.00")).to_be_visible()
    screenshot(page, "event-page")
    fill_donor(page, "Hedy Lamarr", "hedy@example.org")
    fill_card(page, VISA)
    page.get_by_role("button", name="Buy tickets").click()

    expect(page.get_by_role("heading", name="Thank you, Hedy Lamarr!")).to_be_visible()
    expect(page.get_by_text("2 \u00d7 General admission")).to_be_visible()
    with site.app.session() as session:
        ticket = session.query(Ticket).filter_by(nonprofit_id=nonprofit_id).one()
        assert (ticket.level_id, ticket.quantity) == (general, 2)
    page.goto(site.url(f"/events/{event_id}"))
    expect(page.get_by_text("38 left")).to_be_visible()


def test_a_sold_out_level_forced_into_the_form_is_refused_and_nothing_charged(
    site: Site, page: Page
) -> None:
    nonprofit_id, event_id, sold_out, _general = _gala(site, "Forced Forum")
    page.goto(site.url(f"/events/{event_id}"))
    page.wait_for_selector("form#checkout[data-ready=true]")
    # A donor who edits the page (or a stale page) still cannot buy the seat.
    page.evaluate(
        """(id) => { const s = document.getElementById(`quantity-${id}`);
                     s.disabled = false; s.add(new Option("1", "1")); s.value = "1"; }""",
        sold_out,
    )
    page.get_by_text("Bank transfer or check", exact=True).click()
    fill_donor(page, "Ida Rhodes", "ida@example.org")
    page.get_by_role("button", name="Buy tickets").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("sold out; nothing was charged")
    expect(alert).to_be_focused()
    assert count(site, Payment, nonprofit_id=nonprofit_id) == 0
    assert count(site, PaymentAttempt, nonprofit_id=nonprofit_id) == 0
