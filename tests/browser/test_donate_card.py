"""Card donations on ``/donate/{nonprofit}``, in Chromium, through Stripe.js on localstripe."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from houdini_pay.models import Payment, PaymentAttempt, PublicSubmission, Supporter
from tests.browser.conftest import Site, screenshot
from tests.browser.donor import count, fill_card, fill_donor, open_donate_page

VISA = "4242424242424242"


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
        supporter = session.get_one(Supporter, payment.supporter_id)
        assert (supporter.name, supporter.email) == ("Ada Lovelace", "ada@example.org")
    intents = site.localstripe.sent("POST", "/v1/payment_intents")
    assert [r.params["metadata"]["nonprofit_id"] for r in intents].count(nonprofit.id) == 1
    assert count(site, PublicSubmission, nonprofit_id=nonprofit.id) == 1
    assert count(site, PaymentAttempt, nonprofit_id=nonprofit.id) == 1
