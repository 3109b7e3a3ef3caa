"""The dashboard's Stripe page: the account's available and pending balance and its payouts.

The account is the nonprofit's Connect account (``houdini-pay stripe connect``), or the
platform's own when it has none. Both are read from Stripe at each view, through the same
client as charges; when Stripe cannot be reached, or the processor has no keys, the page
says so instead of failing.

Owners of a nonprofit with a Connect account also get a button that makes a Stripe-hosted
Account Link (``POST /v1/account_links``) and sends them to it, to finish setting the account
up (``account_onboarding``, while Stripe says its details are not all submitted) or to
change its bank account (``account_update``); Stripe sends them back to this page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from houdini_pay import (
    AdminForm,
    AdminPage,
    AdminRedirect,
    AdminRow,
    AdminTable,
    AdminText,
    AdminView,
    HoudiniPay,
    NonprofitRecord,
)
from houdini_pay.errors import HoudiniPayError, InvalidRequest
from houdini_pay_stripe.api import stripe_errors
from houdini_pay_stripe.commands import balance_amounts
from houdini_pay_stripe.models import StripeAccount
from houdini_pay_stripe.processor import StripeProcessor
from houdini_pay_stripe.results import options_for

__all__ = ["LINK_TYPES", "StripePage", "payout_rows", "payout_schedule"]

PAYOUTS_SHOWN = 20
LINK_TYPES = {"onboarding_link": "account_onboarding", "update_link": "account_update"}
"""The page's actions, and the Account Link ``type`` each asks Stripe for."""
STRIPE_CONNECT = "https://connect.stripe.com"
"""Where Stripe's Account Links lead."""
NO_ACCOUNT = (
    "This nonprofit has no Stripe Connect account of its own: its payouts go to the "
    "platform's account, whose bank account is set on Stripe's dashboard. An operator connects "
    "one with houdini-pay stripe connect."
)


def _date(timestamp: Any) -> str:
    if not isinstance(timestamp, int):
        return ""
    return AdminText("{day}", day=dt.datetime.fromtimestamp(timestamp, dt.UTC).date())


_PAYOUT_WORDS = {
    "paid": "paid",
    "pending": "pending",
    "in_transit": "in transit",
    "canceled": "canceled",
    "failed": "failed",
    "standard": "standard",
    "instant": "instant",
}
"""The words of a payout's ``status`` and ``method``, as Stripe's API reference lists them."""


def _word(value: str) -> str:
    """A payout's status or method; one Stripe adds later is shown as it is."""
    return AdminText(_PAYOUT_WORDS[value]) if value in _PAYOUT_WORDS else value


def _money(entry: Mapping[str, Any]) -> str:
    return AdminText.amount(int(entry.get("amount") or 0), str(entry.get("currency", "")).upper())


def payout_rows(payouts: Iterable[Mapping[str, Any]]) -> list[AdminRow]:
    """One row per Stripe payout object: id, amount, status, arrival date, method."""
    return [
        AdminRow(
            [
                str(payout.get("id", "")),
                _money(payout),
                _word(str(payout.get("status", ""))),
                _date(payout.get("arrival_date")),
                _word(str(payout.get("method", ""))),
                str(payout.get("description") or ""),
            ]
        )
        for payout in payouts
    ]


def payout_schedule(account: Mapping[str, Any]) -> str:
    """How often Stripe pays the account out, from a Stripe account object's settings."""
    schedule = account.get("settings", {}).get("payouts", {}).get("schedule") or {}
    interval = str(schedule.get("interval") or "")
    if not interval:
        return AdminText("unknown")
    text = AdminText({"manual": "manual (only when asked)"}.get(interval, interval))
    if interval == "weekly" and schedule.get("weekly_anchor"):
        day = AdminText(str(schedule["weekly_anchor"]).capitalize())
        text = AdminText("{schedule} on {day}", schedule=text, day=day)
    if interval == "monthly" and schedule.get("monthly_anchor"):
        day_number = int(schedule["monthly_anchor"])
        text = AdminText("{schedule} on day {day}", schedule=text, day=day_number)
    if schedule.get("delay_days") is not None and interval != "manual":
        days = int(schedule["delay_days"])
        text = AdminText("{schedule}, {days} days after the charge", schedule=text, days=days)
    return text


