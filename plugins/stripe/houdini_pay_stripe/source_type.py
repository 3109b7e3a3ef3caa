"""The ``stripe_payment_method`` source type: a card saved on the supporter's Stripe Customer.

Source object: ``{"payment_method": "pm_..."}``, what the front end gets from Stripe.js
(created on the nonprofit's Connect account when it has one). Storing it creates the
supporter's Stripe Customer on that account, or reuses it, attaches the payment method to
it, and keeps the card's brand, last four digits and expiry in ``stripe_payment_methods``.
No card number ever reaches houdini-pay.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from houdini_pay import NewSource, SourceRecord, SourceRequest, SourceType
from houdini_pay.errors import InvalidRequest
from houdini_pay_stripe.api import StripeApi, stripe_errors
from houdini_pay_stripe.models import PLATFORM, StripeAccount, StripeCustomer, StripePaymentMethod
from houdini_pay_stripe.objects import as_dict, card_name, ref_id
from houdini_pay_stripe.results import options_for

if TYPE_CHECKING:
    from houdini_pay import HoudiniPay

__all__ = ["StripePaymentMethodSourceType"]

_PAYMENT_METHOD_ID = re.compile(r"pm_[A-Za-z0-9_]{1,250}")


def _invalid(message: str) -> InvalidRequest:
    return InvalidRequest(message, code="invalid_source_object")


def _payment_method_id(source_object: Any) -> str:
    if set(source_object) != {"payment_method"}:
        raise _invalid('a stripe_payment_method source object is {"payment_method": "pm_..."}')
    value = source_object["payment_method"]
    if not isinstance(value, str) or not _PAYMENT_METHOD_ID.fullmatch(value):
        raise _invalid(f"payment_method must be a Stripe payment method id (pm_...), not {value!r}")
    return value


class StripePaymentMethodSourceType(SourceType):
    """Cards from Stripe.js, saved on the supporter's Stripe Customer; see the module docstring."""

    symbol = "stripe_payment_method"
    processor = "stripe"
    display_name = "Card (Stripe)"

    def __init__(self, app: HoudiniPay, api: StripeApi) -> None:
        self.app = app
        self.api = api

    def create(self, request: SourceRequest) -> NewSource:
        """Attach the payment method to the supporter's Customer (created if need be)."""
        method_id = _payment_method_id(request.source_object)
        client = self.api.client
        account, customer_id = self._known(request)
        options = options_for(account or None)

        def attach() -> tuple[dict[str, Any], str, bool]:
            method = as_dict(client.v1.payment_methods.retrieve(method_id, options=options))
            if method.get("type") != "card":
                raise _invalid(f"only card payment methods are taken, not {method.get('type')!r}")
            customer, created = customer_id, False
            if customer is None:
                customer, created = self._create_customer(request, account), True
            owner = ref_id(method.get("customer"))
            if owner is None:
                method = as_dict(
                    client.v1.payment_methods.attach(
                        str(method["id"]), {"customer": customer}, options
                    )
                )
            elif owner != customer:
                raise _invalid("this payment method belongs to another Stripe customer")
            return method, customer, created

        method, customer, created = stripe_errors("the card could not be saved", attach)
        card = as_dict(method.get("card"))
        return NewSource(
            processor_reference=str(method["id"]),
            name=card_name(card),
            details={
                "customer_id": customer,
                "customer_created": created,
                "stripe_account": account,
                "brand": card.get("brand"),
                "last4": card.get("last4"),
                "exp_month": card.get("exp_month"),
                "exp_year": card.get("exp_year"),
            },
        )

    def _known(self, request: SourceRequest) -> tuple[str, str | None]:
        """The nonprofit's Connect account (``""`` for the platform) and the customer on it."""
        with self.app.session() as session:
            connected = session.get(StripeAccount, request.nonprofit.id)
            account = connected.account_id if connected else PLATFORM
            customer = session.scalar(
                select(StripeCustomer.customer_id).where(
                    StripeCustomer.supporter_id == request.supporter.id,
                    StripeCustomer.stripe_account == account,
                )
            )
        return account, customer

    def _create_customer(self, request: SourceRequest, account: str) -> str:
        supporter = request.supporter
        params: dict[str, Any] = {
            "name": supporter.name,
            "metadata": {"supporter_id": supporter.id, "nonprofit_id": supporter.nonprofit_id},
        }
        if supporter.email:
            params["email"] = supporter.email
        # One customer per supporter and account, even when two cards are saved at once.
        key = f"customer-{supporter.id}-{account or 'platform'}"
        customer = self.api.client.v1.customers.create(
            params,  # type: ignore[arg-type]
            options_for(account or None, idempotency_key=key),
        )
        return str(customer.id)

    def save(self, session: Session, source: SourceRecord, new: NewSource) -> None:
        """Keep the card's display facts, and the supporter's customer for the next card."""
        details = new.details
        session.add(
            StripePaymentMethod(
                source_id=source.id,
                nonprofit_id=source.nonprofit_id,
                payment_method_id=new.processor_reference,
                customer_id=details["customer_id"],
                stripe_account=details["stripe_account"],
                brand=details.get("brand"),
                last4=details.get("last4"),
                exp_month=details.get("exp_month"),
                exp_year=details.get("exp_year"),
            )
        )
        if details["customer_created"]:
            try:
                with session.begin_nested():
                    session.add(
                        StripeCustomer(
                            nonprofit_id=source.nonprofit_id,
                            supporter_id=source.supporter_id,
                            stripe_account=details["stripe_account"],
                            customer_id=details["customer_id"],
                        )
                    )
            except IntegrityError:
                # Another card of the same supporter was saved at the same moment and
                # recorded the customer first; this card keeps its own customer id.
                pass
