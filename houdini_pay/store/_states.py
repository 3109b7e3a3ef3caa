"""The explicit states of attempts, payments and reservations, and the moves between them.

States are stored columns, never inferred from history. Every change of state goes through
:func:`transition`, which refuses a move the tables below do not allow. States only move
forward: nothing returns to ``started`` or ``charging``, and a terminal state stays put.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from houdini_pay.errors import InvalidTransition

__all__ = [
    "ATTEMPT_TRANSITIONS",
    "PAYMENT_TRANSITIONS",
    "AttemptState",
    "PaymentKind",
    "PaymentStatus",
    "ReservationState",
    "transition",
]


class AttemptState(StrEnum):
    """Where one run of the pipeline (a charge or a refund) stands."""

    STARTED = "started"
    """Recorded with its items held; the processor has not been asked yet."""
    CHARGING = "charging"
    """The processor is being asked to move money."""
    SUCCEEDED = "succeeded"
    """Money moved and everything was recorded (terminal)."""
    FAILED = "failed"
    """No money moved (terminal)."""
    REVERSED = "reversed"
    """Money moved, could not be recorded, and was given back (terminal)."""
    PENDING = "pending"
    """The processor accepted and will report the outcome later (bank debit, approval)."""
    REQUIRES_ACTION = "requires_action"
    """The supporter must act (3-D Secure) before the processor can go on."""
    UNKNOWN = "unknown"
    """The outcome is not known (timeout, crash); ``reconcile`` settles it."""

    @property
    def is_terminal(self) -> bool:
        """True for states that never change again."""
        return self in _TERMINAL_ATTEMPT_STATES

    @property
    def is_in_flight(self) -> bool:
        """True while a process is (or was, before a crash) running this attempt."""
        return self in (AttemptState.STARTED, AttemptState.CHARGING)


_TERMINAL_ATTEMPT_STATES = frozenset(
    {AttemptState.SUCCEEDED, AttemptState.FAILED, AttemptState.REVERSED}
)
_SETTLED_LATER = frozenset(
    {
        AttemptState.SUCCEEDED,
        AttemptState.FAILED,
        AttemptState.REVERSED,
        AttemptState.PENDING,
        AttemptState.REQUIRES_ACTION,
        AttemptState.UNKNOWN,
    }
)

ATTEMPT_TRANSITIONS: Mapping[AttemptState, frozenset[AttemptState]] = {
    AttemptState.STARTED: frozenset({AttemptState.CHARGING, AttemptState.FAILED}),
    AttemptState.CHARGING: _SETTLED_LATER,
    AttemptState.PENDING: _SETTLED_LATER,
    AttemptState.REQUIRES_ACTION: _SETTLED_LATER,
    AttemptState.UNKNOWN: _SETTLED_LATER,
    AttemptState.SUCCEEDED: frozenset(),
    AttemptState.FAILED: frozenset(),
    AttemptState.REVERSED: frozenset(),
}


class PaymentKind(StrEnum):
    """What a payment row records."""

    CHARGE = "charge"
    REFUND = "refund"
    DISPUTE = "dispute"
    DISPUTE_REVERSAL = "dispute_reversal"
    FEE = "fee"
    OFFSITE = "offsite"


class PaymentStatus(StrEnum):
    """Where a payment stands, as the nonprofit sees it."""

    PENDING = "pending"
    PENDING_APPROVAL = "pending_approval"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    DISPUTED = "disputed"
    CANCELLED = "cancelled"


_P = PaymentStatus
PAYMENT_TRANSITIONS: Mapping[PaymentStatus, frozenset[PaymentStatus]] = {
    _P.PENDING: frozenset({_P.PROCESSING, _P.SUCCEEDED, _P.FAILED, _P.CANCELLED}),
    _P.PENDING_APPROVAL: frozenset({_P.SUCCEEDED, _P.FAILED, _P.CANCELLED}),
    _P.PROCESSING: frozenset({_P.SUCCEEDED, _P.FAILED}),
    _P.SUCCEEDED: frozenset({_P.PARTIALLY_REFUNDED, _P.REFUNDED, _P.DISPUTED}),
    _P.PARTIALLY_REFUNDED: frozenset({_P.PARTIALLY_REFUNDED, _P.REFUNDED, _P.DISPUTED}),
    # A dispute ends won (back to where it was) or lost (stays disputed); refunds may
    # still happen while it is open.
    _P.DISPUTED: frozenset({_P.SUCCEEDED, _P.PARTIALLY_REFUNDED, _P.REFUNDED}),
    _P.REFUNDED: frozenset({_P.DISPUTED}),
    _P.FAILED: frozenset(),
    _P.CANCELLED: frozenset(),
}


class ReservationState(StrEnum):
    """Where a hold on limited items stands."""

    HELD = "held"
    FINALIZED = "finalized"
    RELEASED = "released"


_S = TypeVar("_S", AttemptState, PaymentStatus)


def transition(current: _S, target: _S, table: Mapping[_S, frozenset[_S]]) -> _S:
    """Return ``target`` if ``table`` allows ``current → target``, else raise.

    Raises:
        InvalidTransition: the move goes backwards or out of a terminal state.
    """
    if target not in table[current]:
        raise InvalidTransition(
            f"cannot move from {current.value!r} to {target.value!r}",
            details={"from": current.value, "to": target.value},
        )
    return target
