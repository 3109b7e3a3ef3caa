"""``/docs`` in Chromium with every address outside the server blocked: it still works."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import Site, screenshot


def test_the_api_reference_renders_offline(site: Site, page: Page) -> None:
    outside: list[str] = []

    def only_this_server(route: Route) -> None:
        if urlsplit(route.request.url).netloc == urlsplit(site.base_url).netloc:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(site.url("/docs"))
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("houdini-pay")
    operation = page.locator(
        ".opblock-summary-path", has_text="/api/v1/nonprofits/{nonprofit_id}/payment"
    )
    expect(operation.first).to_be_visible()
    operation.first.click()
    expect(page.locator(".opblock.is-open .parameters").first).to_contain_text("nonprofit_id")
    screenshot(page, "api-docs")
    assert outside == []
    assert page.errors == []  # type: ignore[attr-defined]
