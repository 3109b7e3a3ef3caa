"""What keeps a donor's money and data safe on the donation page, in Chromium.

Amounts typed the donor's country's way, the page before its scripts run and without
JavaScript, a reload during 3-D Secure, retries, and the pages a browser is shown for errors.
Every state a donor sees is checked with axe.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from houdini_pay.store import Payment, Supporter
from houdini_pay.web.amounts import amount_format
from houdini_pay.web.locales import LANGUAGES
from tests.browser.conftest import Site, screenshot
from tests.browser.donor import (
    assert_accessible,
    count,
    fill_card,
    fill_donor,
    open_donate_page,
)

VISA = "4242424242424242"
THREE_D_SECURE = "4000002760003184"
CASES = json.loads((Path(__file__).resolve().parents[1] / "web" / "amount_cases.json").read_text())[
    "cases"
]
EMAIL = re.compile(r"[\w.+-]+(@|%40)[\w-]+\.[\w.]+")


def _pay_offsite(page: Page) -> None:
    page.locator('label[for="method-offsite"]').click()


def test_a_german_donor_typing_5_comma_00_on_a_euro_page_gives_five_euros(
    site: Site, browser: Browser
) -> None:
    nonprofit = site.nonprofit("Tafel Rheinufer", currency="EUR")
    context = browser.new_context(locale="de-DE", extra_http_headers={"Accept-Language": "de-DE"})
    try:
        page = context.new_page()
        open_donate_page(site, page, nonprofit)
        expect(page.locator("html")).to_have_attribute("lang", "de")
        _pay_offsite(page)
        page.locator("#amount-custom").fill("5,00")
        expect(page.locator("#pay-button [data-total]")).to_have_text("5,00\xa0€")
        fill_donor_by_id(page, "Clara Schumann", "clara@example.org")
        page.locator("#pay-button").click()
        expect(page.locator("h1")).to_contain_text("Clara Schumann")
        assert_accessible(page)
        with site.app.session() as session:
            payment = session.query(Payment).filter_by(nonprofit_id=nonprofit.id).one()
            assert (payment.amount, payment.currency) == (500, "EUR")
    finally:
        context.close()


def test_an_amount_that_reads_two_ways_is_refused_with_how_to_write_it(
    site: Site, page: Page
) -> None:
    nonprofit = site.nonprofit("Comma Collective")
    open_donate_page(site, page, nonprofit)
    page.get_by_label("Other amount").fill("5,00")
    fill_donor(page, "Ada Lovelace", "ada@example.org")
    page.get_by_role("button", name="Donate").click()
    error = page.locator("#amount-custom-error")
    expect(error).to_contain_text("could be read two ways")
    expect(error).to_contain_text("25.00")
    expect(page.get_by_label("Other amount")).to_be_focused()
    assert_accessible(page)
    screenshot(page, "donate-amount-ambiguous")
    assert count(site, Supporter, nonprofit_id=nonprofit.id) == 0


def test_the_browser_reads_amounts_as_the_server_does(site: Site, page: Page) -> None:
    """amounts.js against the cases houdini_pay.web.amounts is tested with."""
    nonprofit = site.nonprofit("Parity Pantry")
    open_donate_page(site, page, nonprofit)
    cases = [
        [amount_format(locale, currency).to_config(), typed, expected]
        for locale, currency, typed, expected in CASES
    ]
    read = page.evaluate(
        """async (cases) => {
          const { readAmountWith } = await import("/static/houdini-pay/amounts.js");
          return cases.map(([format, typed]) => {
            try { return readAmountWith(format, typed); } catch (error) { return error.code; }
          });
        }""",
        cases,
    )
    assert [(c[1], r) for c, r in zip(cases, read, strict=True)] == [(c[1], c[2]) for c in cases]


def fill_donor_by_id(page: Page, name: str, email: str) -> None:
    """Type the donor's name and email whatever the page's language."""
    page.locator("#donor-name").fill(name)
    page.locator("#donor-email").fill(email)


def test_a_japanese_browser_on_a_yen_page_gives_whole_yen(site: Site, browser: Browser) -> None:
    nonprofit = site.nonprofit("Kodomo Shokudo", currency="JPY")
    context = browser.new_context(locale="ja-JP", extra_http_headers={"Accept-Language": "ja-JP"})
    try:
        page = context.new_page()
        open_donate_page(site, page, nonprofit)
        presets = page.locator(".choice-grid label").all_inner_texts()
        assert presets[:3] == ["￥1,000", "￥3,000", "￥5,000"]
        _pay_offsite(page)
        page.locator("#amount-custom").fill("3000.5")
        fill_donor_by_id(page, "Murasaki Shikibu", "murasaki@example.org")
        page.locator("#pay-button").click()
        expect(page.locator("#amount-custom-error")).to_contain_text("no decimals")
        page.locator("#amount-custom").fill("3,000")
        page.locator("#pay-button").click()
        expect(page.locator("h1")).to_contain_text("Murasaki Shikibu")
        screenshot(page, "donate-yen-confirmation")
        with site.app.session() as session:
            payment = session.query(Payment).filter_by(nonprofit_id=nonprofit.id).one()
            assert (payment.amount, payment.currency) == (3000, "JPY")
    finally:
        context.close()


def test_an_amount_far_above_the_presets_is_asked_about_once(site: Site, page: Page) -> None:
    nonprofit = site.nonprofit("Careful Giving")
    open_donate_page(site, page, nonprofit)
    _pay_offsite(page)
    page.get_by_label("Other amount").fill("5,000")  # 10 times the largest preset, $500
    fill_donor(page, "Grace Hopper", "grace@example.org")
    page.get_by_role("button", name="Donate").click()
    expect(page.locator("#amount-custom-error")).to_contain_text("$5,000.00 is much more")
    assert_accessible(page)
    assert count(site, Supporter, nonprofit_id=nonprofit.id) == 0
    page.get_by_role("button", name="Donate").click()
    expect(page.get_by_role("heading", name="Thank you, Grace Hopper!")).to_be_visible()
    with site.app.session() as session:
        payment = session.query(Payment).filter_by(nonprofit_id=nonprofit.id).one()
        assert payment.amount == 500000


def test_a_click_before_the_scripts_are_ready_sends_nothing(site: Site, page: Page) -> None:
    nonprofit = site.nonprofit("Early Birds")
    held: list[Route] = []
    page.route("**/static/houdini-pay/checkout.js", lambda route: held.append(route))
    # Module scripts hold DOMContentLoaded back: wait for the button instead.
    page.goto(site.url(f"/donate/{nonprofit.slug}"), wait_until="commit")
    page.wait_for_selector("#pay-button")
    button = page.locator("#pay-button")
    expect(button).to_be_disabled()
    expect(page.locator("#donor-email")).to_be_disabled()
    assert_accessible(page)
    button.click(force=True)
    page.locator("#donor-email").press("Enter")
    assert "?" not in page.url
    assert page.url == site.url(f"/donate/{nonprofit.slug}")
    for route in held:
        route.continue_()
    page.unroute("**/static/houdini-pay/checkout.js")
    page.wait_for_selector("form#checkout[data-ready=true]")
    expect(button).to_be_enabled()
    assert count(site, Supporter, nonprofit_id=nonprofit.id) == 0
    assert "Early" not in _request_lines(site)


def test_without_javascript_the_page_says_so_and_offers_nothing_to_submit(
    site: Site, browser: Browser
) -> None:
    nonprofit = site.nonprofit("No Script Shelter")
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(site.url(f"/donate/{nonprofit.slug}"))
        expect(page.locator("#no-script")).to_contain_text("needs JavaScript")
        expect(page.locator("#pay-button")).to_be_disabled()
        for field in page.locator("#checkout input, #checkout select").all():
            expect(field).to_be_disabled()
        assert page.locator("form#checkout").get_attribute("method") == "post"
        screenshot(page, "donate-no-javascript")
        assert_page_accessible_without_scripts(browser, site, nonprofit.slug)
    finally:
        context.close()
    # A native submission could only be a POST: answered with a page, nothing kept.
    answer = httpx2.post(
        site.url(f"/donate/{nonprofit.slug}"),
        data={"name": "Nobody", "email": "nobody@example.org"},
        headers={"Accept": "text/html"},
    )
    assert answer.status_code == 400
    assert "needs JavaScript" in answer.text
    assert count(site, Supporter, nonprofit_id=nonprofit.id) == 0


def assert_page_accessible_without_scripts(browser: Browser, site: Site, slug: str) -> None:
    """axe on the page as a browser without JavaScript shows it (axe itself needs scripts:
    the page's own scripts are blocked instead)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.route("**/static/**/*.js", lambda route: route.abort())
        page.goto(site.url(f"/donate/{slug}"))
        assert_accessible(page)
    finally:
        context.close()


def _request_lines(site: Site) -> str:
    return site.log_path.read_text(errors="replace")


def test_no_request_line_in_the_server_log_carries_an_email(site: Site, page: Page) -> None:
    nonprofit = site.nonprofit("Private Pantry")
    open_donate_page(site, page, nonprofit)
    _pay_offsite(page)
    fill_donor(page, "Hedy Lamarr", "hedy.lamarr+gift@example.org")
    page.get_by_role("button", name="Donate").click()
    expect(page.get_by_role("heading", name="Thank you, Hedy Lamarr!")).to_be_visible()
    log = _request_lines(site)
    assert f"/donate/{nonprofit.slug}" in log  # the page's requests are logged...
    assert not EMAIL.search(log), EMAIL.search(log)  # ...and no email is in any line


def test_a_reload_during_3d_secure_says_nothing_was_charged_and_reuses_the_supporter(
    site: Site, page: Page
) -> None:
    nonprofit = site.nonprofit("Reload Refuge")
    open_donate_page(site, page, nonprofit)
    fill_donor(page, "Alan Turing", "alan@example.org")
    fill_card(page, THREE_D_SECURE)
    page.get_by_role("button", name="Donate").click()
    expect(page.get_by_role("button", name="Complete authentication")).to_be_visible()
    page.reload()
    page.wait_for_selector("form#checkout[data-ready=true]")
    alert = page.locator("#form-alert")
    expect(alert).to_contain_text("was not completed, and nothing was charged")
    expect(alert).not_to_contain_text("already paid")
    assert_accessible(page)
    screenshot(page, "donate-reloaded-during-3d-secure")
    fill_donor(page, "Alan Turing", "alan@example.org")
    fill_card(page, VISA)
    page.get_by_role("button", name="Donate").click()
    expect(page.get_by_role("heading", name="Thank you, Alan Turing!")).to_be_visible()
    assert count(site, Supporter, nonprofit_id=nonprofit.id) == 1
    assert count(site, Payment, nonprofit_id=nonprofit.id, status="succeeded") == 1


def test_browsers_get_styled_error_pages_and_api_clients_json(site: Site, page: Page) -> None:
    response = page.goto(site.url("/no/such/page"))
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="This page does not exist")).to_be_visible()
    assert_accessible(page)
    response = page.goto(site.url("/thanks/np_nobody/aaaaaaaaaaaaaaaaaaaa"))
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="This page does not exist")).to_be_visible()
    machine = httpx2.get(site.url("/no/such/page"), headers={"Accept": "application/json"})
    assert machine.status_code == 404
    assert machine.json()["error"]["code"] == "route_not_found"
    api = httpx2.get(site.url("/api/v1/nothing"), headers={"Accept": "text/html"})
    assert api.headers["content-type"].startswith("application/json")


