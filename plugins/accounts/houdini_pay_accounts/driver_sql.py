"""Core statements compiled once per database and run as driver SQL.

``connection.execute(statement)`` looks the statement up in SQLAlchemy's compiled cache and
processes every parameter and result value by type on each call: about half of what a
short statement costs on SQLite. A transfer runs a few statements whose parameters are
strings and integers and whose results it reads as such, so they are compiled once per
dialect and run with ``exec_driver_sql`` (which still fires the engine's events). Not for
statements with dates, JSON or other values that need the type's processing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, CursorResult
from sqlalchemy.sql import ClauseElement

__all__ = ["DriverStatement"]


_Compiled = tuple[str, tuple[str, ...] | None, dict[str, Any]]


class DriverStatement:
    """``statement`` compiled once per dialect (name and server version), run as driver SQL.

    Its parameters are passed as given (strings, integers, booleans), with the values bound in
    the statement itself; its rows come back as the driver returns them (a boolean may be 0
    or 1 on SQLite).
    """

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, Any], _Compiled] = {}

    def execute(self, connection: Connection, parameters: Mapping[str, Any]) -> CursorResult[Any]:
        """Run the statement on ``connection`` with ``parameters`` (by name)."""
        dialect = connection.dialect
        key = (dialect.name, dialect.server_version_info)
        found = self._compiled.get(key)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            positions = getattr(compiled, "positiontup", None)
            fixed = {name: value for name, value in compiled.params.items() if value is not None}
            found = (str(compiled), tuple(positions) if positions is not None else None, fixed)
            self._compiled[key] = found
        sql, positions, fixed = found
        values = {**fixed, **parameters} if fixed else parameters
        if positions is None:
            return connection.exec_driver_sql(sql, dict(values))
        return connection.exec_driver_sql(sql, tuple(values[name] for name in positions))
