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
    ChargeStatus,
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

__all__ = ["RECORDED_BEFORE_CONFIRMING", "StripeProcessor"]

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

_CONFIRM_SUFFIX = ":confirm"
"""Appended to the attempt's id: the idempotency key of the confirming request."""

RECORDED_BEFORE_CONFIRMING = "recorded_before_confirming"
"""Key of the charge's processor data: its intent's id was recorded before confirming."""


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
        """The attempt's PaymentIntent as Stripe has it now; None if none was confirmed.

        With the intent's id recorded (``request.reference``), it is retrieved: a
        consistent answer. An intent recorded but never confirmed (the process stopped
        between the two steps) is cancelled first, so nothing can confirm it later. With
        no id recorded, an attempt made in two steps was never confirmed. An attempt made
        before charges took two steps is looked for among every charge of the customer;
        if it is not there, an intent that never reached a charge cannot be ruled out and
        the answer is unknown, for a person to check.
        """
        stored = request.stored_request
        data = stored.processor_data if stored else {}
        account = data.get("stripe_account")
        if request.reference and request.reference.startswith("pi_"):
            intent = self._retrieve(request.reference, account)
            if intent.get("status") == "requires_confirmation":
                return self._never_confirmed(intent, account)
        elif data.get(RECORDED_BEFORE_CONFIRMING):
            return None
        else:
            found = self._find_intent(request, data.get("customer"), account)
            if found is None:
                return ChargeResult.unknown(
                    "no charge of the customer on Stripe carries this attempt, but a payment "
                    "made before houdini-pay recorded intents first may have stopped short of "
                    "a charge; look for the attempt id in Stripe's dashboard"
                )
            intent = found
        return intent_result(
            self.api.client,
            intent,
            stripe_account=account,
            off_session=stored.off_session if stored else False,
            card=data.get("card"),
        )

    def _retrieve(self, intent_id: str, account: str | None) -> dict[str, Any]:
        return as_dict(
            self.api.client.v1.payment_intents.retrieve(
                intent_id,
                params={"expand": ["latest_charge.balance_transaction"]},
                options=options_for(account),
            )
        )

    def _never_confirmed(self, intent: dict[str, Any], account: str | None) -> ChargeResult | None:
        """Cancel an intent that was never confirmed: None once nothing can charge it."""
        result = self._cancel(str(intent["id"]), account, off_session=False)
        return None if result.status is ChargeStatus.FAILED else result

    def cancel_charge(self, request: LookupRequest) -> ChargeResult:
        """Cancel the attempt's PaymentIntent (abandoned at 3-D Secure); report where it is.

        If the supporter completed it meanwhile, Stripe refuses to cancel and the intent
        is reported as it stands (succeeded, or processing), so the payment is recorded.
        """
        stored = request.stored_request
        data = stored.processor_data if stored else {}
        if not (request.reference and request.reference.startswith("pi_")):
            return ChargeResult.unknown("the attempt has no PaymentIntent recorded to cancel")
        return self._cancel(
            request.reference,
            data.get("stripe_account"),
            off_session=stored.off_session if stored else False,
        )

    def _cancel(self, intent_id: str, account: str | None, *, off_session: bool) -> ChargeResult:
        client = self.api.client
        try:
            intent = client.v1.payment_intents.cancel(
                intent_id,
                {"cancellation_reason": "abandoned", "expand": ["latest_charge"]},
                options_for(account),
            )
        except stripe.InvalidRequestError:
            # Not cancellable any more: it moved on (succeeded, processing) or was already
            # cancelled. Report where it stands.
            found = self._retrieve(intent_id, account)
        except _UNKNOWN_ERRORS as exc:
            return ChargeResult.unknown(f"Stripe did not answer clearly ({type(exc).__name__})")
        else:
            found = as_dict(intent)
        return intent_result(client, found, stripe_account=account, off_session=off_session)

    def _find_intent(
        self, request: LookupRequest, customer: str | None, account: str | None
    ) -> dict[str, Any] | None:
        """The attempt's intent among every charge of the customer (each page, to the end:
        Stripe's search is eventually consistent and would not rule anything out)."""
        if not customer:
            return None
        client = self.api.client
        charges = client.v1.charges.list({"customer": customer, "limit": 100}, options_for(account))
        seen: set[str] = set()
        for charge in charges.auto_paging_iter():
            found = as_dict(charge)
            if found.get("amount") != request.amount:
                continue
            intent_id = ref_id(found.get("payment_intent"))
            if intent_id is None or intent_id in seen:
                continue
            seen.add(intent_id)
            intent = self._retrieve(intent_id, account)
            if metadata_of(intent).get("attempt_id") == request.attempt_id:
                return intent
        return None

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