def test_head_and_the_favicon_answer(site: Site) -> None:
    nonprofit = site.nonprofit("Head Start")
    head = httpx2.head(site.url(f"/donate/{nonprofit.slug}"))
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/html")
    assert head.content == b""
    icon = httpx2.get(site.url("/favicon.ico"))
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.text.startswith("<svg")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_in_every_language_is_accessible(
    site: Site, browser: Browser, language: str
) -> None:
    nonprofit = site.nonprofit(f"Polyglot Pantry {language}", currency="EUR")
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    try:
        page = context.new_page()
        open_donate_page(site, page, nonprofit, f"?lang={language}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        assert_accessible(page)
        screenshot(page, f"donate-{language}-phone")
        page.locator("#amount-custom").fill("abc")
        page.locator("#pay-button").click()
        expect(page.locator("#amount-custom-error")).to_be_visible()
        assert_accessible(page)
    finally:
        context.close()


_EDGES = """(selectors) => selectors.map((selector) => {
  const element = document.querySelector(selector);
  let behind = element.parentElement;
  while (behind && getComputedStyle(behind).backgroundColor === "rgba(0, 0, 0, 0)") {
    behind = behind.parentElement;
  }
  return [selector, getComputedStyle(element).borderTopColor,
          behind ? getComputedStyle(behind).backgroundColor : "rgb(255, 255, 255)"];
})"""


def _luminance(css: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css)[:3])

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def _contrast(first: str, second: str) -> float:
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_fields_and_choices_have_edges_of_3_to_1_and_named_groups(site: Site, page: Page) -> None:
    nonprofit = site.nonprofit("Edge Case Estate")
    open_donate_page(site, page, nonprofit)
    selectors = ["#donor-name", "#donor-email", "#amount-custom", ".choice-grid label",
                 "#frequency", "#pf-stripe-card", "#designation"]  # fmt: skip
    page.locator("details.more summary").click()
    edges = page.evaluate(_EDGES, selectors)
    weak = [(s, border, behind) for s, border, behind in edges if _contrast(border, behind) < 3]
    assert weak == []
    expect(page.get_by_role("radiogroup", name="How often")).to_be_visible()
    expect(page.get_by_role("radiogroup", name="Amount")).to_be_visible()
    expect(page.get_by_role("radiogroup", name="Payment method")).to_be_visible()
    assert_accessible(page)
