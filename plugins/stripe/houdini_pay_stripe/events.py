"""Stripe webhooks: verify the signature, then turn the event into observations.

Verification follows Stripe's scheme on the raw body (``Stripe-Signature``: an HMAC-SHA256
of ``"{t}.{body}"`` with the endpoint's secret, and a timestamp no further than
:data:`TOLERANCE_SECONDS` from now, in the past or in the future). Several secrets may be
configured (the platform's endpoint and a Connect endpoint); a delivery verifies if any
matches.

Events are handled as Stripe recommends for out-of-order delivery: the event says *what*
changed, and the object is fetched again from Stripe (on the event's Connect account) so the
observation reports its current state. It is fetched only once the core has claimed the
event, so a redelivered event costs no request:

* ``payment_intent.succeeded``, ``.payment_failed``, ``.processing``, ``.requires_action``,
  ``.canceled`` → a :class:`~houdini_pay.ChargeObservation` of the intent's attempt (its
  ``attempt_id`` metadata);
* ``charge.refunded``, ``charge.refund.updated``, ``refund.*`` → one
  :class:`~houdini_pay.RefundObservation` per refund of the charge; refunds houdini-pay made
  name their attempt, others were made in the dashboard and are recorded as such;
* ``charge.dispute.*`` → a :class:`~houdini_pay.DisputeObservation` of the dispute's whole
  state, read from the event: a dispute carries its own balance movements, and applying a
  full state is order-independent by construction.

Any other event type is answered with no observation (the endpoint still says 2xx).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, overload

import stripe

from houdini_pay import (
    ChargeObservation,
    DisputeObservation,
    DisputeStatus,
    FundsMovement,
    ProcessorEvent,
    RefundObservation,
)
from houdini_pay.errors import (
    ConfigurationError,
    InvalidRequest,
    ProcessorError,
    WebhookVerificationError,
)
from houdini_pay_stripe.api import SECRET_KEY_ENV, StripeApi
from houdini_pay_stripe.objects import as_dict, expanded, in_currency, metadata_of, ref_id
from houdini_pay_stripe.results import intent_result, options_for, prorated_fee, refund_result

__all__ = ["TOLERANCE_SECONDS", "StripeEvents", "read_event_file"]

log = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300
"""How far a delivery's signed timestamp may be from now, in the past (Stripe's own default)
or in the future: replays are refused."""

_DISPUTE_STATUSES = {
    "warning_needs_response": DisputeStatus.OPEN,
    "warning_under_review": DisputeStatus.OPEN,
    "needs_response": DisputeStatus.OPEN,
    "under_review": DisputeStatus.OPEN,
    "won": DisputeStatus.WON,
    "lost": DisputeStatus.LOST,
    "warning_closed": DisputeStatus.CLOSED,
    "prevented": DisputeStatus.CLOSED,
}
_INTENT_EVENTS = frozenset(
    {
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.processing",
        "payment_intent.requires_action",
        "payment_intent.canceled",
    }
)
"""Events that may change an attempt's outcome (``created`` and the like cannot)."""
_REFUND_EVENTS = ("charge.refunded", "charge.refund.updated")


