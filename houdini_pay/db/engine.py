"""Engines for the two supported databases: SQLite (embedded default) and PostgreSQL.

SQLite runs in WAL mode so readers never wait for the writer, and every write transaction
starts with ``BEGIN IMMEDIATE``: it takes the write lock up front, so two writers queue on
``busy_timeout`` instead of failing half-way with ``database is locked``. Read-only units of
work start with a plain (deferred) ``BEGIN`` and never take the write lock.

PostgreSQL is reached through psycopg 3; a bare ``postgresql://`` URL is given that driver.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url

from houdini_pay.errors import ConfigurationError

__all__ = ["READ_ONLY", "create_engine_for", "is_postgresql", "is_sqlite"]

READ_ONLY = "houdini_pay_read_only"
"""Execution option: on SQLite, start the transaction deferred (no write lock)."""

SQLITE_BUSY_TIMEOUT_MS = 30_000


def is_sqlite(url: str | URL) -> bool:
    """True for a SQLite URL."""
    return make_url(url).get_backend_name() == "sqlite"


def is_postgresql(url: str | URL) -> bool:
    """True for a PostgreSQL URL."""
    return make_url(url).get_backend_name() == "postgresql"


def create_engine_for(url: str | URL, **options: Any) -> Engine:
    """Create an engine for ``url`` set up as described in this module's docstring.

    Raises:
        ConfigurationError: the URL is malformed or names an unsupported database.
    """
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ConfigurationError(f"invalid database URL {str(url)!r}: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            parsed = parsed.set(drivername="postgresql+psycopg")
        options.setdefault("pool_pre_ping", True)
        return create_engine(parsed, **options)
    if backend == "sqlite":
        engine = create_engine(parsed, **options)
        _configure_sqlite(engine, in_memory=parsed.database in (None, "", ":memory:"))
        return engine
    raise ConfigurationError(
        f"unsupported database {backend!r}: use sqlite:///path.db or postgresql://..."
    )


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself, instead of the
        # sqlite3 module's implicit deferred BEGIN before the first write.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL loses no committed transaction on a process crash and
            # keeps the database consistent on power loss.
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
