"""Rows of tenant tables by their key, ``(nonprofit_id, id)``."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from houdini_pay.db.sharding import CROSS_TENANT
from houdini_pay.errors import NotFound
from houdini_pay.store._models import Base
from houdini_pay.tenancy import ALL_NONPROFITS, Scope, check_scope

__all__ = ["load_tenant_row"]

_B = TypeVar("_B", bound=Base)


def load_tenant_row(
    session: Session,
    model: type[_B],
    record_id: object,
    nonprofit_id: Scope,
    *,
    not_found: str,
    lock: bool = False,
) -> _B:
    """A row of a tenant table by ``id`` within ``nonprofit_id``, else ``NotFound``.

    The row is found by its key, ``(nonprofit_id, id)``: on a database sharded by nonprofit
    that reads one shard. With ``ALL_NONPROFITS`` (an operator) the id is looked for in every
    nonprofit, which reads every shard. ``not_found`` is the error's code
    (``campaign_not_found``; the message names the record from it). A missing id and another
    nonprofit's id get the same answer. ``lock`` takes the row for update (and reloads it).

    Raises:
        TypeError: ``nonprofit_id`` is neither an id nor ``ALL_NONPROFITS`` (``None``).
    """
    check_scope(nonprofit_id)
    row: _B | None = None
    if not isinstance(record_id, str):  # a malformed id names no row
        row = None
    elif nonprofit_id is not ALL_NONPROFITS:
        key = (nonprofit_id, record_id)
        row = session.get(model, key, with_for_update=lock, populate_existing=lock)
    else:
        id_column = model.__table__.c.id
        statement = select(model).where(id_column == record_id)
        if lock:
            statement = statement.with_for_update()
        options = {"populate_existing": lock, CROSS_TENANT: True}
        row = session.execute(statement, execution_options=options).scalar_one_or_none()
    if row is None:
        label = not_found.removesuffix("_not_found").replace("_", " ")
        raise NotFound(f"{label} {record_id!r} not found", code=not_found)
    return row
