"""The dashboard's Stripe page: balance and payouts read from localstripe with the real
library, and a payout in Stripe's recorded shape (localstripe's lack some of its states)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import stripe
from houdini_pay_stripe.admin_page import LINK_TYPES, StripePage, payout_rows, payout_schedule
from houdini_pay_stripe.models import StripeAccount
from houdini_pay_stripe.testing import LocalStripe, recorded_account_link
from houdini_pay_stripe.testing.shapes import ACCOUNT_LINK_SECONDS

from houdini_pay import AdminRedirect, HoudiniPay, NonprofitRecord
from houdini_pay.admin.words import text_for
from houdini_pay.errors import InvalidRequest
from houdini_pay.web.locales import choose_locale
from houdini_pay.web.rendering import gettext_for

RECORDED_PAYOUT = {
    "id": "po_1OaFDbEcg9tTZuTgNYmX0PKB",
    "object": "payout",
    "amount": 1100,
    "arrival_date": 1680652800,
    "automatic": True,
    "currency": "usd",
    "description": "STRIPE PAYOUT",
    "method": "standard",
    "status": "in_transit",
    "type": "bank_account",
}
"""A payout as Stripe's API reference records it (``GET /v1/payouts``), the fields the page
reads among them; localstripe does not serve payouts."""


def test_the_balance_and_payouts_are_read_from_stripe(
    app: HoudiniPay, nonprofit: NonprofitRecord, localstripe: LocalStripe
) -> None:
    made = localstripe.client().v1.payouts.create(params={"amount": 1500, "currency": "eur"})
    view = StripePage(app).view(nonprofit)
    # localstripe's balance is a constant: 20.00 EUR available, nothing pending.
    facts = dict(view.facts)
    assert facts.pop("Bank account").startswith("This nonprofit has no Stripe Connect account")
    assert facts == {
        "Account": "the platform's Stripe account",
        "Available (EUR)": "€20.00",
        "Pending (EUR)": "€0.00",
    }
    # localstripe has no accounts: the page says the schedule could not be read.
    assert view.summary is not None
    assert "the payout schedule could not be read" in view.summary
    (row,) = view.tables[0].rows
    assert list(row.cells)[:3] == [made.id, "€15.00", "pending"]
    assert row.cells[4] == "standard"


def test_payouts_in_stripes_recorded_shape() -> None:
    (row,) = payout_rows([RECORDED_PAYOUT])
    assert list(row.cells) == [
        "po_1OaFDbEcg9tTZuTgNYmX0PKB",
        "$11.00",
        "in transit",  # Stripe's in_transit, as a word
        "2023-04-05",
        "standard",
        "STRIPE PAYOUT",
    ]


def test_without_keys_the_page_says_what_is_missing(
    houdini_make_app: Callable[..., HoudiniPay], nonprofit: NonprofitRecord
) -> None:
    bare = houdini_make_app(entry_points=True, environ={})
    view = StripePage(bare).view(nonprofit)
    assert view.summary is not None
    assert "HOUDINI_PAY_STRIPE_SECRET_KEY" in view.summary


RECORDED_SCHEDULES = [
    ({"interval": "daily", "delay_days": 2}, "daily, 2 days after the charge"),
    ({"interval": "weekly", "weekly_anchor": "friday", "delay_days": 7},
     "weekly on Friday, 7 days after the charge"),
    ({"interval": "monthly", "monthly_anchor": 15, "delay_days": 7},
     "monthly on day 15, 7 days after the charge"),
    ({"interval": "manual", "delay_days": 2}, "manual (only when asked)"),
]  # fmt: skip
"""``settings.payouts.schedule`` of account objects as Stripe's API reference records them."""


def test_payout_schedules_in_stripes_recorded_shape() -> None:
    for schedule, shown in RECORDED_SCHEDULES:
        account = {"id": "acct_1Nv0FGQ9RKHgCVdK", "object": "account",
                   "settings": {"payouts": {"schedule": schedule}}}  # fmt: skip
        assert payout_schedule(account) == shown
    assert payout_schedule({"id": "acct_1", "object": "account"}) == "unknown"


SCHEDULES_IN = {
    "de": [
        "täglich, 2 Tage nach der Zahlung",
        "wöchentlich am Freitag, 7 Tage nach der Zahlung",
        "monatlich am 15. Tag, 7 Tage nach der Zahlung",
        "manuell (nur auf Anforderung)",
    ],
    "fr": [
        "quotidien, 2 jours après le paiement",
        "hebdomadaire le vendredi, 7 jours après le paiement",
        "mensuel le 15 du mois, 7 jours après le paiement",
        "manuel (seulement sur demande)",
    ],
}


