"""Idempotency keys: one fingerprint per operation, one stored-outcome check, one replay-or-insert.

Every run that moves money (a charge, a refund, a refund made in the processor's dashboard)
is an attempt under an idempotency key unique per nonprofit. Whoever starts one:

1. fingerprints what was asked (:func:`payment_fingerprint`, :func:`refund_fingerprint`,
   :func:`external_refund_fingerprint`), so a retry can be told from a different request
   that reuses the key;
2. looks the key up (:func:`stored_attempt`): the same request returns the stored outcome,
   another request is ``idempotency_conflict``, a run not finished is
   ``idempotency_in_flight``;
3. records its attempt through :func:`replay_or_insert`: when a concurrent run with the same
   key committed between the look-up and the insert, the key's unique index refuses the
   insert and the winner's stored outcome answers instead.

The fingerprints are stored, so their formats are fixed: changing one would turn every
retry of an attempt made before the change into a conflict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Row
from sqlalchemy.exc import IntegrityError

from houdini_pay.contract._requests import fingerprint_of
from houdini_pay.db import sql
from houdini_pay.errors import IdempotencyConflict, IdempotencyInFlight
from houdini_pay.store._states import AttemptState

__all__ = [
    "OPERATION_CHARGE",
    "OPERATION_REFUND",
    "external_refund_fingerprint",
    "payment_fingerprint",
    "refund_fingerprint",
    "replay_or_insert",
    "stored_attempt",
]

OPERATION_CHARGE = "charge"
OPERATION_REFUND = "refund"

_NOUNS = {OPERATION_CHARGE: "payment", OPERATION_REFUND: "refund"}

T = TypeVar("T")
R = TypeVar("R")


def _digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


def payment_fingerprint(stored_request: dict[str, Any]) -> str:
    """A charge's: its request as :meth:`PaymentRequest.to_dict` stores it, less the key and
    the channel (see :func:`houdini_pay.contract._requests.fingerprint_of`)."""
    return fingerprint_of(stored_request)


def refund_fingerprint(payment_id: str, amount: int | None, reason: str | None) -> str:
    """A refund's: the payment, the amount asked (None for all that remains) and the reason."""
    return _digest(
        json.dumps({"payment_id": payment_id, "amount": amount, "reason": reason}, sort_keys=True)
    )


def external_refund_fingerprint(key: str) -> str:
    """A refund made outside houdini-pay: its key already names the processor's refund."""
    return _digest(key)


def stored_attempt(
    connection: Connection, nonprofit_id: str, operation: str, key: str, fingerprint: str
) -> Row[Any] | None:
    """The finished attempt an earlier run with ``key`` left, or None if there is none.

    Raises:
        IdempotencyConflict: that run was asked something else (another fingerprint).
        IdempotencyInFlight: that run has not reached an outcome yet.
    """
    attempt = connection.execute(
        sql.ATTEMPT_BY_KEY,
        {"nonprofit_id": nonprofit_id, "idempotency_key": key, "operation": operation},
    ).one_or_none()
    if attempt is None:
        return None
    noun = _NOUNS[operation]
    if attempt.fingerprint != fingerprint:
        raise IdempotencyConflict(
            f"idempotency key {key!r} was already used for a different {noun}",
            details={"attempt_id": attempt.id},
        )
    if AttemptState(attempt.state).is_in_flight:
        raise IdempotencyInFlight(
            f"the {noun} with idempotency key {key!r} is still being processed; retry in a moment",
            details={"attempt_id": attempt.id},
        )
    return attempt


def replay_or_insert(insert: Callable[[], T], replay: Callable[[], R | None]) -> T | R:
    """Run ``insert``; if the key's unique index refuses it, what ``replay`` finds instead.

    ``insert`` records the attempt (after its own look-up of the key); ``replay`` looks the
    key up again in a fresh transaction, where the run that won the race is visible. The
    ``IntegrityError`` is raised again when ``replay`` finds nothing: it was another
    constraint's.
    """
    try:
        return insert()
    except IntegrityError:
        replayed = replay()
        if replayed is None:
            raise
        return replayed