class StripeEvents:
    """Verifies and translates Stripe events with the application's Stripe client."""

    def __init__(self, api: StripeApi) -> None:
        self.api = api

    # -- verification -------------------------------------------------------------------

    def verify(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """The event of a genuine delivery; ``WebhookVerificationError`` for anything else.

        ``headers`` have lower-case names (the core lowers them).
        """
        header = headers.get("stripe-signature")
        if not header:
            raise WebhookVerificationError("the Stripe-Signature header is missing")
        secrets = self.api.webhook_secrets()
        try:
            payload = body.decode("utf-8")
        except UnicodeDecodeError:
            raise WebhookVerificationError("the webhook body is not UTF-8 text") from None
        if not any(self._verifies(payload, header, secret) for secret in secrets):
            raise WebhookVerificationError(_why_unverified(header))
        return _event_of(payload)

    @staticmethod
    def _verifies(payload: str, header: str, secret: str) -> bool:
        try:
            stripe.WebhookSignature.verify_header(payload, header, secret, TOLERANCE_SECONDS)
        except stripe.SignatureVerificationError:
            return False
        # The library refuses old timestamps only; one from the future would stay
        # replayable for as long as it is ahead, so it is refused with the same tolerance.
        timestamp = _timestamp(header)
        return timestamp is not None and timestamp <= time.time() + TOLERANCE_SECONDS

    # -- translation --------------------------------------------------------------------

    def translate(self, event: Mapping[str, Any]) -> ProcessorEvent:
        """What the core should apply for one event (nothing for types it does not handle).

        The object is read from Stripe only when the core reads the observations, which it
        does once it has claimed the event: a redelivered event costs no request. Reading
        raises ``ProcessorError`` when Stripe cannot be reached to read the object's current
        state: the delivery should be retried later.
        """
        event_type = str(event["type"])
        return ProcessorEvent(
            id=str(event["id"]),
            type=event_type,
            observations=_Fetched(lambda: self._observations(event)),
        )

    def _observations(self, event: Mapping[str, Any]) -> list[object]:
        event_type = str(event["type"])
        obj = as_dict(as_dict(event.get("data")).get("object"))
        account = event.get("account") if isinstance(event.get("account"), str) else None
        try:
            return self._observe(event_type, obj, account)
        except stripe.InvalidRequestError as exc:
            if exc.http_status != 404:
                raise ProcessorError(
                    f"Stripe refused to show the object of event {event.get('id')}"
                ) from exc
            # The object does not exist for this key (another account or mode): not ours.
            log.warning("ignoring Stripe event %s (%s): %s", event.get("id"), event_type, exc)
            return []
        except stripe.AuthenticationError:
            raise ConfigurationError(
                f"Stripe refused the API key in {SECRET_KEY_ENV} while confirming a webhook"
            ) from None
        except stripe.StripeError as exc:
            raise ProcessorError(
                f"Stripe could not be reached to confirm event {event.get('id')}; "
                "it will be delivered again"
            ) from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise WebhookVerificationError(
                f"event {event.get('id')} does not carry the object Stripe sends"
            ) from exc

    def _observe(self, event_type: str, obj: dict[str, Any], account: str | None) -> list[object]:
        if event_type in _INTENT_EVENTS:
            return self._intent(obj, account)
        if event_type in _REFUND_EVENTS or event_type.startswith("refund."):
            return self._refunds(obj, account)
        if event_type.startswith("charge.dispute."):
            return [self._dispute(obj, account)]
        return []

    def _intent(self, snapshot: Mapping[str, Any], account: str | None) -> list[object]:
        client = self.api.client
        intent = as_dict(
            client.v1.payment_intents.retrieve(
                str(snapshot["id"]),
                params={"expand": ["latest_charge.balance_transaction"]},
                options=options_for(account),
            )
        )
        result = intent_result(client, intent, stripe_account=account)
        attempt_id = metadata_of(intent).get("attempt_id")
        return [ChargeObservation(result=result, attempt_id=attempt_id, reference=result.reference)]

    def _refunds(self, snapshot: Mapping[str, Any], account: str | None) -> list[object]:
        client = self.api.client
        charge_id = snapshot["id"] if snapshot.get("object") == "charge" else snapshot.get("charge")
        charge = as_dict(
            client.v1.charges.retrieve(str(ref_id(charge_id)), options=options_for(account))
        )
        payment_reference = ref_id(charge.get("payment_intent")) or str(charge["id"])
        refunds = client.v1.refunds.list(
            {"charge": str(charge["id"]), "limit": 100}, options_for(account)
        )
        observations: list[object] = []
        for refund in refunds.auto_paging_iter():
            found = as_dict(refund)
            metadata = metadata_of(found)
            if metadata.get("reversal") == "true":
                # The charge given back because it could not be recorded: no payment has it.
                continue
            amount = int(found.get("amount") or 0)
            observations.append(
                RefundObservation(
                    result=refund_result(
                        found,
                        fee_refunded=prorated_fee(
                            charge.get("application_fee_amount"), amount, int(charge["amount"])
                        ),
                    ),
                    payment_reference=payment_reference,
                    amount=amount,
                    attempt_id=metadata.get("attempt_id"),
                )
            )
        return observations

    def _dispute(self, dispute: Mapping[str, Any], account: str | None) -> DisputeObservation:
        currency = str(dispute.get("currency", ""))
        amount = int(dispute.get("amount") or 0)
        payment_reference = ref_id(dispute.get("payment_intent"))
        if payment_reference is None:
            charge = as_dict(
                self.api.client.v1.charges.retrieve(
                    str(ref_id(dispute.get("charge"))), options=options_for(account)
                )
            )
            payment_reference = ref_id(charge.get("payment_intent")) or str(charge["id"])
        movements = []
        for entry in dispute.get("balance_transactions") or ():
            transaction = expanded(entry) or as_dict(
                self.api.client.v1.balance_transactions.retrieve(
                    str(entry), options=options_for(account)
                )
            )
            raw = int(transaction.get("amount") or 0)
            movements.append(
                FundsMovement(
                    reference=str(transaction["id"]),
                    amount=in_currency(
                        transaction, "amount", currency, expected=-amount if raw < 0 else amount
                    ),
                    fee=in_currency(transaction, "fee", currency, expected=0),
                )
            )
        return DisputeObservation(
            reference=str(dispute["id"]),
            payment_reference=payment_reference,
            status=_DISPUTE_STATUSES.get(str(dispute.get("status")), DisputeStatus.OPEN),
            amount=amount,
            currency=currency,
            reason=dispute.get("reason"),
            movements=movements,
        )


class _Fetched(Sequence[object]):
    """Observations read from Stripe on first use, then kept."""

    def __init__(self, read: Callable[[], list[object]]) -> None:
        self._read = read
        self._items: list[object] | None = None

    def _all(self) -> list[object]:
        if self._items is None:
            self._items = self._read()
        return self._items

    @overload
    def __getitem__(self, index: int) -> object: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[object]: ...

    def __getitem__(self, index: int | slice) -> object | Sequence[object]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())


