"""The typed column sets name exactly the columns of their tables."""

from __future__ import annotations

import typing

import pytest
from sqlalchemy import func, select

from houdini_pay import HoudiniPay
from houdini_pay.store._models import OutboxEvent, Payment, PaymentAttempt
from houdini_pay.store._rows import AttemptColumns, OutboxColumns, PaymentColumns
from tests.conftest import PayFunction


@pytest.mark.parametrize(
    ("columns", "model"),
    [(AttemptColumns, PaymentAttempt), (PaymentColumns, Payment), (OutboxColumns, OutboxEvent)],
)
def test_a_column_set_names_every_column_of_its_table(columns: type, model: type) -> None:
    table = model.__table__  # type: ignore[attr-defined]
    assert set(typing.get_type_hints(columns)) == {column.name for column in table.columns}
    assert columns.__required_keys__ == frozenset(typing.get_type_hints(columns))  # type: ignore[attr-defined]


def test_a_payment_adds_one_completed_event_with_its_payment(
    app: HoudiniPay, pay: PayFunction
) -> None:
    # On PostgreSQL the event is written by a CTE on the UPDATE closing the attempt.
    outcome = pay(idempotency_key="outbox-1")
    assert outcome.payment is not None
    with app.session() as session:
        events = list(session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))
    completed = [event for event in events if event.event == "payment_completed"]
    assert len(completed) == 1
    (event,) = completed
    assert event.nonprofit_id == outcome.payment.nonprofit_id
    assert event.payload == {"payment": outcome.payment.to_dict()}
    assert event.published_at is None
    assert event.dispatched_at is None
    pay(idempotency_key="outbox-1")  # a replay adds nothing
    with app.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == len(events)
