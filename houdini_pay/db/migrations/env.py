"""Alembic environment: runs against the engine of the houdini-pay application."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from houdini_pay.store._models import Base

config = context.config
engine: Engine = config.attributes["engine"]


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # Sent on the driver's connection, outside any transaction: inside one SQLite ignores it.
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode copies a table and drops the old one; with foreign keys enforced,
        # SQLite refuses to drop a table other rows point at. They are checked after.
        _sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things in place; batch mode copies the table instead.
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.rollback()
            if broken:
                raise RuntimeError(f"the migration left rows pointing at no row: {broken}")
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)