def _timestamp(header: str) -> int | None:
    """The signed timestamp ``t`` of a ``Stripe-Signature`` header (None if malformed)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        return int(fields["t"])
    except (KeyError, ValueError):
        return None


def _why_unverified(header: str) -> str:
    """A reason that helps the operator and tells an attacker nothing new."""
    timestamp = _timestamp(header)
    if timestamp is None:
        return "the Stripe-Signature header is malformed"
    if timestamp < time.time() - TOLERANCE_SECONDS:
        return f"the webhook's signed timestamp is older than {TOLERANCE_SECONDS} seconds"
    if timestamp > time.time() + TOLERANCE_SECONDS:
        return (
            f"the webhook's signed timestamp is more than {TOLERANCE_SECONDS} seconds in the future"
        )
    return "the Stripe-Signature does not match the body and the webhook secret"


def _event_of(payload: str) -> dict[str, Any]:
    try:
        event = json.loads(payload)
    except ValueError:
        raise WebhookVerificationError("the webhook body is not JSON") from None
    if not _is_event(event):
        raise WebhookVerificationError("the webhook body is not a Stripe event")
    return dict(event)


def _is_event(value: object) -> bool:
    return (
        isinstance(value, dict)
        and value.get("object") == "event"
        and isinstance(value.get("id"), str)
        and isinstance(value.get("type"), str)
        and isinstance(value.get("data"), dict)
    )


def read_event_file(text: str, name: str) -> list[dict[str, Any]]:
    """The events of a saved file: one event, a JSON array of events, or a Stripe list.

    Raises ``InvalidRequest`` (code ``invalid_event_file``) for anything else.
    """
    try:
        content = json.loads(text)
    except ValueError as exc:
        raise InvalidRequest(f"{name} is not JSON: {exc}", code="invalid_event_file") from None
    if isinstance(content, dict) and content.get("object") == "list":
        content = content.get("data")
    events = content if isinstance(content, list) else [content]
    for index, event in enumerate(events):
        if not _is_event(event):
            raise InvalidRequest(
                f"{name}: item {index} is not a Stripe event (an object with id, type, data)",
                code="invalid_event_file",
            )
    if not events:
        raise InvalidRequest(f"{name} holds no event", code="invalid_event_file")
    return [dict(event) for event in events]
