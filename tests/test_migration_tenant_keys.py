"""core_tenant_keys and the plugins' matching revisions keep every row of every table.

A database is migrated to the revisions before them (core_webhook_claims, donation_0002,
stripe_0001, tickets_0001) and every table is filled, two nonprofits' rows each, by its
reflected columns; after ``db upgrade`` every row reads back the same and every key has
``nonprofit_id``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from alembic import command
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    Table,
    inspect,
    select,
)

from houdini_pay import HoudiniPay
from houdini_pay.contract import build_plugin_manager
from houdini_pay.db.migrate import alembic_config, current_heads
from houdini_pay.db.sharding import is_reference_table
from houdini_pay.store import Base

BEFORE = ["core_webhook_claims", "donation_0002", "stripe_0001", "tickets_0001"]
NONPROFITS = ("np_a", "np_b")
WHEN = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def _value(table: Table, column: Any, nonprofit: str, parents: dict[str, dict[str, str]]) -> Any:
    """A value for ``column`` of ``nonprofit``'s row: a foreign key points at the row of the
    same nonprofit in the referred table (the only rows the new keys allow)."""
    if column.name == "nonprofit_id" or (table.name == "nonprofits" and column.name == "id"):
        return nonprofit
    for key in column.foreign_keys:
        referred = key.column.table.name
        if referred == table.name:
            return None  # a payment's parent: the first row has none
        return parents[referred][nonprofit]
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, DateTime):
        return WHEN
    if isinstance(kind, Date):
        return WHEN.date()
    if isinstance(kind, JSON):
        return {"from": table.name}
    if isinstance(kind, Integer | Numeric):
        return 7
    length = getattr(kind, "length", None) or 40
    return f"{table.name[:8]}_{column.name[:10]}_{nonprofit}"[:length]


def _fill(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    """Two rows (one per nonprofit) in every table; return them as written."""
    metadata = MetaData()
    metadata.reflect(connection)
    parents: dict[str, dict[str, str]] = {}
    written: dict[str, list[dict[str, Any]]] = {}
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        rows = [
            {column.name: _value(table, column, nonprofit, parents) for column in table.columns}
            for nonprofit in NONPROFITS
        ]
        connection.execute(table.insert(), rows)
        written[table.name] = rows
        if "id" in table.c:
            parents[table.name] = {
                nonprofit: row["id"] for nonprofit, row in zip(NONPROFITS, rows, strict=True)
            }
    return written


def _read(connection: Connection, names: list[str]) -> dict[str, list[dict[str, Any]]]:
    metadata = MetaData()
    metadata.reflect(connection, only=names)
    found = {}
    for name in names:
        # In no particular order: _comparable sorts them.
        rows = connection.execute(select(metadata.tables[name]))
        found[name] = [dict(row._mapping) for row in rows]
    return found


def _comparable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # SQLite gives back naive datetimes for timezone-aware columns; both stand for UTC.
    def plain(value: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(dt.UTC).replace(tzinfo=None)
        return value

    return sorted(
        ({key: plain(value) for key, value in row.items()} for row in rows),
        key=lambda row: sorted(map(str, row.values())),
    )


def test_the_tenant_keys_migrations_keep_every_row(houdini_database_url: str) -> None:
    app = HoudiniPay(houdini_database_url, plugin_manager=build_plugin_manager(blocked=()))

    def drop_everything() -> None:
        if app.engine.dialect.name == "postgresql":  # the session's database is shared
            Base.metadata.drop_all(app.engine)
            with app.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")

    drop_everything()
    try:
        config = alembic_config(app)
        for revision in BEFORE:
            command.upgrade(config, revision)
        assert current_heads(app) == sorted(BEFORE)
        with app.engine.begin() as connection:
            written = _fill(connection)
        assert len(written) >= 25  # every table of the core and the shipped plugins

        app.upgrade_database()

        with app.engine.connect() as connection:
            after = _read(connection, sorted(written))
            inspector = inspect(connection)
            for name, rows in written.items():
                # Later revisions may add columns (outbox.dispatched_at): compare those written.
                columns = set(rows[0]) if rows else set()
                kept = [{key: row[key] for key in columns} for row in after[name]]
                assert _comparable(kept) == _comparable(rows), name
                if is_reference_table(Base.metadata.tables[name]):
                    continue
                key = inspector.get_pk_constraint(name)["constrained_columns"]
                assert "nonprofit_id" in key, name
                for foreign in inspector.get_foreign_keys(name):
                    if foreign["referred_table"] != "nonprofits":
                        assert "nonprofit_id" in foreign["constrained_columns"], (name, foreign)
    finally:
        drop_everything()
        app.dispose()
