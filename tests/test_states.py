"""Every allowed and every forbidden state transition of attempts and payments."""

from __future__ import annotations

import itertools

import pytest

from houdini_pay.errors import InvalidTransition
from houdini_pay.store._states import (
    ATTEMPT_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    AttemptState,
    PaymentStatus,
    transition,
)

ATTEMPT_PAIRS = list(itertools.product(AttemptState, AttemptState))
PAYMENT_PAIRS = list(itertools.product(PaymentStatus, PaymentStatus))


@pytest.mark.parametrize(("current", "target"), ATTEMPT_PAIRS, ids=lambda s: s.value)
def test_attempt_transitions(current: AttemptState, target: AttemptState) -> None:
    if target in ATTEMPT_TRANSITIONS[current]:
        assert transition(current, target, ATTEMPT_TRANSITIONS) is target
    else:
        with pytest.raises(InvalidTransition) as raised:
            transition(current, target, ATTEMPT_TRANSITIONS)
        assert raised.value.details == {"from": current.value, "to": target.value}


@pytest.mark.parametrize(("current", "target"), PAYMENT_PAIRS, ids=lambda s: s.value)
def test_payment_transitions(current: PaymentStatus, target: PaymentStatus) -> None:
    if target in PAYMENT_TRANSITIONS[current]:
        assert transition(current, target, PAYMENT_TRANSITIONS) is target
    else:
        with pytest.raises(InvalidTransition):
            transition(current, target, PAYMENT_TRANSITIONS)


def test_attempts_only_move_forward() -> None:
    for state in AttemptState:
        allowed = ATTEMPT_TRANSITIONS[state]
        assert AttemptState.STARTED not in allowed
        if state is not AttemptState.STARTED:
            assert AttemptState.CHARGING not in allowed
        if state.is_terminal:
            assert allowed == frozenset()


def test_terminal_and_in_flight_states() -> None:
    assert {s for s in AttemptState if s.is_terminal} == {
        AttemptState.SUCCEEDED,
        AttemptState.FAILED,
        AttemptState.REVERSED,
    }
    assert {s for s in AttemptState if s.is_in_flight} == {
        AttemptState.STARTED,
        AttemptState.CHARGING,
    }
    assert PAYMENT_TRANSITIONS[PaymentStatus.FAILED] == frozenset()
    assert PAYMENT_TRANSITIONS[PaymentStatus.CANCELLED] == frozenset()
