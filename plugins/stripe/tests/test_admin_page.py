"""The dashboard's Stripe page: balance and payouts read from localstripe with the real
library, and a payout in Stripe's recorded shape (localstripe's lack some of its states)."""

from __future__ import annotations

from collections.abc import Callable

from houdini_pay_stripe.admin_page import StripePage, payout_rows, payout_schedule
from houdini_pay_stripe.testing import LocalStripe

from houdini_pay import HoudiniPay, NonprofitRecord

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
    assert dict(view.facts) == {
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
        "in_transit",
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
