"""The ``stripe`` processor: card charges through PaymentIntents, refunds, lookups, webhooks.

Every charge is one ``POST /v1/payment_intents`` with ``confirm=true``, the attempt's id as
Stripe's idempotency key and in the intent's metadata (``attempt_id``), so a retried request
never charges twice and reconciliation can find the intent again. On-session charges that
need 3-D Secure come back ``requires_action`` with the client secret for Stripe.js; the
webhook reports the outcome. Off-session charges (recurring runs) that need the supporter
fail with the decline code ``authentication_required``.

With a Connect account for the nonprofit, charges are direct charges on that account
(``Stripe-Account``), with the platform's fee as ``application_fee_amount``; refunds give
that fee back pro rata (``refund_application_fee``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import stripe
from sqlalchemy.orm import Session
from stripe.params import PaymentIntentCreateParams, RefundCreateParams

from houdini_pay import (
    Capability,
    ChargeRequest,
    ChargeResult,
    LookupRequest,
    MissingSetting,
    Processor,
    ProcessorEvent,
    RefundRequest,
    RefundResult,
)
from houdini_pay.errors import ConfigurationError, InvalidRequest
from houdini_pay_stripe.api import SECRET_KEY_ENV, StripeApi
from houdini_pay_stripe.events import StripeEvents
from houdini_pay_stripe.form import page_problems
from houdini_pay_stripe.models import PLATFORM, StripeAccount, StripePaymentMethod
from houdini_pay_stripe.objects import application_fee, as_dict, metadata_of, ref_id
from houdini_pay_stripe.results import (
    card_failure,
    intent_result,
    options_for,
    prorated_fee,
    refund_result,
)

__all__ = ["StripeProcessor"]

log = logging.getLogger(__name__)

_METADATA_LIMIT = 500
"""Stripe's limit on one metadata value, in characters."""

_UNKNOWN_ERRORS = (
    stripe.APIConnectionError,
    stripe.APIError,
    stripe.RateLimitError,
    stripe.IdempotencyError,
)
"""Errors after which Stripe may or may not have acted: never reported as failed."""

_STATUS_PREFERENCE = ("succeeded", "processing", "requires_action")


