"""Stripe's answers, normalized into the results the core applies.

A PaymentIntent becomes a :class:`~houdini_pay.ChargeResult` (succeeded with the fee of its
charge's balance transaction, pending, requires action with the client secret, failed with
the decline code); a Refund becomes a :class:`~houdini_pay.RefundResult`. The charge, the
pipeline's reconciliation and the webhooks all read Stripe through these functions.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import stripe

from houdini_pay import ChargeResult, RefundResult, RefundStatus
from houdini_pay_stripe.api import decline_code
from houdini_pay_stripe.objects import as_dict, expanded, in_currency, ref_id

__all__ = [
    "AUTHENTICATION_REQUIRED",
    "UNKNOWN_ERRORS",
    "card_failure",
    "intent_result",
    "options_for",
    "prorated_fee",
    "refund_result",
]

log = logging.getLogger(__name__)

AUTHENTICATION_REQUIRED = "authentication_required"
"""Decline code of an off-session charge the card's bank wants the supporter to confirm."""

UNKNOWN_ERRORS = (
    stripe.APIConnectionError,
    stripe.APIError,
    stripe.RateLimitError,
    stripe.IdempotencyError,
)
"""Errors after which Stripe may or may not have acted: never reported as failed."""

_FAILED_STATUSES = ("requires_payment_method", "canceled")


def options_for(stripe_account: str | None, **options: Any) -> Any:
    """Request options for the platform, or for a Connect account (``Stripe-Account``)."""
    if stripe_account:
        options["stripe_account"] = stripe_account
    return options


def intent_result(
    client: stripe.StripeClient,
    intent: Mapping[str, Any],
    *,
    stripe_account: str | None,
    off_session: bool = False,
    card: Mapping[str, Any] | None = None,
) -> ChargeResult:
    """What a PaymentIntent's status means for the attempt that made it.

    ``card`` holds the brand and last four digits when the caller knows them already.
    """
    reference = str(intent["id"])
    status = intent.get("status")
    if status == "succeeded":
        return _succeeded(client, intent, stripe_account, card)
    if status == "processing":
        return ChargeResult.pending(reference, message="Stripe is processing the payment")
    if status == "requires_action":
        if off_session:
            # Nobody is there to authenticate; Stripe itself answers authentication_required
            # to off-session charges, a server that does not is read the same way.
            return ChargeResult.failed(
                "The card's bank asks the supporter to confirm this payment, which cannot "
                "be done without them.",
                decline_code=AUTHENTICATION_REQUIRED,
                reference=reference,
            )
        next_action: dict[str, Any] = {
            "type": "stripe_sdk",
            "payment_intent": reference,
            "client_secret": intent.get("client_secret"),
        }
        if stripe_account:
            next_action["stripe_account"] = stripe_account
        return ChargeResult.requires_action(reference, next_action)
    if status in _FAILED_STATUSES:
        error = as_dict(intent.get("last_payment_error"))
        return ChargeResult.failed(
            str(error.get("message") or f"the payment was {str(status).replace('_', ' ')}"),
            decline_code=error.get("decline_code") or error.get("code") or str(status),
            reference=reference,
        )
    # requires_confirmation / requires_capture: houdini-pay confirms and captures at once,
    # so nothing it made should stay here; let reconciliation ask again later.
    return ChargeResult.unknown(f"the PaymentIntent is {status}", reference=reference)


def _succeeded(
    client: stripe.StripeClient,
    intent: Mapping[str, Any],
    stripe_account: str | None,
    card: Mapping[str, Any] | None,
) -> ChargeResult:
    currency = str(intent.get("currency", ""))
    charge = expanded(intent.get("latest_charge"))
    charge_id = ref_id(intent.get("latest_charge"))
    if charge is None and charge_id:
        charge = as_dict(
            client.v1.charges.retrieve(
                charge_id,
                params={"expand": ["balance_transaction"]},
                options=options_for(stripe_account),
            )
        )
    charge = charge or {}
    details: dict[str, Any] = {"charge": charge_id}
    card = card or _card_of(client, intent, charge, stripe_account)
    details.update({k: card[k] for k in ("brand", "last4") if card.get(k)})
    if stripe_account:
        details["stripe_account"] = stripe_account
    if intent.get("application_fee_amount"):
        details["application_fee_amount"] = intent["application_fee_amount"]
    fee = _fee(client, charge, currency, stripe_account)
    return ChargeResult.succeeded(str(intent["id"]), fee=fee, details=details)


def _fee(
    client: stripe.StripeClient,
    charge: Mapping[str, Any],
    currency: str,
    stripe_account: str | None,
) -> int | None:
    """The charge's fee, from its balance transaction (what Stripe really took)."""
    transaction = expanded(charge.get("balance_transaction"))
    transaction_id = ref_id(charge.get("balance_transaction"))
    if transaction is None and transaction_id:
        try:
            transaction = as_dict(
                client.v1.balance_transactions.retrieve(
                    transaction_id, options=options_for(stripe_account)
                )
            )
        except stripe.StripeError:
            log.warning("could not read balance transaction %s; fee unknown", transaction_id)
            return None
    if transaction is None:
        return None
    return in_currency(transaction, "fee", currency)


def _card_of(
    client: stripe.StripeClient,
    intent: Mapping[str, Any],
    charge: Mapping[str, Any],
    stripe_account: str | None,
) -> dict[str, Any]:
    """Brand and last four digits, from the charge or else the payment method."""
    details = as_dict(charge.get("payment_method_details"))
    card = as_dict(details.get("card"))
    if card:
        return card
    method = expanded(intent.get("payment_method"))
    method_id = ref_id(intent.get("payment_method"))
    if method is None and method_id:
        try:
            method = as_dict(
                client.v1.payment_methods.retrieve(method_id, options=options_for(stripe_account))
            )
        except stripe.StripeError:
            return {}
    return as_dict((method or {}).get("card"))


def card_failure(error: stripe.CardError) -> ChargeResult:
    """A charge the card's bank (or Stripe) declined: nothing moved."""
    body = error.error
    intent = ref_id(getattr(body, "payment_intent", None)) if body is not None else None
    return ChargeResult.failed(
        error.user_message or "The card was declined.",
        decline_code=decline_code(error),
        reference=intent,
    )


def refund_result(refund: Mapping[str, Any], *, fee_refunded: int = 0) -> RefundResult:
    """What a Refund's status means: succeeded, pending, or failed."""
    reference = str(refund["id"])
    status = refund.get("status")
    if status == "succeeded":
        return RefundResult.succeeded(reference, fee_refunded=fee_refunded)
    if status in ("pending", "requires_action"):
        return RefundResult(status=RefundStatus.PENDING, reference=reference)
    reason = refund.get("failure_reason") or status
    return RefundResult.failed(f"Stripe did not refund ({reason})", reference=reference)


def prorated_fee(application_fee: int | None, amount: int, payment_amount: int) -> int:
    """The part of a platform fee given back with a refund of ``amount`` (rounded down)."""
    if not application_fee or payment_amount <= 0:
        return 0
    return application_fee * amount // payment_amount
