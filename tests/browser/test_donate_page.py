"""The donation page without a card: bank transfers, checks, mistakes, keyboards and phones."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from houdini_pay.store._models import Payment, Supporter
from tests.browser.conftest import Site, screenshot
from tests.browser.donor import count, fill_donor, open_donate_page

NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_an_offsite_gift_ends_pending_approval_with_a_reference(site: Site, page: Page) -> None:
    nonprofit = site.nonprofit("Check Chapel")
    open_donate_page(site, page, nonprofit)
    page.get_by_text("Bank transfer or check", exact=True).click()
    expect(page.get_by_text("Riverside Bank, account 12-3456-789")).to_be_visible()
    expect(page.get_by_text("Every month", exact=True)).to_be_disabled()
    page.get_by_text("Check", exact=True).click()
    page.get_by_text("$100.00", exact=True).click()
    fill_donor(page, "Katherine Johnson", "katherine@example.org")
    page.get_by_role("button", name="Donate $100.00").click()

    expect(page.get_by_role("heading", name="Thank you, Katherine Johnson!")).to_be_visible()
    reference = page.locator(".reference").inner_text()
    assert reference.startswith("GIFT-")
    screenshot(page, "donate-offsite-pending")
    with site.app.session() as session:
        payment = session.query(Payment).filter_by(nonprofit_id=nonprofit.id).one()
        assert (payment.amount, payment.processor, payment.status) == (
            10000,
            "offsite",
            "pending_approval",
        )
        assert payment.processor_reference == reference
        assert payment.details["method"] == "check"


def test_mistakes_are_shown_on_their_fields_and_focus_goes_to_the_first(
    site: Site, page: Page
) -> None:
    nonprofit = site.nonprofit("Careful Cooperative")
    open_donate_page(site, page, nonprofit)
    page.get_by_label("Other amount").fill("twelve")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Donate").click()

    expect(page.locator("#amount-custom-error")).to_contain_text("Choose an amount")
    expect(page.locator("#donor-name-error")).to_contain_text("Enter your full name")
    expect(page.locator("#donor-email-error")).to_contain_text("email address like")
    expect(page.get_by_label("Other amount")).to_be_focused()
    expect(page.get_by_label("Full name")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "donate-mistakes")
    assert count(site, Supporter, nonprofit_id=nonprofit.id) == 0


def test_the_page_works_from_the_keyboard_alone(site: Site, page: Page) -> None:
    nonprofit = site.nonprofit("Keyboard Kitchen")
    open_donate_page(site, page, nonprofit)
    page.get_by_text("Bank transfer or check", exact=True).click()
    page.get_by_label("Full name").focus()
    page.keyboard.type("Margaret Hamilton")
    page.keyboard.press("Tab")
    page.keyboard.type("margaret@example.org")
    page.keyboard.press("Enter")  # submits the form, as a keyboard user would
    expect(page.get_by_role("heading", name="Thank you, Margaret Hamilton!")).to_be_visible()
    assert count(site, Payment, nonprofit_id=nonprofit.id, status="pending_approval") == 1


def test_a_phone_sized_screen_scrolls_only_downwards(site: Site, browser: Browser) -> None:
    nonprofit = site.nonprofit("Pocket Pantry with a Rather Long Name for Small Screens")
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        page = context.new_page()
        open_donate_page(site, page, nonprofit)
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        screenshot(page, "donate-phone")
        page.get_by_text("Bank transfer or check", exact=True).click()
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        fill_donor(page, "Frances Allen", "frances@example.org")
        page.get_by_role("button", name="Donate").click()
        expect(page.get_by_role("heading", name="Thank you, Frances Allen!")).to_be_visible()
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        screenshot(page, "donate-phone-confirmation")
    finally:
        context.close()


def test_an_unknown_nonprofit_answers_a_page_that_says_so(site: Site, page: Page) -> None:
    response = page.goto(site.url("/donate/no-such-nonprofit"))
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="This page does not exist")).to_be_visible()