class StripeProcessor(Processor):
    """Charges cards saved as ``stripe_payment_method`` sources; see the module docstring."""

    symbol = "stripe"
    display_name = "Stripe"
    capabilities = frozenset(
        {
            Capability.REFUNDS,
            Capability.PARTIAL_REFUNDS,
            Capability.DISPUTES,
            Capability.WEBHOOKS,
            Capability.OFF_SESSION,
            Capability.LOOKUP,
            Capability.PAYOUTS,
        }
    )
    source_types = ("stripe_payment_method",)
    requires_source = True

    def __init__(self, api: StripeApi) -> None:
        self.api = api
        self.events = StripeEvents(api)

    def missing_settings(self) -> Sequence[MissingSetting]:
        """The secret key and webhook secret (for charges), the publishable key and
        Stripe.js's address (for the donor pages' card form), when unset or malformed."""
        return [*self.api.missing_settings(), *page_problems(self.api.settings)]

    # -- charges ------------------------------------------------------------------------

    def validate_request(self, request: ChargeRequest) -> None:
        """Refuse a processing object (the card comes from the source); check the key."""
        if request.processing_object:
            raise InvalidRequest(
                "the stripe processor takes no processing object: the card comes from the "
                "source (a stripe_payment_method)",
                code="invalid_processing_object",
            )
        self.api.check()

    def prepare_charge(self, session: Session, request: ChargeRequest) -> Mapping[str, Any]:
        """Load the source's customer and payment method and the nonprofit's Connect account."""
        assert request.source is not None  # requires_source: the core checked it
        method = session.get(StripePaymentMethod, request.source.id)
        if method is None or method.nonprofit_id != request.nonprofit_id:
            raise InvalidRequest(
                f"source {request.source.id!r} has no Stripe payment method on record",
                code="invalid_source",
            )
        account = session.get(StripeAccount, request.nonprofit_id)
        account_id = account.account_id if account else PLATFORM
        if method.stripe_account != account_id:
            raise InvalidRequest(
                "this card was saved for another Stripe account than the nonprofit's "
                "current one; the supporter must enter it again",
                code="stripe_account_mismatch",
            )
        data: dict[str, Any] = {
            "customer": method.customer_id,
            "payment_method": method.payment_method_id,
            "card": {"brand": method.brand, "last4": method.last4},
        }
        if account is not None:
            data["stripe_account"] = account.account_id
            fee = application_fee(request.amount, account.platform_fee_bps)
            if fee:
                data["application_fee_amount"] = fee
        return data

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Create and confirm one PaymentIntent, keyed by the attempt."""
        data = request.processor_data
        account = data.get("stripe_account")
        params: PaymentIntentCreateParams = {
            "amount": request.amount,
            "currency": request.currency.lower(),
            "customer": data["customer"],
            "payment_method": data["payment_method"],
            # Cards only: no redirect-based method can come up, so no return_url is needed.
            "allowed_payment_method_types": ["card"],
            "capture_method": "automatic",
            "confirm": True,
            "metadata": self._metadata(request),
            "expand": ["latest_charge.balance_transaction"],
        }
        if request.description:
            params["description"] = request.description[:_METADATA_LIMIT]
        if request.off_session:
            params["off_session"] = True
        if data.get("application_fee_amount"):
            params["application_fee_amount"] = int(data["application_fee_amount"])
        try:
            intent = self.api.client.v1.payment_intents.create(
                params, options_for(account, idempotency_key=idempotency_key)
            )
        except stripe.CardError as exc:
            return card_failure(exc)
        except _UNKNOWN_ERRORS as exc:
            return ChargeResult.unknown(f"Stripe did not answer clearly ({type(exc).__name__})")
        except stripe.AuthenticationError:
            return ChargeResult.failed(
                f"Stripe refused the API key in {SECRET_KEY_ENV}", decline_code="stripe_auth"
            )
        except stripe.StripeError as exc:
            # Stripe refused the request itself (an amount below its minimum, a detached
            # card): nothing was charged.
            return ChargeResult.failed(
                exc.user_message or "Stripe refused the payment",
                decline_code=exc.code or "invalid_request",
            )
        return intent_result(
            self.api.client,
            as_dict(intent),
            stripe_account=account,
            off_session=request.off_session,
            card=data.get("card"),
        )

    def _metadata(self, request: ChargeRequest) -> dict[str, str]:
        metadata = {
            **request.metadata,
            "attempt_id": request.attempt_id,
            "nonprofit_id": request.nonprofit_id,
            "supporter_id": request.supporter_id,
            "payment_type": request.payment_type,
        }
        return {k: str(v)[:_METADATA_LIMIT] for k, v in metadata.items()}

    # -- refunds ------------------------------------------------------------------------

    def refund(self, request: RefundRequest, *, idempotency_key: str) -> RefundResult:
        """Refund part or all of a PaymentIntent; with Connect, the platform fee pro rata."""
        reference = request.payment_reference
        if not reference:
            return RefundResult.failed("the payment has no Stripe reference to refund")
        try:
            self.api.check()
        except ConfigurationError as exc:
            return RefundResult.failed(exc.message)
        data = request.processor_data
        metadata = {**request.metadata, "idempotency_key": idempotency_key}
        if request.reason:
            metadata["reason"] = request.reason
        params: RefundCreateParams = {
            "amount": request.amount,
            "metadata": {k: str(v)[:_METADATA_LIMIT] for k, v in metadata.items()},
        }
        if reference.startswith("pi_"):
            params["payment_intent"] = reference
        else:
            params["charge"] = reference
        fee = data.get("application_fee_amount")
        if fee:
            params["refund_application_fee"] = True
        try:
            refund = self.api.client.v1.refunds.create(
                params,
                options_for(data.get("stripe_account"), idempotency_key=idempotency_key),
            )
        except _UNKNOWN_ERRORS as exc:
            return RefundResult.unknown(f"Stripe did not answer clearly ({type(exc).__name__})")
        except stripe.StripeError as exc:
            return RefundResult.failed(exc.user_message or "Stripe refused the refund")
        return refund_result(
            as_dict(refund),
            fee_refunded=prorated_fee(fee, request.amount, request.payment_amount),
        )

    # -- reconciliation -------------------------------------------------------------------

    def lookup_charge(self, request: LookupRequest) -> ChargeResult | None:
        """Find the attempt's PaymentIntent by its reference or its ``attempt_id`` metadata."""
        stored = request.stored_request
        data = stored.processor_data if stored else {}
        account = data.get("stripe_account")
        client = self.api.client
        expand = ["latest_charge.balance_transaction"]
        if request.reference and request.reference.startswith("pi_"):
            intent = as_dict(
                client.v1.payment_intents.retrieve(
                    request.reference, params={"expand": expand}, options=options_for(account)
                )
            )
        else:
            found = self._find_intent(request.attempt_id, data.get("customer"), account)
            if found is None:
                return None
            intent = found
        return intent_result(
            client,
            intent,
            stripe_account=account,
            off_session=stored.off_session if stored else False,
            card=data.get("card"),
        )

    def _find_intent(
        self, attempt_id: str, customer: str | None, account: str | None
    ) -> dict[str, Any] | None:
        client = self.api.client
        try:
            page = client.v1.payment_intents.search(
                {"query": f"metadata['attempt_id']:'{attempt_id}'", "limit": 10},
                options_for(account),
            )
            candidates = [as_dict(intent) for intent in page.data]
        except stripe.InvalidRequestError:
            # Search is not offered everywhere (nor by every Stripe-compatible test server):
            # look through the customer's recent charges instead.
            candidates = self._intents_of_customer(customer, account, attempt_id)
        matching = [c for c in candidates if metadata_of(c).get("attempt_id") == attempt_id]
        if not matching:
            return None
        return min(matching, key=_preference)

    def _intents_of_customer(
        self, customer: str | None, account: str | None, attempt_id: str
    ) -> list[dict[str, Any]]:
        if not customer:
            return []
        client = self.api.client
        charges = client.v1.charges.list({"customer": customer, "limit": 100}, options_for(account))
        seen: set[str] = set()
        for charge in charges.data:
            intent_id = ref_id(as_dict(charge).get("payment_intent"))
            if intent_id is None or intent_id in seen:
                continue
            seen.add(intent_id)
            intent = as_dict(
                client.v1.payment_intents.retrieve(intent_id, options=options_for(account))
            )
            if metadata_of(intent).get("attempt_id") == attempt_id:
                return [intent]
        return []

    def lookup_refund(self, request: LookupRequest) -> RefundResult | None:
        """Find a refund by its reference or its ``idempotency_key`` metadata."""
        stored = request.stored_request
        data = stored.processor_data if stored else {}
        account = data.get("stripe_account")
        client = self.api.client
        if request.reference and request.reference.startswith("re_"):
            return refund_result(
                as_dict(client.v1.refunds.retrieve(request.reference, options=options_for(account)))
            )
        target = request.payment_reference
        if not target:
            return RefundResult.unknown("the refunded payment's Stripe reference is not known")
        params: dict[str, Any] = {"limit": 100}
        params["payment_intent" if target.startswith("pi_") else "charge"] = target
        for refund in client.v1.refunds.list(params, options_for(account)).auto_paging_iter():  # type: ignore[arg-type]
            found = as_dict(refund)
            if metadata_of(found).get("idempotency_key") == request.idempotency_key:
                return refund_result(found)
        return None

    # -- webhooks -------------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ProcessorEvent]:
        """Verify ``Stripe-Signature`` on the raw body and translate the event."""
        return [self.events.translate(self.events.verify(headers, body))]


def _preference(intent: Mapping[str, Any]) -> int:
    status = intent.get("status")
    return (
        _STATUS_PREFERENCE.index(status)
        if status in _STATUS_PREFERENCE
        else len(_STATUS_PREFERENCE)
    )
