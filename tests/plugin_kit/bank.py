"""A correct bank-transfer processor against the payment sandbox, and its harness.

It is the processor docs/plugin-authors.md walks through; the broken plugins of
``broken.py`` each change one thing about it, and the conformance suite must catch each.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from houdini_pay import (
    Capability,
    ChargeObservation,
    ChargeRequest,
    ChargeResult,
    HoudiniPay,
    LookupRequest,
    Processor,
    ProcessorEvent,
    RefundRequest,
    RefundResult,
    Settings,
    SupporterRecord,
    hookimpl,
)
from houdini_pay.errors import InvalidRequest, WebhookVerificationError
from houdini_pay.testing import (
    Movement,
    PaymentFields,
    PaymentSandbox,
    ProcessorHarness,
    SignedWebhook,
    closed_port_url,
)

API_BASE_ENV = "HOUDINI_PAY_BANK_API_BASE"
API_KEY_ENV = "HOUDINI_PAY_BANK_API_KEY"
WEBHOOK_SECRET_ENV = "HOUDINI_PAY_BANK_WEBHOOK_SECRET"
SIGNATURE_TOLERANCE = 300


class Unavailable(Exception):
    """The bank did not answer (network error, timeout, its own failure): outcome unknown."""


@dataclass
class Refused(Exception):
    """The bank answered and refused: nothing moved."""

    code: str
    message: str


class BankApi:
    """The bank's JSON API, reached with the settings' address and key."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def call(
        self, method: str, path: str, body: Mapping[str, Any] | None = None, key: str | None = None
    ) -> dict[str, Any]:
        """One request; ``Refused`` for a 4xx answer, ``Unavailable`` for anything unclear."""
        headers = {"Authorization": f"Bearer {self.settings.require(API_KEY_ENV)}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        url = self.settings.require(API_BASE_ENV).rstrip("/") + path
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer: dict[str, Any] = json.loads(response.read())
                return answer
        except urllib.error.HTTPError as error:
            with error:
                if error.code >= 500 or error.code == 409:
                    raise Unavailable(f"the bank answered {error.code}") from error
                details = json.loads(error.read()).get("error", {})
                raise Refused(details.get("code", "refused"), details.get("message", "")) from None
        except (OSError, ValueError) as error:
            raise Unavailable(f"the bank did not answer: {error}") from error


def charge_result(charge: Mapping[str, Any]) -> ChargeResult:
    """The normalized result of a charge object of the bank."""
    if charge["status"] == "succeeded":
        return ChargeResult.succeeded(charge["id"], fee=charge["fee"])
    if charge["status"] == "pending":
        return ChargeResult.pending(charge["id"], message="the transfer has not cleared yet")
    return ChargeResult.failed(
        charge.get("message") or "the bank refused the transfer",
        decline_code=charge.get("decline_code"),
        reference=charge["id"],
    )


class BankTransferProcessor(Processor):
    """Bank transfers, collected by the bank and confirmed by its webhooks."""

    symbol = "bank"
    display_name = "Bank transfer"
    capabilities = frozenset(
        {
            Capability.REFUNDS,
            Capability.PARTIAL_REFUNDS,
            Capability.LOOKUP,
            Capability.WEBHOOKS,
            Capability.OFF_SESSION,
        }
    )

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.api = BankApi(settings)

    def validate_request(self, request: ChargeRequest) -> None:
        """The processing object names the supporter's account: ``{"account": "acct_..."}``."""
        account = request.processing_object.get("account")
        if not isinstance(account, str) or not account.startswith("acct_"):
            raise InvalidRequest(
                'the processing object is {"account": "acct_..."}',
                code="invalid_processing_object",
            )

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Collect the amount; the key makes a retry answer the first result."""
        body = {
            "amount": request.amount,
            "currency": request.currency.lower(),
            "account": request.processing_object["account"],
            "metadata": {"attempt_id": request.attempt_id},
        }
        try:
            charge = self.api.call("POST", "/v1/charges", body, key=idempotency_key)
        except Refused as refusal:
            return ChargeResult.failed(refusal.message, decline_code=refusal.code)
        except Unavailable as exc:
            return ChargeResult.unknown(str(exc))
        return charge_result(charge)

    def refund(self, request: RefundRequest, *, idempotency_key: str) -> RefundResult:
        """Pay back ``request.amount`` of the charge."""
        body = {"charge": request.payment_reference, "amount": request.amount}
        try:
            refund = self.api.call("POST", "/v1/refunds", body, key=idempotency_key)
        except Refused as refusal:
            return RefundResult.failed(refusal.message)
        except Unavailable as exc:
            return RefundResult.unknown(str(exc))
        return RefundResult.succeeded(refund["id"])

    def lookup_charge(self, request: LookupRequest) -> ChargeResult | None:
        """The charge made with the attempt's key, or None if the bank never saw it."""
        found = self.api.call("GET", f"/v1/charges?idempotency_key={request.idempotency_key}")
        return charge_result(found["data"][0]) if found["data"] else None

    def lookup_refund(self, request: LookupRequest) -> RefundResult | None:
        """The refund made with the attempt's key, or None."""
        found = self.api.call("GET", f"/v1/refunds?idempotency_key={request.idempotency_key}")
        return RefundResult.succeeded(found["data"][0]["id"]) if found["data"] else None

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ProcessorEvent]:
        """Verify ``Sandbox-Signature`` on the raw body, then report the charge's state."""
        verify_signature(self.settings.require(WEBHOOK_SECRET_ENV), headers, body)
        return events_of(body)


