"""Small helpers shared by the core's tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select

from houdini_pay import HoudiniPay, signals
from houdini_pay.store._models import Base


def count(app: HoudiniPay, model: type[Base], **where: Any) -> int:
    """Rows of ``model`` matching the keyword equalities."""
    statement = select(func.count()).select_from(model)
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    with app.session() as session:
        return int(session.scalar(statement) or 0)


class EventLog:
    """Every signal sent while it listens, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def names(self) -> list[str]:
        """The names of the signals received, in order."""
        return [name for name, _ in self.events]

    def of(self, name: str) -> list[dict[str, Any]]:
        """The keyword arguments of each ``name`` signal received."""
        return [kwargs for event, kwargs in self.events if event == name]


@contextmanager
def recording_events() -> Iterator[EventLog]:
    """Record every houdini-pay signal sent inside the block."""
    log = EventLog()
    receivers = []
    for name, signal in signals.namespace.items():

        def receiver(sender: Any, _name: str = name, **kwargs: Any) -> None:
            log.events.append((_name, kwargs))

        signal.connect(receiver, weak=False)
        receivers.append((signal, receiver))
    try:
        yield log
    finally:
        for signal, receiver in receivers:
            signal.disconnect(receiver)


def deliver_concurrently(copies: int, deliver: Callable[[], str]) -> list[str]:
    """Run ``deliver`` (one delivery of a webhook event) in ``copies`` threads at once.

    The copy that applies the event finalizes a payment; a slow ``payment_completed``
    listener of the platform keeps that copy's claim held until every other copy has been
    answered ``duplicate`` (or 10 s passed), so the others truly arrive while it is being
    applied. Returns the answers.
    """
    answers: list[str] = []
    lock = threading.Lock()
    others_answered = threading.Event()

    def slow_listener(sender: Any, **kwargs: Any) -> None:
        others_answered.wait(10)

    def one_copy() -> None:
        answer = deliver()
        with lock:
            answers.append(answer)
            if answers.count("duplicate") == copies - 1:
                others_answered.set()

    signals.payment_completed.connect(slow_listener, weak=False)
    try:
        threads = [threading.Thread(target=one_copy) for _ in range(copies)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        signals.payment_completed.disconnect(slow_listener)
    return answers
