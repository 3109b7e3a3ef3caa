"""A nonprofit's own site opens the branded donation page in an overlay (``/embed.js``).

The host page is served on another loopback origin; the nonprofit allows it to frame its
pages. The overlay is a modal dialog: focus goes into it, Escape closes it from the host page
and from inside the frame, focus returns to the button, and a gift goes through in the frame.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from houdini_pay.store._models import Payment
from houdini_pay.web.branding import save_branding
from tests.browser.conftest import Site, screenshot
from tests.browser.donor import assert_accessible, fill_donor, open_donate_page

HOST_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Riverside Food Bank</title></head>
<body>
<main>
<h1>Riverside Food Bank</h1>
<p>We cook every day for 300 families.</p>
<button type="button" data-houdini-pay="{slug}">Give now</button>
</main>
<script src="{server}/embed.js" defer></script>
</body>
</html>
"""


@pytest.fixture
def host(site: Site) -> Iterator[tuple[str, dict[str, str]]]:
    """A nonprofit's own site on another port; its page is set by the test."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", pages
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _active(page: Page) -> str:
    return str(page.evaluate("document.activeElement.className || document.activeElement.tagName"))


def test_the_overlay_opens_the_branded_page_from_another_site(
    site: Site, page: Page, host: tuple[str, dict[str, str]]
) -> None:
    origin, pages = host
    nonprofit = site.nonprofit("Embedded Kitchen")
    save_branding(
        site.app,
        nonprofit.id,
        {
            "accent": "#1a5fb4",
            "headline": "Feed a neighbour tonight",
            "presets": [{"amount": 25}, {"amount": 50, "label": "feeds a family for a week"}],
            "frame_ancestors": [origin],
        },
    )
    open_donate_page(site, page, nonprofit)
    expect(page.get_by_role("heading", name="Feed a neighbour tonight")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "donate-branded")
    # The question about a large gift follows the presets shown: 4 x $50.
    page.get_by_text("Bank transfer or check", exact=True).click()
    page.get_by_text("Check", exact=True).click()
    page.get_by_label("Other amount").fill("300")
    fill_donor(page, "Ada Lovelace", "ada@example.org")
    page.get_by_role("button", name="Donate $300.00").click()
    expect(page.get_by_text("$300.00 is much more than most gifts")).to_be_visible()

    pages["/"] = HOST_PAGE.format(slug=nonprofit.slug, server=site.base_url)
    page.goto(origin + "/")
    opener = page.get_by_role("button", name="Give now")
    opener.click()
    dialog = page.get_by_role("dialog", name="Give now")
    expect(dialog).to_be_visible()
    frame = page.frame_locator("dialog iframe")
    expect(frame.locator("form#checkout[data-ready=true]")).to_be_attached()
    assert _active(page) == "houdini-pay-close"
    assert_accessible(page)
    screenshot(page, "embed-overlay")
    # The rest of the site is inert: Tab and Shift+Tab stay in the dialog and its frame.
    focused = "document.activeElement"
    inside = f"!!{focused}.closest('dialog') || {focused} === document.body"
    for key in ["Tab"] * 30 + ["Shift+Tab"] * 30:
        page.keyboard.press(key)
        assert page.evaluate(inside), key
        assert page.evaluate("document.activeElement.dataset.houdiniPay") is None
    page.get_by_role("button", name="Close").focus()

    page.keyboard.press("Escape")  # focus on the close button, in the host page
    expect(dialog).to_have_count(0)
    assert page.evaluate("document.activeElement.dataset.houdiniPay") == nonprofit.slug

    opener.click()
    frame = page.frame_locator("dialog iframe")
    frame.get_by_label("Full name").click()
    page.keyboard.press("Escape")  # focus inside the frame: the page asks the host
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert page.evaluate("document.activeElement.dataset.houdiniPay") == nonprofit.slug

    opener.click()
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_a_gift_goes_through_in_the_overlay(
    site: Site, page: Page, host: tuple[str, dict[str, str]]
) -> None:
    origin, pages = host
    nonprofit = site.nonprofit("Framed Pantry")
    save_branding(
        site.app,
        nonprofit.id,
        {"presets": [{"amount": 40, "label": "a week of meals"}], "frame_ancestors": [origin]},
    )
    pages["/"] = HOST_PAGE.format(slug=nonprofit.slug, server=site.base_url)
    page.goto(origin + "/")
    page.get_by_role("button", name="Give now").click()
    frame = page.frame_locator("dialog iframe")
    expect(frame.locator("form#checkout[data-ready=true]")).to_be_attached()
    frame.get_by_text("Bank transfer or check", exact=True).click()
    frame.get_by_text("Check", exact=True).click()
    frame.get_by_text("a week of meals").click()
    frame.get_by_label("Full name").fill("Mary Jackson")
    frame.get_by_label("Email").fill("mary@example.org")
    frame.get_by_role("button", name="Donate $40.00").click()
    expect(frame.get_by_role("heading", name="Thank you, Mary Jackson!")).to_be_visible()
    with site.app.session() as session:
        payment = session.query(Payment).filter_by(nonprofit_id=nonprofit.id).one()
        assert (payment.amount, payment.status) == (4000, "pending_approval")
    assert not page.errors  # type: ignore[attr-defined]


def test_a_site_not_allowed_cannot_frame_the_page(
    site: Site, page: Page, host: tuple[str, dict[str, str]]
) -> None:
    origin, pages = host
    nonprofit = site.nonprofit("Unframed Shelter")
    pages["/"] = HOST_PAGE.format(slug=nonprofit.slug, server=site.base_url)
    page.goto(origin + "/")
    page.get_by_role("button", name="Give now").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    frame = page.frame_locator("dialog iframe")
    expect(frame.locator("form#checkout")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