def verify_signature(secret: str, headers: Mapping[str, str], body: bytes) -> None:
    """Raise ``WebhookVerificationError`` unless the body carries a fresh, valid signature."""
    parts = dict(
        part.split("=", 1)
        for part in headers.get("sandbox-signature", "").split(",")
        if "=" in part
    )
    try:
        stamp = int(parts.get("t", ""))
    except ValueError:
        raise WebhookVerificationError("the webhook has no valid signature") from None
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise WebhookVerificationError("the webhook's signature does not match its body")
    if abs(time.time() - stamp) > SIGNATURE_TOLERANCE:
        raise WebhookVerificationError("the webhook's signature is too old")


def events_of(body: bytes) -> list[ProcessorEvent]:
    """The events of a verified webhook body."""
    event = json.loads(body)
    charge = event["data"]
    observation = ChargeObservation(
        result=charge_result(charge),
        attempt_id=charge["metadata"].get("attempt_id"),
        reference=charge["id"],
    )
    return [ProcessorEvent(id=event["id"], type=event["type"], observations=[observation])]


@dataclass
class BankPlugin:
    """Registers a processor class (the correct one or a broken one)."""

    processor_class: type[BankTransferProcessor] = BankTransferProcessor

    @hookimpl
    def register_processors(self, app: HoudiniPay) -> list[Processor]:
        """The bank processor, reading its settings from the application."""
        return [self.processor_class(app.settings)]


class BankHarness(ProcessorHarness):
    """The conformance harness of the bank processor, over a running sandbox."""

    symbol = "bank"

    def __init__(
        self, sandbox: PaymentSandbox, processor_class: type[BankTransferProcessor]
    ) -> None:
        self.sandbox = sandbox
        self.processor_class = processor_class

    def plugins(self) -> Sequence[object]:
        """The bank plugin."""
        return [BankPlugin(self.processor_class)]

    def environ(self, *, unreachable: bool) -> Mapping[str, str]:
        """The sandbox's address and secrets, or a closed port."""
        return {
            API_BASE_ENV: closed_port_url() if unreachable else self.sandbox.url,
            API_KEY_ENV: self.sandbox.api_key,
            WEBHOOK_SECRET_ENV: self.sandbox.webhook_secret,
        }

    def payment_fields(
        self, app: HoudiniPay, supporter: SupporterRecord, wanted: str
    ) -> PaymentFields:
        """The sandbox's accounts that succeed, decline and wait."""
        account = {"succeed": "acct_ok", "decline": "acct_declined", "wait": "acct_pending"}
        return PaymentFields(processing_object={"account": account[wanted]})

    def movements(self, app: HoudiniPay) -> Sequence[Movement]:
        """What the sandbox holds."""
        return self.sandbox.movements()

    def webhook(self, app: HoudiniPay, reference: str, *, settle: bool) -> SignedWebhook:
        """Clear the transfer if asked, then sign an event about the charge."""
        if settle:
            self.sandbox.settle(reference)
        return self.sandbox.webhook(reference)
