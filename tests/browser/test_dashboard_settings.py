"""The dashboard's settings pages in Debian's Chromium: an owner writes the bank-transfer
instructions (a refusal first) that donors then see, and goes from the Stripe balance page
to the Stripe-hosted Account Link (``connect.stripe.com`` answered by a stand-in page, the
link itself in Stripe's recorded shape from the localstripe harness); axe finds no violation
and nothing scrolls sideways at 375 px."""

from __future__ import annotations

from houdini_pay_stripe.models import StripeAccount
from playwright.sync_api import Browser, Page, Route, expect

from houdini_pay import NonprofitRecord
from houdini_pay.admin import accounts
from tests.browser.conftest import Site, screenshot
from tests.browser.donor import assert_accessible, fill_donor, open_donate_page

PASSWORD = "a very long dashboard password"
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
INSTRUCTIONS = "Tafel Credit Union, account holder Harbour Food Bank\nIBAN DE89 3704 0044 0532"
ACCOUNT = "acct_1Nv0FGQ9RKHgCVdK"


def _sign_in(site: Site, page: Page, nonprofit: NonprofitRecord, role: str = "owner") -> None:
    email = f"{role}@{nonprofit.slug}.example.org"
    new = accounts.create_staff(site.app, nonprofit.id, email, role)
    accounts.set_password(site.app, new.token, PASSWORD)
    page.goto(site.url("/admin/login"))
    page.get_by_label("Organization").fill(nonprofit.slug)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=nonprofit.name)).to_be_visible()


def test_an_owner_writes_the_instructions_donors_see(site: Site, page: Page) -> None:
    nonprofit = site.nonprofit("Harbour Food Bank")
    _sign_in(site, page, nonprofit)
    page.get_by_role("navigation", name="Dashboard").get_by_role(
        "link", name="Bank transfers"
    ).click()
    expect(page.get_by_text("Riverside Bank, account 12-3456-789").first).to_be_visible()
    assert_accessible(page)
    field = page.get_by_label("Instructions donors see")
    field.fill("IBAN \u202eDE89")
    page.get_by_role("button", name="Save instructions").click()
    expect(page.get_by_role("alert")).to_contain_text("not printable text (U+202E)")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    assert_accessible(page)
    field.fill(INSTRUCTIONS)
    page.get_by_role("button", name="Save instructions").click()
    expect(page.get_by_role("status")).to_have_text(
        "Instructions saved: donors see them from now on."
    )
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    screenshot(page, "dashboard-bank-transfers")
    page.set_viewport_size({"width": 1024, "height": 900})

    donor = page.context.new_page()
    open_donate_page(site, donor, nonprofit)
    donor.get_by_text("Bank transfer or check", exact=True).click()
    expect(donor.get_by_text("IBAN DE89 3704 0044 0532")).to_be_visible()
    donor.get_by_text("$25", exact=True).click()
    fill_donor(donor, "Mary Jackson", "mary@example.org")
    donor.get_by_role("button", name="Donate $25.00").click()
    expect(donor.get_by_role("heading", name="Thank you, Mary Jackson!")).to_be_visible()
    expect(donor.get_by_text("Tafel Credit Union, account holder Harbour")).to_be_visible()
    donor.close()

    page.get_by_role("button", name="Forget ours").click()
    expect(page.get_by_role("status")).to_contain_text("donors see the deployment's again")
    assert page.errors == []  # type: ignore[attr-defined]


def test_an_owner_goes_to_stripe_to_set_up_the_bank_account(site: Site, page: Page) -> None:
    nonprofit = site.nonprofit("Harbour Shelter")
    with site.app.unit_of_work() as uow:
        uow.session.add(StripeAccount(nonprofit_id=nonprofit.id, account_id=ACCOUNT))
    hosted: list[str] = []

    def stripe_hosted_page(route: Route) -> None:
        hosted.append(route.request.url)
        html = "<!doctype html><html lang=en><title>Stripe</title><h1>Stripe stand-in</h1>"
        route.fulfill(status=200, content_type="text/html", body=html)

    page.context.route("https://connect.stripe.com/**", stripe_hosted_page)
    _sign_in(site, page, nonprofit)
    page.get_by_role("navigation", name="Dashboard").get_by_role(
        "link", name="Stripe balance"
    ).click()
    expect(page.get_by_text(f"Stripe account {ACCOUNT}").first).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    page.get_by_role("button", name="Continue the set-up on Stripe").click()
    expect(page.get_by_role("heading", name="Stripe stand-in")).to_be_visible()
    assert page.url.startswith(f"https://connect.stripe.com/setup/c/{ACCOUNT}/")
    assert hosted == [page.url]
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_german_browser_gets_the_dashboard_in_german(site: Site, browser: Browser) -> None:
    nonprofit = site.nonprofit("Hafen Tafel")
    email = f"owner@{nonprofit.slug}.example.org"
    new = accounts.create_staff(site.app, nonprofit.id, email, "owner")
    accounts.set_password(site.app, new.token, PASSWORD)
    context = browser.new_context(locale="de-DE", viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        page.goto(site.url("/admin/login"))
        expect(page.get_by_role("heading", name="Bei der Verwaltung anmelden")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Organisation").fill(nonprofit.slug)
        page.get_by_label("E-Mail-Adresse").fill(email)
        page.get_by_label("Passwort").fill(PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        navigation = page.get_by_role("navigation", name="Verwaltung")
        navigation.get_by_role("link", name="Überweisungen").click()
        expect(page.get_by_role("heading", name="Überweisungen", level=1)).to_be_visible()
        expect(page.get_by_label("Anweisungen, die Spender sehen")).to_be_visible()
        assert page.locator("main").get_attribute("lang") is None
        assert_accessible(page)
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        navigation.get_by_role("link", name="Zahlungen").click()
        expect(page.get_by_role("heading", name="Zahlungen", level=1)).to_be_visible()
        page.get_by_label("Status").select_option(label="wartet auf Freigabe")
        page.get_by_role("button", name="Filtern").click()
        expect(page.get_by_role("cell", name="Nichts gefunden.")).to_be_visible()
        assert "status=pending_approval" in page.url
        assert_accessible(page)
        assert page.evaluate(NO_HORIZONTAL_SCROLL)
        navigation.get_by_role("link", name="Protokoll").click()
        expect(page.get_by_role("heading", name="Protokoll", level=1)).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="Abmelden").click()
        expect(page.get_by_role("heading", name="Bei der Verwaltung anmelden")).to_be_visible()
    finally:
        context.close()
