"""Receivers stay connected: the documented ways of listening all hear the event."""

from __future__ import annotations

import gc
from typing import Any

from houdini_pay import PaymentRecord, signals
from tests.conftest import PayFunction


def test_a_lambda_receiver_hears_every_payment(pay: PayFunction) -> None:
    signal = signals.payment_completed
    before = set(signal.receivers)
    heard: list[str] = []
    # No reference kept: the signal alone must keep the lambda alive.
    signal.connect(lambda app, payment, attempt: heard.append(payment.id))
    (added,) = set(signal.receivers) - before
    receiver = signal.receivers[added]
    try:
        gc.collect()  # blinker's weak reference would let the lambda go here
        first, second = pay(), pay()
        assert first.payment is not None
        assert second.payment is not None
        assert heard == [first.payment.id, second.payment.id]
    finally:
        signal.disconnect(receiver)
    pay()
    assert len(heard) == 2  # disconnected: heard no more


def test_a_plugins_own_signal_keeps_its_receivers_too() -> None:
    signal = signals.namespace.signal("surfaces_test_signal")
    assert isinstance(signal, signals.StrongSignal)
    heard: list[dict[str, Any]] = []

    def nested(sender: object, **kwargs: Any) -> None:
        heard.append(kwargs)

    signal.connect(nested)
    del nested
    gc.collect()
    try:
        signals.send(signal, None, value=1)
        assert heard == [{"value": 1}]
    finally:
        signal.receivers.clear()


def test_weak_receivers_are_still_possible() -> None:
    signal = signals.namespace.signal("surfaces_test_weak_signal")
    heard: list[PaymentRecord] = []
    signal.connect(lambda sender, **kwargs: heard.append(kwargs["payment"]), weak=True)
    gc.collect()
    signals.send(signal, None, payment="x")
    assert heard == []
