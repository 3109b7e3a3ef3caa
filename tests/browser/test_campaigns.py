"""A gift on ``/campaigns/{campaign}``: the goal, the progress, a thank-you gift chosen."""

from __future__ import annotations

import datetime as dt

from houdini_pay_donation import create_campaign
from houdini_pay_donation.campaigns import create_gift_option
from houdini_pay_donation.models import CampaignGift
from playwright.sync_api import Page, expect

from houdini_pay.store._models import Payment
from tests.browser.conftest import Site, screenshot
from tests.browser.donor import assert_accessible, count, fill_donor


def test_a_gift_with_a_thank_you_gift_and_one_below_its_amount_is_stopped(
    site: Site, page: Page
) -> None:
    nonprofit = site.nonprofit("Roof Fund")
    campaign = create_campaign(
        site.app, nonprofit.id, "New roof", 500_000, end_date=dt.date(2099, 6, 30)
    )
    poster = create_gift_option(site.app, campaign.id, "Signed poster", 10_000, limit=50)
    page.goto(site.url(f"/campaigns/{campaign.id}"))
    page.wait_for_selector("form#checkout[data-ready=true]")
    expect(page.get_by_role("heading", name="New roof")).to_be_visible()
    expect(page.get_by_text("$0.00 raised of $5,000.00")).to_be_visible()
    expect(page.get_by_text("50 left")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Signed poster").check()
    page.get_by_text("Bank transfer or check", exact=True).click()
    fill_donor(page, "Grace Hopper", "grace@example.org")
    page.get_by_role("button", name="Give").click()  # $25, below the poster's $100
    expect(page.get_by_text("This thank-you gift is for gifts of $100.00 or more.")).to_be_visible()
    assert count(site, Payment, nonprofit_id=nonprofit.id) == 0
    assert_accessible(page)
    screenshot(page, "campaign-page")

    page.locator("label[for=preset-10000]").click()
    page.get_by_role("button", name="Give").click()
    expect(page.get_by_role("heading", name="Thank you, Grace Hopper!")).to_be_visible()
    expect(page.get_by_text("Signed poster")).to_be_visible()
    (payment,) = site.app.list_payments(nonprofit.id).payments
    site.app.approve_payment(payment.id, nonprofit_id=nonprofit.id)  # the check arrived
    with site.app.session() as session:
        gift = session.query(CampaignGift).filter_by(nonprofit_id=nonprofit.id).one()
        assert (gift.campaign_id, gift.gift_option_id) == (campaign.id, poster.id)
    assert_accessible(page)
    page.goto(site.url(f"/campaigns/{campaign.id}"))
    expect(page.get_by_text("$100.00 raised of $5,000.00")).to_be_visible()
    expect(page.get_by_text("49 left")).to_be_visible()
