"""The offsite processor: money that did not move through houdini-pay.

Two ways to record an offsite payment, chosen by the processing object:

* recorded now (default): staff hold the check or the cash; the payment is ``succeeded``.
* ``"pending_approval": true``: a supporter says they paid by bank transfer or wallet and
  gives a transaction reference; the payment waits as ``pending_approval`` until staff run
  ``houdini-pay payments approve ID`` (or ``reject``).

Processing object::

    {"method": "cash" | "check" | "bank_transfer" | "local_wallet" | "other",
     "check_number": "1042",            # checks
     "reference": "TX-99812",           # transaction reference; required when pending
     "pending_approval": false,
     "note": "handed in at the gala"}

The method may come from a stored ``offsite`` source instead. Refunds are recorded (no money
moves). Nothing here calls the network, so ``lookup_charge`` re-derives the answer from the
stored request: an attempt interrupted by a crash is settled exactly as it would have been.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from houdini_pay import (
    Capability,
    ChargeRequest,
    ChargeResult,
    LookupRequest,
    NewSource,
    Processor,
    RefundRequest,
    RefundResult,
    SourceRequest,
    SourceType,
)
from houdini_pay.errors import InvalidRequest

__all__ = ["METHODS", "OffsiteProcessor", "OffsiteSourceType"]

METHODS = ("cash", "check", "bank_transfer", "local_wallet", "other")
_FIELDS = {"method", "check_number", "reference", "pending_approval", "note"}
_MAX_TEXT = 200


_TEXT_SCHEMA = {"type": "string", "minLength": 1, "maxLength": _MAX_TEXT}

PROCESSING_OBJECT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "method": {"enum": list(METHODS), "description": "default: the source's method"},
        "check_number": {**_TEXT_SCHEMA, "description": "only with method check"},
        "reference": {**_TEXT_SCHEMA, "description": "required when pending_approval"},
        "pending_approval": {"type": "boolean", "default": False},
        "note": _TEXT_SCHEMA,
    },
}
"""What ``payment-methods/available`` tells front ends about the processing object."""

SOURCE_OBJECT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["method"],
    "properties": {"method": {"enum": list(METHODS)}, "label": _TEXT_SCHEMA},
}
"""What ``payment-methods/available`` tells front ends about the source object."""


def _text(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_TEXT:
        raise InvalidRequest(
            f"{key} must be text of 1 to {_MAX_TEXT} characters",
            code="invalid_processing_object",
            details={"field": key},
        )
    return value.strip()


def _method(value: object, where: str) -> str:
    if value not in METHODS:
        raise InvalidRequest(
            f"{where} method must be one of {', '.join(METHODS)}; got {value!r}",
            code="invalid_processing_object",
            details={"field": "method"},
        )
    assert isinstance(value, str)
    return value


def _answer(request: ChargeRequest) -> ChargeResult:
    """The deterministic answer to a charge request (see the module docstring)."""
    obj = request.processing_object
    unknown = set(obj) - _FIELDS
    if unknown:
        raise InvalidRequest(
            f"unknown offsite fields: {', '.join(sorted(unknown))}",
            code="invalid_processing_object",
        )
    source_method = request.source.processor_reference if request.source else None
    method = _method(obj.get("method", source_method), "offsite")
    pending = obj.get("pending_approval", False)
    if not isinstance(pending, bool):
        raise InvalidRequest(
            "pending_approval must be true or false", code="invalid_processing_object"
        )
    check_number, reference, note = (_text(obj, k) for k in ("check_number", "reference", "note"))
    if check_number and method != "check":
        raise InvalidRequest(
            "check_number only goes with method check", code="invalid_processing_object"
        )
    if pending and reference is None:
        raise InvalidRequest(
            "a transaction reference is required for a payment pending approval",
            code="invalid_processing_object",
            details={"field": "reference"},
        )
    details = {
        k: v
        for k, v in (
            ("method", method),
            ("check_number", check_number),
            ("reference", reference),
            ("note", note),
        )
        if v
    }
    recorded_as = check_number or reference
    if pending:
        return ChargeResult.pending(
            recorded_as,
            approval_required=True,
            details=details,
            message="waiting for staff to confirm the money arrived",
        )
    return ChargeResult.succeeded(recorded_as, fee=0, details=details)


class OffsiteProcessor(Processor):
    """Records cash, checks, bank transfers and wallets; moves no money itself."""

    symbol = "offsite"
    display_name = "Offsite (cash, check, bank transfer)"
    capabilities = frozenset(
        {
            Capability.REFUNDS,
            Capability.PARTIAL_REFUNDS,
            Capability.LOOKUP,
            Capability.MANUAL_APPROVAL,
        }
    )
    moves_money = False
    source_types = ("offsite",)
    processing_object_schema = PROCESSING_OBJECT_SCHEMA
    charges_found_by_key = True  # lookup_charge re-derives the answer: nothing is missed

    def validate_request(self, request: ChargeRequest) -> None:
        """Check the processing object (method, check number, reference)."""
        _answer(request)

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Record the payment: succeeded now, or pending until staff approve it."""
        return _answer(request)

    def refund(self, request: RefundRequest, *, idempotency_key: str) -> RefundResult:
        """Record a refund paid back outside the system (by check, cash or transfer)."""
        return RefundResult.succeeded(f"offsite-refund-{idempotency_key}")

    def lookup_charge(self, request: LookupRequest) -> ChargeResult | None:
        """Re-derive the answer from the stored request (nothing external to ask)."""
        stored = request.stored_request
        if stored is None:
            return None
        return _answer(stored)

    def lookup_refund(self, request: LookupRequest) -> RefundResult | None:
        """Offsite refunds are records: the one asked about is recorded now."""
        return RefundResult.succeeded(f"offsite-refund-{request.idempotency_key}")


class OffsiteSourceType(SourceType):
    """A supporter's usual offsite method, e.g. ``{"method": "bank_transfer",
    "label": "Checking at First Bank"}``; never an account number."""

    symbol = "offsite"
    processor = "offsite"
    display_name = "Offsite method"
    source_object_schema = SOURCE_OBJECT_SCHEMA

    def create(self, request: SourceRequest) -> NewSource:
        """Validate the object; the method becomes the source's reference."""
        obj = request.source_object
        unknown = set(obj) - {"method", "label"}
        if unknown:
            raise InvalidRequest(
                f"unknown offsite source fields: {', '.join(sorted(unknown))}",
                code="invalid_source_object",
            )
        method = _method(obj.get("method"), "source")
        label = _text(obj, "label") if "label" in obj else None
        return NewSource(
            processor_reference=method, name=label or method.replace("_", " ").capitalize()
        )
