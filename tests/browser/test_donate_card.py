"""Card donations on ``/donate/{nonprofit}``, in Chromium, through Stripe.js on localstripe."""

from __future__ import annotations

from houdini_pay_donation.models import RecurringDonation
from playwright.sync_api import Page, expect

from houdini_pay.store._models import Payment, PaymentAttempt, PublicSubmission, Supporter
from houdini_pay.testing import find_row
from tests.browser.conftest import Site, screenshot
from tests.browser.donor import charges_sent, count, fill_card, fill_donor, open_donate_page

VISA = "4242424242424242"
THREE_D_SECURE = "4000002760003184"
"""Asks for 3-D Secure when saved and when charged."""
DECLINED_AT_CHARGE = "4000000000000341"
"""Is saved, then every charge is declined."""


def test_a_one_time_card_gift_is_paid_recorded_and_confirmed(site: Site, page: Page) -> None:
    nonprofit = site.nonprofit("Riverside Food Bank")
    open_donate_page(site, page, nonprofit)
    screenshot(page, "donate-page")
    page.get_by_text("$50.00", exact=True).click()
    fill_donor(page, "Ada Lovelace", "ada@example.org")
    fill_card(page, VISA)
    page.get_by_role("button", name="Donate").click()

    expect(page.get_by_role("heading", name="Thank you, Ada Lovelace!")).to_be_visible()
    expect(page.get_by_text("$50.00").first).to_be_visible()
    screenshot(page, "donate-confirmation")
    with site.app.session() as session:
        payment = session.query(Payment).filter_by(nonprofit_id=nonprofit.id).one()
        assert (payment.amount, payment.status, payment.processor) == (5000, "succeeded", "stripe")
        assert payment.payment_type == "donation"
        supporter = find_row(session, Supporter, payment.supporter_id)
        assert (supporter.name, supporter.email) == ("Ada Lovelace", "ada@example.org")
    assert charges_sent(site, nonprofit.id) == 1
    assert count(site, PublicSubmission, nonprofit_id=nonprofit.id) == 1
    assert count(site, PaymentAttempt, nonprofit_id=nonprofit.id) == 1


def test_a_monthly_gift_creates_a_recurring_schedule_on_the_saved_card(
    site: Site, page: Page
) -> None:
    nonprofit = site.nonprofit("Monthly Meals")
    open_donate_page(site, page, nonprofit)
    page.get_by_text("Every month", exact=True).click()
    page.get_by_label("Other amount").fill("12.50")
    expect(page.get_by_role("button", name="Donate $12.50 / month")).to_be_visible()
    fill_donor(page, "Grace Hopper", "grace@example.org")
    fill_card(page, VISA)
    page.get_by_role("button", name="Donate").click()

    expect(page.get_by_role("heading", name="Thank you, Grace Hopper!")).to_be_visible()
    expect(page.get_by_text("Every month")).to_be_visible()
    with site.app.session() as session:
        schedule = session.query(RecurringDonation).filter_by(nonprofit_id=nonprofit.id).one()
        assert (schedule.amount, schedule.interval, schedule.processor) == (1250, "month", "stripe")
        payment = session.query(Payment).filter_by(nonprofit_id=nonprofit.id).one()
        assert (payment.payment_type, payment.status) == ("recurring_donation", "succeeded")
        assert payment.source_id == schedule.source_id


def test_a_card_that_needs_3d_secure_completes_through_the_challenge(
    site: Site, page: Page
) -> None:
    nonprofit = site.nonprofit("Secure Shelter")
    open_donate_page(site, page, nonprofit)
    fill_donor(page, "Alan Turing", "alan@example.org")
    fill_card(page, THREE_D_SECURE)
    page.get_by_role("button", name="Donate").click()
    # The bank asks twice: when the card is saved, and when it is charged.
    page.get_by_role("button", name="Complete authentication").click()
    challenge = page.get_by_role("button", name="Complete authentication")
    expect(challenge).to_be_visible()
    screenshot(page, "donate-3d-secure-challenge")
    challenge.click()

    expect(page.get_by_role("heading", name="Thank you, Alan Turing!")).to_be_visible()
    with site.app.session() as session:
        payment = session.query(Payment).filter_by(nonprofit_id=nonprofit.id).one()
        assert (payment.amount, payment.status) == (2500, "succeeded")
        attempt = session.query(PaymentAttempt).filter_by(nonprofit_id=nonprofit.id).one()
        assert attempt.state == "succeeded"


def test_a_declined_card_shows_its_error_on_the_card_field_and_nothing_is_paid(
    site: Site, page: Page
) -> None:
    nonprofit = site.nonprofit("Declined Diner")
    open_donate_page(site, page, nonprofit)
    fill_donor(page, "Edsger Dijkstra", "edsger@example.org")
    fill_card(page, DECLINED_AT_CHARGE)
    page.get_by_role("button", name="Donate").click()

    card_error = page.locator("#pf-stripe-card-error")
    expect(card_error).to_be_visible()
    expect(card_error).to_contain_text("declined")
    expect(page.locator("[data-card]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-card] input").first).to_be_focused()
    expect(page.get_by_role("button", name="Donate")).to_be_enabled()
    screenshot(page, "donate-card-declined")
    assert count(site, Payment, nonprofit_id=nonprofit.id) == 0
    assert count(site, PaymentAttempt, nonprofit_id=nonprofit.id, state="failed") == 1


def test_a_double_click_pays_once(site: Site, page: Page) -> None:
    nonprofit = site.nonprofit("Double Click Club")
    open_donate_page(site, page, nonprofit)
    fill_donor(page, "Barbara Liskov", "barbara@example.org")
    fill_card(page, VISA)
    page.get_by_role("button", name="Donate").dblclick()

    expect(page.get_by_role("heading", name="Thank you, Barbara Liskov!")).to_be_visible()
    assert count(site, Payment, nonprofit_id=nonprofit.id) == 1
    assert count(site, PaymentAttempt, nonprofit_id=nonprofit.id) == 1
    assert count(site, Supporter, nonprofit_id=nonprofit.id) == 1
    assert charges_sent(site, nonprofit.id) == 1