class StripePage(AdminPage):
    """``/admin/plugins/stripe``: balance and payouts of the nonprofit's Stripe account."""

    symbol = "stripe"
    title = "Stripe balance"
    locale_dir = Path(__file__).parent / "locale"
    action_role = "owner"
    redirect_origins = (STRIPE_CONNECT,)

    def __init__(self, app: HoudiniPay) -> None:
        self.app = app

    def _account(self, nonprofit: NonprofitRecord) -> str | None:
        with self.app.session() as session:
            row = session.get(StripeAccount, nonprofit.id)
            return row.account_id if row else None

    def view(self, nonprofit: NonprofitRecord) -> AdminView:
        """The balance (available, pending) and the latest payouts, read from Stripe now."""
        account = self._account(nonprofit)
        where = (
            AdminText("Stripe account {account}", account=account)
            if account
            else AdminText("the platform's Stripe account")
        )
        problems: list[str] = []
        facts: list[tuple[str, str]] = [("Account", where)]
        payouts: list[AdminRow] = []
        found_account: Mapping[str, Any] = {}
        try:
            client = self._processor().api.client
            found = stripe_errors(
                "the balance could not be read",
                lambda: client.v1.balance.retrieve(options=options_for(account)),
            ).to_dict()
            for label in ("available", "pending"):
                for entry in balance_amounts(found.get(label)):
                    heading = AdminText(
                        label.capitalize() + " ({currency})", currency=entry["currency"].upper()
                    )
                    facts.append((heading, _money(entry)))
            listed = stripe_errors(
                "the payouts could not be read",
                lambda: client.v1.payouts.list(
                    params={"limit": PAYOUTS_SHOWN}, options=options_for(account)
                ),
            )
            payouts = payout_rows(payout.to_dict() for payout in listed.data)
            found_account = stripe_errors(
                "the payout schedule could not be read",
                lambda: (
                    client.v1.accounts.retrieve(account)
                    if account
                    else client.v1.accounts.retrieve_current()
                ),
            ).to_dict()
            facts.append(("Payout schedule", payout_schedule(found_account)))
        except HoudiniPayError as exc:
            problems.append(str(exc))
        table = AdminTable(
            "Payouts to the bank account, newest first",
            ["Payout", "Amount", "Status", "Arrives", "Method", "Description"],
            payouts,
            empty="No payout to show.",
        )
        summary = AdminText(
            "Balance and payouts of {where}, as Stripe reports them now.", where=where
        )
        if problems:
            summary = AdminText(
                "{summary} {problems}", summary=summary, problems=" ".join(problems)
            )
        if not account:
            facts.append(("Bank account", AdminText(NO_ACCOUNT)))
        forms = [self._link_form(found_account)] if account else []
        return AdminView(summary=summary, facts=facts, tables=[table], forms=forms)

    @staticmethod
    def _link_form(account: Mapping[str, Any]) -> AdminForm:
        """Onboarding until Stripe has every detail it asked for, then updating."""
        if account.get("details_submitted"):
            return AdminForm(
                "update_link",
                "Bank account and details on Stripe",
                [],
                submit="Update the bank account on Stripe",
            )
        return AdminForm(
            "onboarding_link",
            "Set up payouts on Stripe",
            [],
            submit="Continue the set-up on Stripe",
        )

    def act(
        self,
        nonprofit: NonprofitRecord,
        action: str,
        values: Mapping[str, str],
        page_url: str = "",
    ) -> AdminRedirect:
        """Make an Account Link of the nonprofit's Connect account and send the owner to it.

        Raises:
            InvalidRequest: an unknown action, no Connect account, or Stripe refused.
            HoudiniPayError: Stripe could not be reached, or the processor has no keys.
        """
        link_type = LINK_TYPES.get(action)
        if link_type is None:
            raise InvalidRequest(f"this page has no action {action!r}", code="unknown_action")
        account = self._account(nonprofit)
        if not account:
            raise InvalidRequest(NO_ACCOUNT, code="no_connect_account")
        client = self._processor().api.client
        params = {
            "account": account,
            "refresh_url": page_url,
            "return_url": page_url,
            "type": link_type,
        }
        link = stripe_errors(
            "Stripe did not make the link",
            lambda: client.v1.account_links.create(params=params),  # type: ignore[arg-type]
        )
        return AdminRedirect(str(link.url), f"sent to Stripe ({link_type}) for {account}")

    def _processor(self) -> StripeProcessor:
        processor = self.app.registry.processor("stripe")
        assert isinstance(processor, StripeProcessor)
        return processor
