"""Test helpers about tenant keys: the sharding check for a plugin's tables, and a row by id.

A plugin's test suite calls :func:`assert_shardable` with its tables' names; it fails naming
every table whose primary key, unique constraint or foreign key to a tenant table lacks
``nonprofit_id`` (see docs/plugin-authors.md, "Tables").
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from houdini_pay.db.sharding import key_problems
from houdini_pay.store import Base

__all__ = ["assert_shardable", "check_tenant_keys", "find_row"]

_B = TypeVar("_B", bound=Base)


def assert_shardable(tables: list[str] | None = None) -> None:
    """Fail unless every tenant table (of ``tables``, if given) can be sharded by nonprofit.

    Checks the tables declared on :class:`houdini_pay.Base` (import the plugin's models
    first). ``tables`` names the tables to check (a plugin's own); None checks them all.

    Raises:
        AssertionError: one line per problem, naming the table and the key.
    """
    known = {table.name for table in Base.metadata.sorted_tables}
    missing = sorted(set(tables or ()) - known)
    assert not missing, f"no such table on houdini_pay.Base: {', '.join(missing)}"
    problems = key_problems(Base.metadata, tables)
    assert not problems, "tables that cannot be sharded by nonprofit_id:\n" + "\n".join(problems)


def check_tenant_keys(trial: Any) -> None:
    """Every table on the shared metadata can be sharded by nonprofit_id (keys include it)."""
    # The plugin's models are imported with the plugin (the trial's app loaded it). A
    # processor trial's app is a method, a payment type trial's a property.
    app = trial.app
    if callable(app):
        app()
    problems = key_problems(Base.metadata)
    if problems:
        trial.fail(
            "declares tables that cannot be sharded by nonprofit_id: "
            + "; ".join(problems)
            + " (see docs/plugin-authors.md, Tables)"
        )


def find_row(session: Session, model: type[_B], record_id: Any) -> _B:
    """The row of ``model`` with this ``id``, whatever its nonprofit (tests only: the
    application always looks rows up by their key, nonprofit and id)."""
    id_column = model.__table__.c.id
    return session.scalars(select(model).where(id_column == record_id)).one()
