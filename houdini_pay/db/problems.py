"""A database that cannot be used, told in one line that says what to do.

The command line and ``houdini-pay serve`` turn the driver's exceptions into a
:class:`~houdini_pay.errors.ConfigurationError` with one of these codes:

``database_unreachable``   the server refused the connection, the host is unknown, the login
                           failed, or a SQLite file cannot be opened
``database_not_found``     the PostgreSQL database or the SQLite file does not exist
``database_not_migrated``  a table or column is missing: ``houdini-pay db upgrade`` was not run
``database_read_only``     SQLite refuses to write to the file
``database_error``         any other failure of the database itself (a full disk, a lock)

Messages never hold a password: URLs are shown with it masked.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

from houdini_pay.errors import ConfigurationError

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "UPGRADE_HINT",
    "explain_database_error",
    "not_migrated",
    "require_migrated",
    "require_no_missed_migrations",
    "require_sqlite_file",
]

UPGRADE_HINT = "run `houdini-pay db upgrade`"
_URL_HINT = "or fix --database-url (HOUDINI_PAY_DATABASE_URL)"

# SQLite's and PostgreSQL's words for a table or column the migrations would have made.
_MISSING_SCHEMA = re.compile(
    r"no such table|no such column|has no column named|"
    r"relation \S+ does not exist|column \S+ does not exist",
    re.IGNORECASE,
)
_UNDEFINED_TABLE_OR_COLUMN = {"42P01", "42703"}
_NO_DATABASE = re.compile(r'database "([^"]+)" does not exist')


def _where(url: str) -> str:
    """The database as a person recognises it: the SQLite path, or the URL sans password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or "(in memory)"
    return parsed.render_as_string(hide_password=True)


def _driver_line(error: SQLAlchemyError) -> str:
    """The first line of the driver's own message, without SQLAlchemy's SQL and parameters."""
    original = getattr(error, "orig", None) or error
    line = (str(original).strip().splitlines() or [type(original).__name__])[0]
    return line.removeprefix("connection failed: ").strip()


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
        return None
    if database.startswith("file:") or parsed.query.get("uri"):
        return None  # a SQLite URI names its file its own way; leave it to SQLite
    return Path(database)


def require_sqlite_file(url: str) -> None:
    """Raise ``database_not_found`` for a SQLite file that does not exist yet.

    SQLite would create an empty file on first use and then fail for want of tables; only
    ``houdini-pay db upgrade`` should make a new database.
    """
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        raise ConfigurationError(
            f"there is no SQLite database at {path}: {UPGRADE_HINT} to create it, {_URL_HINT}",
            code="database_not_found",
        )


def not_migrated(app: HoudiniPay, detail: str | None = None) -> ConfigurationError:
    """The error for a database missing migrations, naming them when they can be read."""
    from houdini_pay.db.migrate import current_heads, pending_revisions

    try:
        current, pending = current_heads(app), pending_revisions(app)
    except SQLAlchemyError:
        current, pending = [], []
    where = _where(app.settings.database_url)
    if not current:
        state = "was never upgraded"
    elif pending:
        state = f"is at {', '.join(current)} and misses {', '.join(pending)}"
    else:
        state = f"is at {', '.join(current)} but {detail or 'lacks tables this code needs'}"
    return ConfigurationError(
        f"the database {where} {state}: {UPGRADE_HINT}", code="database_not_migrated"
    )


def _cannot_open_sqlite(path: Path, line: str) -> str:
    folder = path.parent
    if not folder.exists():
        return f"the folder {folder} does not exist: create it, {_URL_HINT}"
    if not folder.is_dir():
        return f"{folder} is not a folder: {_URL_HINT.removeprefix('or ')}"
    if path.is_dir():
        return f"{path} is a folder: give a file name, {_URL_HINT}"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"this user may not write in {folder}: give it write access, {_URL_HINT}"
    return f"SQLite says: {line}; check the path and its permissions, {_URL_HINT}"


def _unreachable(url: str, line: str) -> ConfigurationError:
    path = _sqlite_path(url)
    if path is not None:
        advice = _cannot_open_sqlite(path, line)
        return ConfigurationError(
            f"cannot open the SQLite database {path}: {advice}", code="database_unreachable"
        )
    missing = _NO_DATABASE.search(line)
    if missing:
        name = missing.group(1)
        return ConfigurationError(
            f"the database {name!r} does not exist on {_where(url)}: create it "
            f"(createdb {name}) and {UPGRADE_HINT}, {_URL_HINT}",
            code="database_not_found",
        )
    return ConfigurationError(
        f"cannot reach the database {_where(url)}: {line}; check that the server is running "
        f"and accepts this user, {_URL_HINT}",
        code="database_unreachable",
    )


def _missing_schema(error: SQLAlchemyError, line: str) -> bool:
    sqlstate = getattr(getattr(error, "orig", None), "sqlstate", None)
    return sqlstate in _UNDEFINED_TABLE_OR_COLUMN or bool(_MISSING_SCHEMA.search(line))


def explain_database_error(app: HoudiniPay, error: SQLAlchemyError) -> ConfigurationError | None:
    """A one-line error saying what went wrong with the database and what to do.

    None when ``error`` is not about the database being unusable (a constraint violated
    by a bug, say): the caller should let it propagate.
    """
    if not isinstance(error, DBAPIError):
        return None
    url = app.settings.database_url
    line = _driver_line(error)
    if "readonly database" in line:
        return ConfigurationError(
            f"the SQLite database {_where(url)} is read-only for this user: give it write "
            f"access to the file and its folder, {_URL_HINT}",
            code="database_read_only",
        )
    if _missing_schema(error, line):
        return not_migrated(app, line)
    if error.statement is None or error.connection_invalidated:
        # No statement ran: the connection itself could not be made.
        return _unreachable(url, line)
    if isinstance(error, OperationalError):
        return ConfigurationError(
            f"the database {_where(url)} failed: {line}", code="database_error"
        )
    return None


def _unusable(app: HoudiniPay, error: SQLAlchemyError) -> ConfigurationError:
    """The same one line the other commands print for ``error``; never the password."""
    return explain_database_error(app, error) or ConfigurationError(
        f"cannot reach the database: {str(error).splitlines()[0]}",
        code="database_unreachable",
    )


def require_migrated(app: HoudiniPay) -> None:
    """Raise ``ConfigurationError`` unless the database is reachable and fully migrated.

    What a long-running process (``serve``, ``worker``) checks before it starts, so a
    broken database is told in one line instead of from inside its loop.
    """
    from houdini_pay.db.migrate import pending_revisions

    try:
        pending = pending_revisions(app)
    except SQLAlchemyError as exc:
        raise _unusable(app, exc) from None
    if pending:
        raise not_migrated(app)


def require_no_missed_migrations(app: HoudiniPay) -> None:
    """Raise ``ConfigurationError`` when a migrated database misses revisions of this code.

    What a command checks before it moves money: a plugin upgraded without ``houdini-pay
    db upgrade`` would otherwise be charged through and fail only when recording. A
    database Alembic never versioned passes: its tables were made another way (the test
    kit makes them from the models) or it is empty, which the pipeline reports itself.
    """
    from houdini_pay.db.migrate import current_heads, pending_revisions

    try:
        if current_heads(app) and pending_revisions(app):
            raise not_migrated(app)
    except SQLAlchemyError as exc:
        raise _unusable(app, exc) from None
