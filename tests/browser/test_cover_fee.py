"""Covering the processing fee on ``/donate/{nonprofit}``: Chromium, a card, localstripe."""

from __future__ import annotations

from houdini_pay_donation.models import Donation
from playwright.sync_api import Page, expect

from houdini_pay.store._models import Payment
from tests.browser.conftest import Site, screenshot
from tests.browser.donor import assert_accessible, fill_card, fill_donor, open_donate_page

VISA = "4242424242424242"


def test_a_donor_covers_the_card_fee_and_the_nonprofit_gets_the_whole_gift(
    site: Site, page: Page
) -> None:
    nonprofit = site.nonprofit("Fee Covered Food Bank")
    open_donate_page(site, page, nonprofit)
    page.get_by_text("$50", exact=True).click()
    # Stripe's standard USD pricing, 2.9% + 30c: (5000 + 30) / 0.971 = 5180.23 -> $51.81.
    box = page.get_by_label("Add $1.81 to cover the processing fee")
    expect(box).to_be_visible()
    expect(box).not_to_be_checked()
    page.get_by_label("Other amount").fill("25")
    box = page.get_by_label("Add $1.06 to cover the processing fee")
    box.check()
    expect(page.get_by_role("button", name="Donate $26.06")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "donate-cover-fee")
    # A check costs the nonprofit nothing to take: no box.
    page.get_by_text("Bank transfer or check", exact=True).click()
    expect(page.locator("#cover-fee-field")).to_be_hidden()
    expect(page.get_by_role("button", name="Donate $25.00")).to_be_visible()
    page.get_by_text("Card", exact=True).click()
    expect(box).to_be_checked()

    fill_donor(page, "Ada Lovelace", "ada@example.org")
    fill_card(page, VISA)
    page.get_by_role("button", name="Donate $26.06").click()

    expect(page.get_by_role("heading", name="Thank you, Ada Lovelace!")).to_be_visible()
    expect(page.get_by_text("Processing fee covered")).to_be_visible()
    expect(page.get_by_text("$1.06", exact=True)).to_be_visible()
    assert_accessible(page)
    with site.app.session() as session:
        payment = session.query(Payment).filter_by(nonprofit_id=nonprofit.id).one()
        donation = session.query(Donation).filter_by(nonprofit_id=nonprofit.id).one()
    assert (payment.amount, payment.status, payment.processor) == (2606, "succeeded", "stripe")
    assert (donation.amount, donation.fee_covered) == (2606, 106)
