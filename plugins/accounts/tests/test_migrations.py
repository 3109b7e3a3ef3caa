"""accounts_0002: system accounts stop keeping counters; their transfers stay the truth."""

from __future__ import annotations

import datetime as dt

from alembic import command
from houdini_pay_accounts.verification import verify
from sqlalchemy import Connection, text

from houdini_pay import Base, HoudiniPay
from houdini_pay.contract._manager import build_plugin_manager
from houdini_pay.db.migrate import alembic_config

_COUNTERS = "debits_pending, debits_posted, credits_pending, credits_posted"


def _fill_at_accounts_0001(connection: Connection, nonprofit_id: str, supporter_id: str) -> None:
    """A top-up of 50.00 and a payment of 10.00 from it (held, then posted), written with
    every account's counters, as the ledger did before accounts_0002."""
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    for account_id, key, kind, owner, counters in (
        ("acct_in", "system:top_ups:USD", "top_ups", None, (0, 5000, 0, 0)),
        ("acct_out", "system:spent:USD", "spent", None, (0, 0, 0, 1000)),
        (
            "acct_sup",
            f"supporter:{supporter_id}:USD",
            "supporter",
            supporter_id,
            (0, 1000, 0, 5000),
        ),
    ):
        connection.execute(
            text(
                "INSERT INTO ledger_accounts (nonprofit_id, id, key, kind, supporter_id, currency,"
                f" must_not_overdraw, {_COUNTERS}, created_at) VALUES (:np, :id, :key, :kind,"
                " :owner, 'USD', :owned, :dp, :dpo, :cp, :cpo, :now)"
            ),
            {"np": nonprofit_id, "id": account_id, "key": key, "kind": kind, "owner": owner,
             "owned": owner is not None, "now": now,
             **dict(zip(("dp", "dpo", "cp", "cpo"), counters, strict=True))},
        )  # fmt: skip
    for transfer_id, debit, credit, flags, pending_id in (
        ("top_up:pay_1", "acct_in", "acct_sup", "posted", None),
        ("att_2", "acct_sup", "acct_out", "pending", None),
        ("att_2:post", "acct_sup", "acct_out", "post", "att_2"),
    ):
        connection.execute(
            text(
                "INSERT INTO ledger_transfers (nonprofit_id, id, debit_account_id,"
                " credit_account_id, amount, kind, flags, pending_id, created_at) VALUES (:np,"
                " :id, :debit, :credit, :amount, 'payment', :flags, :pending_id, :now)"
            ),
            {"np": nonprofit_id, "id": transfer_id, "debit": debit, "credit": credit,
             "amount": 5000 if debit == "acct_in" else 1000, "flags": flags,
             "pending_id": pending_id, "now": now},
        )  # fmt: skip


def _counters(connection: Connection) -> dict[str, tuple[int, ...]]:
    rows = connection.execute(text(f"SELECT id, {_COUNTERS} FROM ledger_accounts"))
    return {row[0]: tuple(row[1:]) for row in rows}


def test_system_accounts_drop_their_counters_and_get_them_back_on_downgrade(
    houdini_database_url: str,
) -> None:
    app = HoudiniPay(houdini_database_url, plugin_manager=build_plugin_manager(blocked=()))

    def drop_everything() -> None:
        if app.engine.dialect.name == "postgresql":  # the session's database is shared
            Base.metadata.drop_all(app.engine)
            with app.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")

    drop_everything()
    try:
        config = alembic_config(app)
        app.upgrade_database()
        command.downgrade(config, "accounts_0001")
        nonprofit = app.create_nonprofit("Riverside", "USD", country="US")
        supporter = app.create_supporter(nonprofit.id, "Ada")
        with app.engine.begin() as connection:
            _fill_at_accounts_0001(connection, nonprofit.id, supporter.id)
            before = _counters(connection)
        app.upgrade_database()
        with app.engine.connect() as connection:
            after = _counters(connection)
            rows = connection.execute(text("SELECT id, keeps_counters FROM ledger_accounts"))
            kept = {row.id: bool(row.keeps_counters) for row in rows}
        assert after == {**before, "acct_in": (0, 0, 0, 0), "acct_out": (0, 0, 0, 0)}
        assert kept == {
            "acct_in": False,
            "acct_out": False,
            "acct_sup": True,
        }
        assert verify(app) == []
        command.downgrade(config, "accounts_0001")
        with app.engine.connect() as connection:
            assert _counters(connection) == before
    finally:
        drop_everything()
        app.dispose()
