"""Saving a new card for later charges, with 3-D Secure when the bank asks (a SetupIntent).

Used when a donor replaces the card of a recurring gift on its manage page, in Stripe's own
order: the server creates a SetupIntent (``usage=off_session``) on the supporter's Customer;
the page confirms it with the card Element (``stripe.confirmCardSetup``), which makes the
payment method and asks the bank, once, if it wants 3-D Secure; the page then names the
SetupIntent, and the server reads it back from Stripe: only a succeeded SetupIntent of this
supporter's Customer, made for this supporter, gives a card to store. Nothing the browser
says about the card is trusted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from houdini_pay import HoudiniPay
from houdini_pay.errors import InvalidRequest
from houdini_pay_stripe.api import StripeApi, stripe_errors
from houdini_pay_stripe.models import PLATFORM, StripeAccount, StripeCustomer
from houdini_pay_stripe.objects import as_dict, ref_id
from houdini_pay_stripe.results import options_for

__all__ = ["setup_card"]

_ACTION = "the card could not be saved"


def _customer(app: HoudiniPay, nonprofit_id: str, supporter_id: str) -> tuple[str, str | None]:
    """The supporter's Customer and the Connect account it lives on (None: the platform)."""
    with app.session() as session:
        connected = session.get(StripeAccount, nonprofit_id)
        account = connected.account_id if connected else PLATFORM
        customer = session.scalar(
            select(StripeCustomer.customer_id).where(
                StripeCustomer.nonprofit_id == nonprofit_id,
                StripeCustomer.supporter_id == supporter_id,
                StripeCustomer.stripe_account == account,
            )
        )
    if customer is None:
        raise InvalidRequest("this supporter has no card with Stripe", code="no_stripe_customer")
    return customer, account or None


def setup_card(
    app: HoudiniPay,
    api: StripeApi,
    nonprofit_id: str,
    supporter_id: str,
    *,
    setup: str | None = None,
) -> dict[str, Any]:
    """Start saving a card for ``supporter_id``, or read back the SetupIntent ``setup``.

    Returns ``{"status": "requires_confirmation", "next_action": {"client_secret": ...}}``
    to start; then ``{"status": "succeeded", "source_object": {"payment_method": ...}}``
    (the source to store) or ``{"status": "failed"}``.
    """
    client = api.client
    customer, account = _customer(app, nonprofit_id, supporter_id)
    if setup is None:
        params = {
            "customer": customer,
            "usage": "off_session",
            "payment_method_types": ["card"],
            "metadata": {"supporter_id": supporter_id, "nonprofit_id": nonprofit_id},
        }
        intent = stripe_errors(
            _ACTION,
            lambda: as_dict(
                client.v1.setup_intents.create(params, options_for(account))  # type: ignore[arg-type]
            ),
        )
        next_action = {"client_secret": intent.get("client_secret"), "setup": intent["id"]}
        return {"status": "requires_confirmation", "next_action": next_action}
    intent = stripe_errors(
        _ACTION,
        lambda: as_dict(client.v1.setup_intents.retrieve(setup, options=options_for(account))),
    )
    metadata = as_dict(intent.get("metadata"))
    ours = ref_id(intent.get("customer")) == customer and metadata.get("supporter_id") == (
        supporter_id
    )
    if not ours:
        raise InvalidRequest("this confirmation is for another card", code="setup_mismatch")
    method = ref_id(intent.get("payment_method"))
    if intent.get("status") != "succeeded" or method is None:
        return {"status": "failed"}
    return {"status": "succeeded", "source_object": {"payment_method": method}}
