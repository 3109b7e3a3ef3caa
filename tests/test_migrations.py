"""`db upgrade` applies the core's and every plugin's branch; the result matches the models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, insert, inspect, text

from houdini_pay import HoudiniPay
from houdini_pay.contract._plugins import build_plugin_manager
from houdini_pay.db.migrate import alembic_config, current_heads, pending_revisions
from houdini_pay.store._models import Base, Nonprofit, Payment, PaymentAttempt, Supporter


def test_upgrade_applies_every_branch_and_matches_the_models(houdini_database_url: str) -> None:
    app = HoudiniPay(houdini_database_url, plugin_manager=build_plugin_manager(blocked=()))
    try:
        if app.engine.dialect.name == "postgresql":
            # The session's PostgreSQL database may hold tables from other tests.
            Base.metadata.drop_all(app.engine)
            with app.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        assert "core_0001" in pending_revisions(app)
        heads = app.upgrade_database()
        assert pending_revisions(app) == []
        assert any(head.startswith("donation_") for head in heads)
        assert app.upgrade_database() == heads  # a second upgrade changes nothing
        with app.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        assert current_heads(app) == heads
    finally:
        if app.engine.dialect.name == "postgresql":
            Base.metadata.drop_all(app.engine)
            with app.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        app.dispose()


@contextmanager
def _empty_database(url: str) -> Iterator[HoudiniPay]:
    """An application with the core's migrations only, on a database with no table."""
    app = HoudiniPay(url, plugin_manager=build_plugin_manager(load_entry_points=False))

    def drop_everything() -> None:
        if app.engine.dialect.name == "postgresql":  # the session's database is shared
            Base.metadata.drop_all(app.engine)
            with app.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")

    drop_everything()
    try:
        yield app
    finally:
        drop_everything()
        app.dispose()


def _fill_at_core_0005(connection: Connection) -> None:
    """Rows as houdini-pay wrote them before channels: a check paid over the API (or the
    CLI, or Python) and a pledge made on a donor page (key ``web-...``), each with its
    payment."""
    now = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    connection.execute(
        insert(Nonprofit.__table__),
        {"id": "np_1", "name": "Riverside", "slug": "riverside", "currency": "USD",
         "created_at": now},
    )  # fmt: skip
    connection.execute(
        insert(Supporter.__table__),
        {"id": "sup_1", "nonprofit_id": "np_1", "name": "Ada", "created_at": now},
    )
    for attempt_id, key in (("att_api", "check-1042"), ("att_page", "web-3f9a")):
        connection.execute(
            insert(PaymentAttempt.__table__),
            {"id": attempt_id, "nonprofit_id": "np_1", "operation": "charge",
             "idempotency_key": key, "fingerprint": "f" * 64, "state": "succeeded",
             "processor": "offsite", "payment_type": "donation", "supporter_id": "sup_1",
             "amount": 5000, "currency": "USD", "request": {}, "reconcile_count": 0,
             "reversal_pending": False, "payment_id": attempt_id.replace("att", "pay"),
             "created_at": now, "updated_at": now},
        )  # fmt: skip
        connection.execute(
            insert(Payment.__table__), _payment(attempt_id.replace("att", "pay"), attempt_id)
        )


def _payment(payment_id: str, attempt_id: str | None) -> dict[str, object]:
    """The columns of a 50.00 USD offsite payment, as they were at core_0005."""
    now = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    return {"id": payment_id, "nonprofit_id": "np_1", "supporter_id": "sup_1",
            "attempt_id": attempt_id, "kind": "offsite", "status": "succeeded",
            "amount": 5000, "currency": "USD", "gross": 5000, "fee": 0, "net": 5000,
            "amount_refunded": 0, "processor": "offsite", "details": {}, "created_at": now,
            "updated_at": now}  # fmt: skip


def _channels(connection: Connection, table: str) -> dict[str, str]:
    rows = connection.execute(text(f"SELECT id, channel FROM {table} ORDER BY id"))
    return {row.id: row.channel for row in rows}


def test_core_channel_keeps_old_rows_with_a_default_channel(houdini_database_url: str) -> None:
    with _empty_database(houdini_database_url) as app:
        config = alembic_config(app)
        command.upgrade(config, "core_public_submissions")  # core_0005
        with app.engine.begin() as connection:
            _fill_at_core_0005(connection)
        command.upgrade(config, "core_channel")
        with app.engine.begin() as connection:
            assert _channels(connection, "payment_attempts") == {
                "att_api": "api",
                "att_page": "page",  # the core's pages wrote web- keys: their receipts go on
            }
            assert _channels(connection, "payments") == {"pay_api": "api", "pay_page": "page"}
            assert connection.scalar(text("SELECT count(*) FROM supporters")) == 1
        # A row written without naming a channel gets the default: the column is never null.
        with app.engine.begin() as connection:
            connection.execute(insert(Payment.__table__), _payment("pay_later", None))
            assert _channels(connection, "payments")["pay_later"] == "api"
        command.downgrade(config, "core_public_submissions")
        with app.engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("payments")}
            assert "channel" not in columns
            assert connection.scalar(text("SELECT count(*) FROM payments")) == 3


def test_core_payment_links_fills_in_old_invoice_payments_and_failures(
    houdini_database_url: str,
) -> None:
    with _empty_database(houdini_database_url) as app:
        config = alembic_config(app)
        command.upgrade(config, "core_page_settings")
        now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
        with app.engine.begin() as connection:
            _fill_at_core_0005(connection)  # the same rows still fit
            for attempt_id, state, request, error in (
                ("att_inv", "succeeded", {"type_object": {"invoice_id": "inv_1"}}, None),
                ("att_bad", "failed", {}, "the check bounced"),
            ):
                connection.execute(
                    insert(PaymentAttempt.__table__),
                    {"id": attempt_id, "nonprofit_id": "np_1", "operation": "charge",
                     "idempotency_key": attempt_id, "fingerprint": "f" * 64, "state": state,
                     "processor": "offsite", "supporter_id": "sup_1", "amount": 5000,
                     "payment_type": "invoice" if attempt_id == "att_inv" else "donation",
                     "currency": "USD", "request": request, "reconcile_count": 0,
                     "reversal_pending": False, "error_message": error,
                     "payment_id": attempt_id.replace("att", "pay"), "created_at": now,
                     "updated_at": now},
                )  # fmt: skip
            connection.execute(insert(Payment.__table__), _payment("pay_inv", "att_inv"))
            connection.execute(
                insert(Payment.__table__),
                {**_payment("pay_bad", "att_bad"), "status": "failed"},
            )
            connection.execute(
                insert(Payment.__table__),
                {**_payment("pay_ref", None), "parent_id": "pay_inv", "amount": -1000},
            )
        command.upgrade(config, "core_payment_links")
        with app.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, invoice_id, failure_reason FROM payments ORDER BY id")
            )
            assert {row.id: (row.invoice_id, row.failure_reason) for row in rows} == {
                "pay_api": (None, None),
                "pay_bad": (None, "the check bounced"),
                "pay_inv": ("inv_1", None),
                "pay_page": (None, None),
                "pay_ref": ("inv_1", None),  # a refund names its payment's invoice
            }
        command.downgrade(config, "core_page_settings")
        with app.engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("payments")}
            assert not {"invoice_id", "failure_reason"} & columns
            assert connection.scalar(text("SELECT count(*) FROM payments")) == 5
