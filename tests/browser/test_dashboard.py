"""The staff dashboard in Debian's Chromium: set a password from the link, sign in, approve a
bank transfer, refund part of a card gift on localstripe, export a filtered CSV, cancel a
recurring gift, see the Stripe balance; axe finds no violation on any page."""

from __future__ import annotations

import csv
from pathlib import Path

from houdini_pay_donation.models import RecurringDonation
from playwright.sync_api import Page, expect

from houdini_pay import NonprofitRecord, PaymentRequest
from houdini_pay.admin import accounts
from houdini_pay.store._models import Payment
from tests.browser.conftest import Site, screenshot
from tests.browser.donor import assert_accessible, fill_card, fill_donor, open_donate_page

VISA = "4242424242424242"
PASSWORD = "a very long dashboard password"


def _monthly_card_gift(site: Site, page: Page, nonprofit: NonprofitRecord) -> None:
    """A donor gives 40.00 a month by card on the donation page."""
    open_donate_page(site, page, nonprofit)
    page.get_by_text("Every month", exact=True).click()
    page.get_by_label("Other amount").fill("40")
    fill_donor(page, "Grace Hopper", "grace@example.org")
    fill_card(page, VISA)
    page.get_by_role("button", name="Donate").click()
    expect(page.get_by_role("heading", name="Thank you, Grace Hopper!")).to_be_visible()


def _bank_transfer(site: Site, nonprofit: NonprofitRecord) -> str:
    """A bank transfer a supporter reported, waiting for approval; returns the payment id."""
    supporter = site.app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")
    processing = {"method": "bank_transfer", "reference": "TX-77", "pending_approval": True}
    outcome = site.app.pay(
        PaymentRequest(
            nonprofit_id=nonprofit.id,
            supporter_id=supporter.id,
            amount=12000,
            currency="USD",
            processor="offsite",
            payment_type="donation",
            processing_object=processing,
        )
    )
    assert outcome.payment is not None
    return outcome.payment.id


def _sign_in(site: Site, page: Page, nonprofit: NonprofitRecord) -> None:
    """Set the owner's password through the one-time link, then sign in."""
    new = accounts.create_staff(site.app, nonprofit.id, "owner@example.org", "owner")
    page.goto(new.link(site.base_url))
    assert_accessible(page)
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("Your password is set")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    assert_accessible(page)
    page.get_by_label("Organization").fill(nonprofit.slug)
    page.get_by_label("E-mail address").fill("owner@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=nonprofit.name)).to_be_visible()
    assert_accessible(page)


def test_staff_run_the_day_from_the_dashboard(site: Site, page: Page, tmp_path: Path) -> None:
    nonprofit = site.nonprofit("Dashboard Food Bank")
    _monthly_card_gift(site, page, nonprofit)
    pending = _bank_transfer(site, nonprofit)
    with site.app.session() as session:
        card = session.query(Payment).filter_by(nonprofit_id=nonprofit.id, processor="stripe").one()
        schedule = session.query(RecurringDonation).filter_by(nonprofit_id=nonprofit.id).one()
    _sign_in(site, page, nonprofit)
    screenshot(page, "dashboard-overview")

    navigation = page.get_by_role("navigation", name="Dashboard")
    navigation.get_by_role("link", name="Approvals").click()
    assert_accessible(page)
    page.get_by_role("button", name=f"Approve {pending}").click()
    expect(page.get_by_role("status")).to_have_text("Payment approved.")
    assert site.app.get_payment(pending, nonprofit_id=nonprofit.id).status == "succeeded"

    navigation.get_by_role("link", name="Payments").click()
    page.get_by_role("link", name=card.id).click()
    assert_accessible(page)
    page.get_by_label("Part of it").check()
    page.get_by_label("Amount to refund, if part").fill("15.00")
    page.get_by_label("Reason").fill("Gave twice by mistake")
    page.get_by_label("I confirm").check()
    page.get_by_role("button", name="Refund").click()
    expect(page.get_by_role("status")).to_have_text("Refund: succeeded.")
    assert site.app.get_payment(card.id, nonprofit_id=nonprofit.id).amount_refunded == 1500
    assert_accessible(page)
    screenshot(page, "dashboard-payment")

    navigation.get_by_role("link", name="Payments").click()
    page.get_by_label("Processor").select_option("offsite")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name=pending)).to_be_visible()
    expect(page.get_by_role("link", name=card.id)).to_have_count(0)
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    saved = tmp_path / "payments.csv"
    download.value.save_as(saved)
    with saved.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [(row["id"], row["processor"], row["amount"]) for row in rows] == [
        (pending, "offsite", "120.00")
    ]

    navigation.get_by_role("link", name="Recurring gifts").click()
    assert_accessible(page)
    page.get_by_role("button", name=f"Cancel {schedule.id}").click()
    expect(page.get_by_role("status")).to_have_text(f"Recurring gift {schedule.id} cancelled.")
    with site.app.session() as session:
        assert session.get(RecurringDonation, (nonprofit.id, schedule.id)).status == "cancelled"

    navigation.get_by_role("link", name="Stripe balance").click()
    expect(page.get_by_text("Available (EUR)")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "dashboard-stripe")
    pages = ("Bank transfers", "Events and tickets", "Supporters", "Audit log", "API keys")
    for name in (*pages, "Staff", "Overview"):
        navigation.get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    navigation.get_by_role("link", name="Payments").click()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to the dashboard")).to_be_visible()
    assert page.errors == []  # type: ignore[attr-defined]