@pytest.mark.parametrize(("language", "shown"), list(SCHEDULES_IN.items()))
def test_payout_schedules_in_the_members_language(language: str, shown: list[str]) -> None:
    """As the dashboard shows them, through the plugin's catalogs."""
    gettext = gettext_for(choose_locale(language, None), (StripePage.locale_dir,))
    _words, data = text_for(gettext, f"{language}_{language.upper()}")
    for (schedule, _english), expected in zip(RECORDED_SCHEDULES, shown, strict=True):
        account = {"settings": {"payouts": {"schedule": schedule}}}
        assert data(payout_schedule(account)) == expected


def test_a_payout_row_in_german() -> None:
    gettext = gettext_for(choose_locale("de", None), (StripePage.locale_dir,))
    _words, data = text_for(gettext, "de_DE")
    (row,) = payout_rows([RECORDED_PAYOUT])
    shown = [data(cell) for cell in row.cells]
    assert shown[2] == "unterwegs"
    assert shown[4] == "Standard"
    assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", shown[3])
    assert shown[1].endswith("\xa0$")


def _connect(
    app: HoudiniPay, nonprofit: NonprofitRecord, account: str = "acct_1Nv0FGQ9RKHgCVdK"
) -> str:
    with app.unit_of_work() as uow:
        uow.session.add(StripeAccount(nonprofit_id=nonprofit.id, account_id=account))
    return account


def test_an_owner_is_sent_to_a_stripe_hosted_account_link(
    app: HoudiniPay, nonprofit: NonprofitRecord, localstripe: LocalStripe
) -> None:
    account = _connect(app, nonprofit)
    page = StripePage(app)
    assert page.action_role == "owner"
    (form,) = page.view(nonprofit).forms
    # localstripe has no accounts, so nothing says the details are in: onboarding.
    assert form.action == "onboarding_link"
    back = "https://pay.example.org/admin/plugins/stripe"
    sent = page.act(nonprofit, "onboarding_link", {}, page_url=back)
    assert isinstance(sent, AdminRedirect)
    assert sent.url.startswith(f"https://connect.stripe.com/setup/c/{account}/")
    (request,) = localstripe.sent("POST", "/v1/account_links")
    assert request.stripe_account is None  # made by the platform, for the account
    assert request.params == {
        "account": account,
        "refresh_url": back,
        "return_url": back,
        "type": "account_onboarding",
    }
    page.act(nonprofit, "update_link", {}, page_url=back)
    assert localstripe.sent("POST", "/v1/account_links")[1].params["type"] == "account_update"


def test_an_account_whose_details_are_in_is_offered_an_update() -> None:
    form = StripePage._link_form({"id": "acct_1", "object": "account", "details_submitted": True})
    assert form.action == "update_link"
    assert LINK_TYPES[form.action] == "account_update"


def test_without_a_connect_account_the_page_says_so_and_makes_no_link(
    app: HoudiniPay, nonprofit: NonprofitRecord, localstripe: LocalStripe
) -> None:
    page = StripePage(app)
    view = page.view(nonprofit)
    assert view.forms == []
    assert "no Stripe Connect account" in dict(view.facts)["Bank account"]
    with pytest.raises(InvalidRequest) as refused:
        page.act(nonprofit, "onboarding_link", {}, page_url="https://pay.example.org/")
    assert refused.value.code == "no_connect_account"
    assert localstripe.sent("POST", "/v1/account_links") == []


def test_localstripe_refuses_an_account_link_as_stripe_does(localstripe: LocalStripe) -> None:
    client = localstripe.client()
    with pytest.raises(stripe.InvalidRequestError, match="Missing required param: account"):
        client.v1.account_links.create(params={"type": "account_onboarding"})  # type: ignore[typeddict-item]
    with pytest.raises(stripe.InvalidRequestError, match="Invalid type"):
        client.v1.account_links.create(params={"account": "acct_1", "type": "x"})  # type: ignore[typeddict-item]
    link = client.v1.account_links.create(params={"account": "acct_1", "type": "account_update"})
    assert link.object == "account_link"
    assert link.expires_at - link.created == ACCOUNT_LINK_SECONDS
    assert recorded_account_link("acct_1", created=1680577733)["expires_at"] == 1680578033
