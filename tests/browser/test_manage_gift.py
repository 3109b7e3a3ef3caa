"""A donor manages a monthly card gift from the link on its thank-you page, in Chromium."""

from __future__ import annotations

from houdini_pay_donation.models import RecurringDonation
from houdini_pay_stripe.models import StripePaymentMethod
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Site, screenshot
from tests.browser.donor import assert_accessible, fill_card, fill_donor, open_donate_page

VISA = "4242424242424242"


def _schedule(site: Site, nonprofit_id: str) -> RecurringDonation:
    with site.app.session() as session:
        return session.query(RecurringDonation).filter_by(nonprofit_id=nonprofit_id).one()


def test_a_donor_changes_pauses_and_cancels_their_monthly_gift(
    site: Site, page: Page, browser: Browser
) -> None:
    nonprofit = site.nonprofit("Standing Supper")
    open_donate_page(site, page, nonprofit)
    page.get_by_text("Every month", exact=True).click()
    page.get_by_label("Other amount").fill("12.50")
    fill_donor(page, "Grace Hopper", "grace@example.org")
    fill_card(page, VISA)
    page.get_by_role("button", name="Donate").click()
    expect(page.get_by_role("heading", name="Thank you, Grace Hopper!")).to_be_visible()
    expect(page.get_by_text("Next gift")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Manage your recurring gift").click()
    heading = "Your recurring gift to Standing Supper"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_text("$12.50")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "manage-gift")

    page.get_by_label("New amount").fill("20")
    page.get_by_role("button", name="Change the amount").click()
    expect(page.locator("p.notice")).to_have_text("Your gift's amount is changed.")
    expect(page.get_by_text("$20.00")).to_be_visible()
    assert _schedule(site, nonprofit.id).amount == 2000

    page.get_by_label("New amount").fill("twenty")
    page.get_by_role("button", name="Change the amount").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter an amount in numbers")
    assert_accessible(page)

    page.get_by_role("button", name="Pause the gift").click()
    expect(page.locator("p.notice")).to_contain_text("Your gift is paused.")
    expect(page.get_by_text("Next gift")).to_have_count(0)
    assert_accessible(page)
    assert _schedule(site, nonprofit.id).status == "paused"

    page.get_by_role("button", name="Cancel the gift").click()
    expect(page.locator("p.notice")).to_contain_text("Your gift is cancelled.")
    assert _schedule(site, nonprofit.id).status == "cancelled"
    screenshot(page, "manage-gift-cancelled")
    assert page.errors == []  # type: ignore[attr-defined]

    # On a phone with JavaScript off, the page's forms still work.
    link = page.url.split("?")[0]
    phone = browser.new_context(viewport={"width": 375, "height": 740}, java_script_enabled=False)
    try:
        tab = phone.new_page()
        tab.goto(link)
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        tab.get_by_role("button", name="Resume the gift").click()
        expect(tab.locator("p.notice")).to_have_text("Your gift is active again.")
        expect(tab.locator("#card-no-script")).to_contain_text("needs JavaScript")
        expect(tab.get_by_role("button", name="Save the new card")).to_be_disabled()
        screenshot(tab, "manage-gift-phone-no-script")
    finally:
        phone.close()
    assert _schedule(site, nonprofit.id).status == "active"


def test_a_tampered_link_is_a_styled_page(site: Site, page: Page) -> None:
    nonprofit = site.nonprofit("Tamper Table")
    page.goto(site.url(f"/donate/{nonprofit.id}/manage/rd_nothing/1.AAAA"))
    expect(page.get_by_role("heading", name="This page does not exist")).to_be_visible()
    assert_accessible(page)


THREE_D_SECURE = "4000002760003184"
"""Asks for 3-D Secure when saved and when charged."""


def test_a_donor_replaces_the_card_and_confirms_it_with_3d_secure(site: Site, page: Page) -> None:
    nonprofit = site.nonprofit("New Card Canteen")
    open_donate_page(site, page, nonprofit)
    page.get_by_text("Every month", exact=True).click()
    fill_donor(page, "Hedy Lamarr", "hedy@example.org")
    fill_card(page, VISA)
    page.get_by_role("button", name="Donate").click()
    expect(page.get_by_role("heading", name="Thank you, Hedy Lamarr!")).to_be_visible()
    old_source = _schedule(site, nonprofit.id).source_id

    page.get_by_role("link", name="Manage your recurring gift").click()
    page.wait_for_selector("form#card-update[data-ready=true]")
    assert_accessible(page)
    fill_card(page, THREE_D_SECURE)
    page.get_by_role("button", name="Save the new card").click()
    challenge = page.get_by_role("button", name="Complete authentication")
    expect(challenge).to_be_visible()
    challenge.click()
    expect(page.locator("p.notice")).to_contain_text("Your new card will be used")
    schedule = _schedule(site, nonprofit.id)
    assert schedule.source_id not in (None, old_source)
    with site.app.session() as session:
        method = session.get(StripePaymentMethod, (nonprofit.id, schedule.source_id))
        assert method is not None
        assert method.last4 == "3184"
    assert_accessible(page)
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_failed_authentication_keeps_the_old_card(site: Site, page: Page) -> None:
    nonprofit = site.nonprofit("Old Card Orchard")
    open_donate_page(site, page, nonprofit)
    page.get_by_text("Every month", exact=True).click()
    fill_donor(page, "Ida Wells", "ida@example.org")
    fill_card(page, VISA)
    page.get_by_role("button", name="Donate").click()
    expect(page.get_by_role("heading", name="Thank you, Ida Wells!")).to_be_visible()
    old_source = _schedule(site, nonprofit.id).source_id

    page.get_by_role("link", name="Manage your recurring gift").click()
    page.wait_for_selector("form#card-update[data-ready=true]")
    fill_card(page, THREE_D_SECURE)
    page.get_by_role("button", name="Save the new card").click()
    page.get_by_role("button", name="Fail authentication").click()
    expect(page.locator("#card-update .field-error")).to_contain_text("authentication failed")
    expect(page.get_by_role("button", name="Save the new card")).to_be_enabled()
    assert_accessible(page)
    assert _schedule(site, nonprofit.id).source_id == old_source
