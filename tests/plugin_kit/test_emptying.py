"""Between PostgreSQL tests the kit empties what the last test wrote, and nothing survives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from houdini_pay import HoudiniPay, PaymentRequest
from houdini_pay.store._models import Base
from houdini_pay.testing import FakeGiftPaymentType, FakeProcessor, TestPlugin
from houdini_pay.testing import pytest_plugin as kit
from houdini_pay.testing.databases import require_postgres, temporary_postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def app() -> Iterator[HoudiniPay]:
    """An application on a PostgreSQL database of this test's own, with its tables."""
    with temporary_postgres_database(require_postgres()) as url:
        plugin = TestPlugin(processors=[FakeProcessor()], payment_types=[FakeGiftPaymentType()])
        made = kit.make_test_app(url, plugin)
        try:
            yield made
        finally:
            made.dispose()


def _rows(app: HoudiniPay) -> dict[str, int]:
    with app.engine.connect() as connection:
        counts = {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }
    return {name: count for name, count in counts.items() if count}


def test_a_payment_and_its_refund_are_emptied_children_first(app: HoudiniPay) -> None:
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD", country="US")
    supporter = app.create_supporter(nonprofit.id, "Ada Lovelace")
    outcome = app.pay(
        PaymentRequest(
            nonprofit_id=nonprofit.id,
            supporter_id=supporter.id,
            amount=2500,
            currency="USD",
            processor="fake",
            payment_type="gift",
        )
    )
    assert outcome.payment is not None
    app.refund(outcome.payment.id, amount=1000, nonprofit_id=nonprofit.id)
    assert _rows(app)["payments"] == 2  # the charge, and the refund referring to it
    kit._empty_tables(app.engine)
    assert _rows(app) == {}


def test_rows_outside_the_metadata_referring_to_them_do_not_stop_it(app: HoudiniPay) -> None:
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD", country="US")
    with app.engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE outside_notes (nonprofit_id VARCHAR REFERENCES nonprofits (id))")
        )
        connection.execute(text("INSERT INTO outside_notes VALUES (:id)"), {"id": nonprofit.id})
    kit._empty_tables(app.engine)
    assert _rows(app) == {}
    with app.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM outside_notes")).scalar_one() == 0
