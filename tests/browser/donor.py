"""What a donor does on the pages, as steps the browser tests share."""

from __future__ import annotations

from typing import Any

from houdini_pay_stripe.models import StripeCustomer
from playwright.sync_api import Page
from sqlalchemy import func, select

from houdini_pay import NonprofitRecord
from houdini_pay.store._models import Base
from tests.browser.conftest import Site


def open_donate_page(site: Site, page: Page, nonprofit: NonprofitRecord) -> None:
    """Open the nonprofit's donation page and wait until its scripts are ready."""
    page.goto(site.url(f"/donate/{nonprofit.slug}"))
    page.wait_for_selector("form#checkout[data-ready=true]")


def fill_donor(page: Page, name: str, email: str) -> None:
    """Type the donor's name and email."""
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email").fill(email)


def fill_card(page: Page, number: str) -> None:
    """Type a card into the card field (localstripe's stand-in for Stripe's Element)."""
    card = page.locator("[data-card]")
    card.locator("input[placeholder=number]").fill(number)
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("34")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("10001")


def count(site: Site, model: type[Base], **where: Any) -> int:
    """Rows of ``model`` matching the keyword equalities, in the server's database."""
    statement = select(func.count()).select_from(model)
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    with site.app.session() as session:
        return int(session.scalar(statement) or 0)


def charges_sent(site: Site, nonprofit_id: str) -> int:
    """How many charges localstripe made on the cards of the nonprofit's supporters."""
    with site.app.session() as session:
        customers = session.scalars(
            select(StripeCustomer.customer_id).where(StripeCustomer.nonprofit_id == nonprofit_id)
        ).all()
    client = site.localstripe.client()
    return sum(
        len(client.v1.charges.list({"customer": customer, "limit": 100}).data)
        for customer in customers
    )
