"""A fake processor with selectable behaviours, for tests.

It is a real implementation of the processor interface with its "outside world" kept in
memory: :class:`FakeProcessor` keeps a ledger of the money it moved, keyed by idempotency
key, so tests can assert exactly how many times money moved and what a lookup would find.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from houdini_pay.contract._processors import (
    Capability,
    ChargeObservation,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    LookupRequest,
    Processor,
    ProcessorEvent,
    RefundRequest,
    RefundResult,
)
from houdini_pay.errors import WebhookVerificationError

__all__ = [
    "Behaviour",
    "FakeProcessor",
    "ProcessorCrashed",
    "ProcessorTimeout",
]

Behaviour = Literal[
    "succeed",
    "decline",
    "pending",
    "pending_approval",
    "requires_action",
    "unknown",
    "timeout",
    "raise",
    "crash_after_charge",
]


class ProcessorTimeout(TimeoutError):
    """What a fake processor raises for the ``timeout`` behaviour."""


class ProcessorCrashed(RuntimeError):
    """What a fake processor raises for ``raise`` and ``crash_after_charge``."""


@dataclass
class LedgerEntry:
    """Money the fake processor moved for one idempotency key."""

    key: str
    amount: int
    currency: str
    reference: str
    status: ChargeStatus
    refunded: int = 0


@dataclass
class Call:
    """One call a fake processor received."""

    method: str
    idempotency_key: str | None
    amount: int | None


class FakeProcessor(Processor):
    """A processor whose next answers tests choose.

    Set ``behaviour`` (or queue several with :meth:`then`) before paying:

    ``succeed`` charge · ``decline`` fail with ``card_declined`` · ``pending`` and
    ``pending_approval`` accept for later · ``requires_action`` ask for 3-D Secure ·
    ``unknown`` answer unknown · ``timeout`` raise a timeout without charging ·
    ``raise`` raise an error without charging · ``crash_after_charge`` move the money,
    then raise before answering.

    Attributes:
        ledger: money moved, by idempotency key (what ``lookup_charge`` finds).
        refunds: refunds made, by idempotency key.
        calls: every call received, in order.
        fee_rate: fee as a fraction of the amount (rounded down).
    """

    symbol: ClassVar[str] = "fake"
    display_name = "Fake processor"
    capabilities = frozenset(
        {
            Capability.REFUNDS,
            Capability.PARTIAL_REFUNDS,
            Capability.LOOKUP,
            Capability.WEBHOOKS,
            Capability.OFF_SESSION,
            Capability.MANUAL_APPROVAL,
            Capability.CANCEL,
        }
    )
    source_types = ("fake_card",)
    webhook_secret = "whsec_fake"

    def __init__(self, behaviour: Behaviour = "succeed", *, fee_rate: float = 0.0) -> None:
        self.behaviour: Behaviour = behaviour
        self._queued: list[Behaviour] = []
        self.fee_rate = fee_rate
        self.ledger: dict[str, LedgerEntry] = {}
        self.refunds: dict[str, RefundResult] = {}
        self.calls: list[Call] = []
        self.refund_behaviour: Literal["succeed", "fail", "raise"] = "succeed"
        self._lock = threading.Lock()

    def then(self, *behaviours: Behaviour) -> FakeProcessor:
        """Queue behaviours for the next charges; ``behaviour`` applies once they run out."""
        self._queued.extend(behaviours)
        return self

    def _next_behaviour(self) -> Behaviour:
        with self._lock:
            return self._queued.pop(0) if self._queued else self.behaviour

    @property
    def charge_count(self) -> int:
        """How many charges moved money (each idempotency key counts once)."""
        return sum(1 for e in self.ledger.values() if e.status is ChargeStatus.SUCCEEDED)

    def _fee(self, amount: int) -> int:
        return int(amount * self.fee_rate)

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Answer as ``behaviour`` says; a repeated key returns the first answer."""
        self.calls.append(Call("charge", idempotency_key, request.amount))
        with self._lock:
            existing = self.ledger.get(idempotency_key)
        if existing is not None:
            return ChargeResult(
                status=existing.status, reference=existing.reference, fee=self._fee(existing.amount)
            )
        behaviour = self._next_behaviour()
        reference = f"ch_{idempotency_key}"
        if behaviour == "timeout":
            raise ProcessorTimeout("the fake processor did not answer in time")
        if behaviour == "raise":
            raise ProcessorCrashed("the fake processor failed")
        if behaviour == "unknown":
            return ChargeResult.unknown("the fake processor's answer was lost")
        if behaviour == "decline":
            self._record(idempotency_key, request, reference, ChargeStatus.FAILED)
            return ChargeResult.failed(
                "Your card was declined.", decline_code="card_declined", reference=reference
            )
        if behaviour in ("pending", "pending_approval"):
            self._record(idempotency_key, request, reference, ChargeStatus.PENDING)
            return ChargeResult.pending(
                reference, approval_required=behaviour == "pending_approval"
            )
        if behaviour == "requires_action":
            self._record(idempotency_key, request, reference, ChargeStatus.REQUIRES_ACTION)
            return ChargeResult.requires_action(
                reference,
                {
                    "type": "redirect",
                    "url": f"https://fake-processor.invalid/authorize/{reference}",
                    "client_secret": f"{reference}_secret",
                },
            )
        self._record(idempotency_key, request, reference, ChargeStatus.SUCCEEDED)
        if behaviour == "crash_after_charge":
            raise ProcessorCrashed("the fake processor crashed after charging")
        return ChargeResult.succeeded(
            reference, fee=self._fee(request.amount), details={"brand": "fakecard", "last4": "4242"}
        )

    def _record(
        self, key: str, request: ChargeRequest, reference: str, status: ChargeStatus
    ) -> None:
        with self._lock:
            self.ledger[key] = LedgerEntry(key, request.amount, request.currency, reference, status)

    def complete(self, idempotency_key: str, status: ChargeStatus = ChargeStatus.SUCCEEDED) -> None:
        """Settle a pending or requires-action charge on the processor's side."""
        self.ledger[idempotency_key].status = status

    def refund(self, request: RefundRequest, *, idempotency_key: str) -> RefundResult:
        """Refund from the ledger; a repeated key returns the first answer."""
        self.calls.append(Call("refund", idempotency_key, request.amount))
        with self._lock:
            if idempotency_key in self.refunds:
                return self.refunds[idempotency_key]
            if self.refund_behaviour == "raise":
                raise ProcessorCrashed("the fake processor failed to refund")
            if self.refund_behaviour == "fail":
                return RefundResult.failed("refunds are switched off")
            entry = next(
                (e for e in self.ledger.values() if e.reference == request.payment_reference), None
            )
            if entry is None or entry.refunded + request.amount > entry.amount:
                return RefundResult.failed("refund larger than the charge")
            entry.refunded += request.amount
            result = RefundResult.succeeded(
                f"re_{idempotency_key}", fee_refunded=self._fee(request.amount)
            )
            self.refunds[idempotency_key] = result
            return result

    def lookup_charge(self, request: LookupRequest) -> ChargeResult | None:
        """What the ledger holds for the key (None if never charged)."""
        self.calls.append(Call("lookup_charge", request.idempotency_key, None))
        entry = self.ledger.get(request.idempotency_key)
        if entry is None:
            return None
        return ChargeResult(
            status=entry.status, reference=entry.reference, fee=self._fee(entry.amount)
        )

    def cancel_charge(self, request: LookupRequest) -> ChargeResult:
        """Cancel a charge waiting for the supporter; one that went on is reported as is."""
        self.calls.append(Call("cancel_charge", request.idempotency_key, None))
        with self._lock:
            entry = self.ledger.get(request.idempotency_key)
            if entry is None:
                return ChargeResult.failed("nothing was charged", decline_code="canceled")
            if entry.status is ChargeStatus.REQUIRES_ACTION:
                entry.status = ChargeStatus.FAILED
            if entry.status is ChargeStatus.FAILED:
                return ChargeResult.failed(
                    "the charge was cancelled", decline_code="canceled", reference=entry.reference
                )
            return ChargeResult(
                status=entry.status, reference=entry.reference, fee=self._fee(entry.amount)
            )

    def lookup_refund(self, request: LookupRequest) -> RefundResult | None:
        """The refund made with the key, if any."""
        self.calls.append(Call("lookup_refund", request.idempotency_key, None))
        return self.refunds.get(request.idempotency_key)

    # -- webhooks -------------------------------------------------------------------

    def sign(self, body: bytes) -> str:
        """The signature header value a genuine webhook of this processor carries."""
        return hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()

    def webhook(self, event_id: str, attempt_id: str, status: ChargeStatus) -> bytes:
        """The body of a webhook reporting a charge's new status."""
        return json.dumps(
            {
                "id": event_id,
                "type": f"charge.{status.value}",
                "attempt_id": attempt_id,
                "status": status.value,
            }
        ).encode()

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ProcessorEvent]:
        """Verify the HMAC in ``x-fake-signature`` and report the charge's status."""
        signature = headers.get("x-fake-signature", "")
        if not hmac.compare_digest(signature, self.sign(body)):
            raise WebhookVerificationError("bad signature")
        data = json.loads(body)
        status = ChargeStatus(data["status"])
        entry = self.ledger.get(data["attempt_id"])
        result = ChargeResult(status=status, reference=entry.reference if entry else None)
        return [
            ProcessorEvent(
                id=data["id"],
                type=data["type"],
                observations=[ChargeObservation(result=result, attempt_id=data["attempt_id"])],
            )
        ]
