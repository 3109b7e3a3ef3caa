"""Reconciliation with Stripe: what it has now for an attempt's charge or a refund.

The pipeline asks when an attempt's outcome is not known (a crash, a timeout, an answer
Stripe did not give clearly) and when a supporter abandoned 3-D Secure. Because a charge's
PaymentIntent id is recorded before it is confirmed (:data:`RECORDED_BEFORE_CONFIRMING`),
the intent is retrieved by id, a consistent answer, rather than searched for.
"""

from __future__ import annotations

from typing import Any

import stripe

from houdini_pay import ChargeResult, ChargeStatus, LookupRequest, RefundResult
from houdini_pay_stripe.api import StripeApi
from houdini_pay_stripe.objects import as_dict, metadata_of, ref_id
from houdini_pay_stripe.results import UNKNOWN_ERRORS, intent_result, options_for, refund_result

__all__ = ["RECORDED_BEFORE_CONFIRMING", "StripeLookups"]

RECORDED_BEFORE_CONFIRMING = "recorded_before_confirming"
"""Key of the charge's processor data: its intent's id was recorded before confirming."""


class StripeLookups:
    """Reads back and cancels intents, and finds refunds, with the application's Stripe client."""

    def __init__(self, api: StripeApi) -> None:
        self.api = api

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
        except UNKNOWN_ERRORS as exc:
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
