"""The ``stripe`` processor: card charges through PaymentIntents, refunds, lookups, webhooks.

Every charge is one PaymentIntent made in two steps: created unconfirmed (nothing can move
yet), its id recorded on the attempt (``ChargeRequest.record_reference``), then confirmed.
Both requests carry idempotency keys made of the attempt's id, which is also in the
intent's metadata (``attempt_id``), so a retried request never charges twice. Because the
id is recorded before the money can move, reconciliation retrieves that very intent, a
consistent answer, instead of searching Stripe (whose search is eventually consistent and
whose lists would have to be read to the end): an attempt with no id recorded was never
confirmed, and an intent recorded but never confirmed is cancelled before the attempt is
failed. On-session charges that need 3-D Secure come back ``requires_action`` with the
client secret for Stripe.js; the webhook reports the outcome. Off-session charges
(recurring runs) that need the supporter fail with the decline code
``authentication_required``.

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
from stripe.params import (
    PaymentIntentConfirmParams,
    PaymentIntentCreateParams,
    RefundCreateParams,
)

from houdini_pay import (
    Capability,
    ChargeRequest,
    ChargeResult,
    FeeRule,
    LookupRequest,
    MissingSetting,
    NonprofitRecord,
    Processor,
    ProcessorEvent,
    RefundRequest,
    RefundResult,
)
from houdini_pay.errors import ConfigurationError, InvalidRequest
from houdini_pay_stripe.api import SECRET_KEY_ENV, StripeApi
from houdini_pay_stripe.events import StripeEvents
from houdini_pay_stripe.fees import FeeSettingError, fee_problems, fee_rule_for
from houdini_pay_stripe.form import SETUP_FUTURE_USAGE, page_problems
from houdini_pay_stripe.lookups import RECORDED_BEFORE_CONFIRMING, StripeLookups
from houdini_pay_stripe.models import PLATFORM, StripeAccount, StripePaymentMethod
from houdini_pay_stripe.objects import application_fee, as_dict
from houdini_pay_stripe.results import (
    UNKNOWN_ERRORS,
    card_failure,
    intent_result,
    options_for,
    prorated_fee,
    refund_result,
)

__all__ = ["RECORDED_BEFORE_CONFIRMING", "SETUP_FUTURE_USAGE", "StripeProcessor"]

log = logging.getLogger(__name__)

_METADATA_LIMIT = 500
"""Stripe's limit on one metadata value, in characters."""

