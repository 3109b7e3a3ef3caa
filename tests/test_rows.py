"""The typed column sets name exactly the columns of their tables."""

from __future__ import annotations

import typing

import pytest

from houdini_pay.store._models import OutboxEvent, Payment, PaymentAttempt
from houdini_pay.store._rows import AttemptColumns, OutboxColumns, PaymentColumns


@pytest.mark.parametrize(
    ("columns", "model"),
    [(AttemptColumns, PaymentAttempt), (PaymentColumns, Payment), (OutboxColumns, OutboxEvent)],
)
def test_a_column_set_names_every_column_of_its_table(columns: type, model: type) -> None:
    table = model.__table__  # type: ignore[attr-defined]
    assert set(typing.get_type_hints(columns)) == {column.name for column in table.columns}
    assert columns.__required_keys__ == frozenset(typing.get_type_hints(columns))  # type: ignore[attr-defined]
