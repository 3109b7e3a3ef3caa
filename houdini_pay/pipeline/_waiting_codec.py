"""Observations kept while they wait for their payment, as JSON and back.

A refund or a dispute reported before the charge it concerns is recorded is kept in its
``webhook_events`` row (``waiting_observations``) until the payment is recorded; see
:mod:`houdini_pay.pipeline._waiting_events` and :mod:`houdini_pay.pipeline._webhooks`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from houdini_pay.contract._processors import RefundObservation, RefundResult, RefundStatus
from houdini_pay.pipeline._disputes import DisputeObservation, DisputeStatus, FundsMovement

__all__ = ["decode_waiting", "encode_waiting"]


def encode_waiting(observations: Iterable[object]) -> dict[str, Any]:
    """The observations as JSON (``waiting_observations``); only refunds and disputes."""
    return {"observations": [_encode_one(o) for o in observations]}


def decode_waiting(data: dict[str, Any] | None) -> list[object]:
    """The observations :func:`encode_waiting` stored."""
    return [_decode_one(item) for item in (data or {}).get("observations", [])]


def _encode_one(observation: object) -> dict[str, Any]:
    if isinstance(observation, RefundObservation):
        result = observation.result
        return {
            "kind": "refund",
            "payment_reference": observation.payment_reference,
            "amount": observation.amount,
            "attempt_id": observation.attempt_id,
            "status": result.status.value,
            "reference": result.reference,
            "fee_refunded": result.fee_refunded,
            "message": result.message,
        }
    if isinstance(observation, DisputeObservation):
        return {
            "kind": "dispute",
            "reference": observation.reference,
            "payment_reference": observation.payment_reference,
            "status": observation.status.value,
            "amount": observation.amount,
            "currency": observation.currency,
            "reason": observation.reason,
            "movements": [
                {"reference": m.reference, "amount": m.amount, "fee": m.fee}
                for m in observation.movements
            ],
        }
    raise TypeError(f"a {type(observation).__name__} cannot wait for its payment")


def _decode_one(item: dict[str, Any]) -> object:
    if item["kind"] == "refund":
        return RefundObservation(
            result=RefundResult(
                status=RefundStatus(item["status"]),
                reference=item["reference"],
                fee_refunded=item["fee_refunded"],
                message=item["message"],
            ),
            payment_reference=item["payment_reference"],
            amount=item["amount"],
            attempt_id=item["attempt_id"],
        )
    return DisputeObservation(
        reference=item["reference"],
        payment_reference=item["payment_reference"],
        status=DisputeStatus(item["status"]),
        amount=item["amount"],
        currency=item["currency"],
        reason=item["reason"],
        movements=[FundsMovement(**movement) for movement in item["movements"]],
    )