_CONFIRM_SUFFIX = ":confirm"
"""Appended to the attempt's id: the idempotency key of the confirming request."""


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
            Capability.CANCEL,
        }
    )
    source_types = ("stripe_payment_method",)
    requires_source = True

    def __init__(self, api: StripeApi) -> None:
        self.api = api
        self.events = StripeEvents(api)
        self.lookups = StripeLookups(api)

    def missing_settings(self) -> Sequence[MissingSetting]:
        """The secret key and webhook secret (for charges), the publishable key and
        Stripe.js's address (for the donor pages' card form), when unset or malformed."""
        return [
            *self.api.missing_settings(),
            *page_problems(self.api.settings),
            *fee_problems(self.api.settings.environ),
        ]

    def fee_rule(self, nonprofit: NonprofitRecord, currency: str) -> FeeRule | None:
        """Stripe's expected fee in ``currency``, from the settings (see
        :mod:`houdini_pay_stripe.fees`); None when a fee setting is malformed."""
        try:
            return fee_rule_for(self.api.settings.environ, currency)
        except FeeSettingError:
            return None  # missing_settings() reports it

    # -- charges ------------------------------------------------------------------------

    def validate_request(self, request: ChargeRequest) -> None:
        """Refuse a processing object other than ``{"setup_future_usage": "off_session"}``
        (the card comes from the source); check the key."""
        extra = set(request.processing_object) - {SETUP_FUTURE_USAGE}
        usage = request.processing_object.get(SETUP_FUTURE_USAGE, "off_session")
        if extra or usage != "off_session":
            raise InvalidRequest(
                "the stripe processor takes no processing object but "
                '{"setup_future_usage": "off_session"} (save the card for the repeats of a '
                "gift): the card comes from the source (a stripe_payment_method)",
                code="invalid_processing_object",
            )
        self.api.check()

    def prepare_charge(self, session: Session, request: ChargeRequest) -> Mapping[str, Any]:
        """Load the source's customer and payment method and the nonprofit's Connect account."""
        assert request.source is not None  # requires_source: the core checked it
        method = session.get(StripePaymentMethod, (request.nonprofit_id, request.source.id))
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
            # Kept with the attempt: its intent's id is recorded before it is confirmed.
            RECORDED_BEFORE_CONFIRMING: True,
        }
        if account is not None:
            data["stripe_account"] = account.account_id
            fee = application_fee(request.amount, account.platform_fee_bps)
            if fee:
                data["application_fee_amount"] = fee
        return data

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Create the attempt's PaymentIntent, record its id, then confirm it."""
        data = request.processor_data
        account = data.get("stripe_account")
        try:
            created = self._create(request, idempotency_key)
            if request.record_reference is not None:
                # Raises if the attempt no longer takes it: then nothing is confirmed.
                request.record_reference(created.id)
            intent = self.api.client.v1.payment_intents.confirm(
                created.id,
                self._confirm_params(request),
                options_for(account, idempotency_key=f"{idempotency_key}{_CONFIRM_SUFFIX}"),
            )
        except stripe.CardError as exc:
            return card_failure(exc)
        except UNKNOWN_ERRORS as exc:
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

    def _create(self, request: ChargeRequest, idempotency_key: str) -> stripe.PaymentIntent:
        """The attempt's PaymentIntent, unconfirmed: it cannot move money yet."""
        data = request.processor_data
        params: PaymentIntentCreateParams = {
            "amount": request.amount,
            "currency": request.currency.lower(),
            "customer": data["customer"],
            "payment_method": data["payment_method"],
            # Cards only: no redirect-based method can come up, so no return_url is needed.
            "allowed_payment_method_types": ["card"],
            "capture_method": "automatic",
            "metadata": self._metadata(request),
        }
        if request.description:
            params["description"] = request.description[:_METADATA_LIMIT]
        if data.get("application_fee_amount"):
            params["application_fee_amount"] = int(data["application_fee_amount"])
        if request.processing_object.get(SETUP_FUTURE_USAGE) == "off_session":
            # The gift repeats: the one authentication the bank asks for this charge also
            # lets the renewals be charged without the donor.
            params["setup_future_usage"] = "off_session"
        return self.api.client.v1.payment_intents.create(
            params, options_for(data.get("stripe_account"), idempotency_key=idempotency_key)
        )

    @staticmethod
    def _confirm_params(request: ChargeRequest) -> PaymentIntentConfirmParams:
        params: PaymentIntentConfirmParams = {"expand": ["latest_charge.balance_transaction"]}
        if request.off_session:
            params["off_session"] = True
        return params

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
        except UNKNOWN_ERRORS as exc:
            return RefundResult.unknown(f"Stripe did not answer clearly ({type(exc).__name__})")
        except stripe.StripeError as exc:
            return RefundResult.failed(exc.user_message or "Stripe refused the refund")
        return refund_result(
            as_dict(refund),
            fee_refunded=prorated_fee(fee, request.amount, request.payment_amount),
        )

    # -- reconciliation -------------------------------------------------------------------

    def lookup_charge(self, request: LookupRequest) -> ChargeResult | None:
        """The attempt's PaymentIntent as Stripe has it now; None if none was confirmed.

        How it is found is told in :meth:`.StripeLookups.lookup_charge`.
        """
        return self.lookups.lookup_charge(request)

    def cancel_charge(self, request: LookupRequest) -> ChargeResult:
        """Cancel the attempt's PaymentIntent (abandoned at 3-D Secure); report where it is."""
        return self.lookups.cancel_charge(request)

    def lookup_refund(self, request: LookupRequest) -> RefundResult | None:
        """Find a refund by its reference or its ``idempotency_key`` metadata."""
        return self.lookups.lookup_refund(request)

    # -- webhooks -------------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ProcessorEvent]:
        """Verify ``Stripe-Signature`` on the raw body and translate the event."""
        return [self.events.translate(self.events.verify(headers, body))]
