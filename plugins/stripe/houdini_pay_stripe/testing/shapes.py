"""Stripe's events and disputes in their recorded shapes, signed with Stripe's real scheme."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import stripe

__all__ = [
    "ACCOUNT_LINK_SECONDS",
    "recorded_account_link",
    "recorded_balance_transaction",
    "recorded_dispute",
    "signed_webhook",
    "stripe_event",
]

ACCOUNT_LINK_SECONDS = 300
"""How long a Stripe Account Link can be used (Stripe: "a few minutes"; its example, 300 s)."""


def stripe_event(
    event_type: str,
    data_object: Mapping[str, Any],
    *,
    event_id: str | None = None,
    account: str | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    """An event in the shape Stripe delivers it (a snapshot of ``data_object``)."""
    event: dict[str, Any] = {
        "id": event_id or f"evt_{time.time_ns():x}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()) if created is None else created,
        "data": {"object": dict(data_object)},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    if account is not None:
        event["account"] = account
    return event


def recorded_balance_transaction(
    transaction_id: str,
    *,
    amount: int,
    fee: int,
    currency: str = "usd",
    source: str,
    description: str,
    reporting_category: str = "dispute",
) -> dict[str, Any]:
    """A balance transaction as Stripe embeds it in a dispute (``type: adjustment``)."""
    return {
        "id": transaction_id,
        "object": "balance_transaction",
        "amount": amount,
        "available_on": int(time.time()) + 7 * 86400,
        "created": int(time.time()),
        "currency": currency,
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": (
            [
                {
                    "amount": fee,
                    "application": None,
                    "currency": currency,
                    "description": "Dispute fee",
                    "type": "stripe_fee",
                }
            ]
            if fee
            else []
        ),
        "net": amount - fee,
        "reporting_category": reporting_category,
        "source": source,
        "status": "pending",
        "type": "adjustment",
    }


def recorded_dispute(
    dispute_id: str,
    *,
    charge: str,
    payment_intent: str | None,
    amount: int,
    status: str,
    currency: str = "usd",
    reason: str = "fraudulent",
    balance_transactions: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A Dispute object in the shape Stripe's API reference records it."""
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount,
        "balance_transactions": [dict(t) for t in balance_transactions],
        "charge": charge,
        "created": int(time.time()),
        "currency": currency,
        "evidence": {"customer_email_address": None, "uncategorized_text": None},
        "evidence_details": {
            "due_by": int(time.time()) + 14 * 86400,
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": payment_intent,
        "reason": reason,
        "status": status,
    }


def recorded_account_link(account: str, *, created: int | None = None) -> dict[str, Any]:
    """An Account Link in the shape Stripe's API reference records it (``POST
    /v1/account_links``): ``object``, ``created``, ``expires_at`` and the hosted ``url`` on
    connect.stripe.com (its last segment is a one-time secret; here a made-up one)."""
    now = int(time.time()) if created is None else created
    secret = hashlib.sha256(f"{account}:{time.time_ns()}".encode()).hexdigest()[:12]
    return {
        "object": "account_link",
        "created": now,
        "expires_at": now + ACCOUNT_LINK_SECONDS,
        "url": f"https://connect.stripe.com/setup/c/{account}/{secret}",
    }


def signed_webhook(
    event: Mapping[str, Any], secret: str, *, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a delivery of ``event``, signed as Stripe signs them."""
    payload = json.dumps(event, indent=2, sort_keys=True)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)
    headers = {"Content-Type": "application/json; charset=utf-8", "Stripe-Signature": header}
    return payload.encode(), headers
