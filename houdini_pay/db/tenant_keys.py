"""Alembic operations that move tables to keys that include ``nonprofit_id``.

The migration ``core_tenant_keys`` and each plugin branch's matching migration describe
their tables with :class:`Rekey` and call :func:`upgrade_keys` (and :func:`downgrade_keys`).
Every row stays: PostgreSQL changes the constraints in place; SQLite copies each table
(Alembic's batch mode), rows and all.

On PostgreSQL, dropping a table's primary key drops the foreign keys of other tables that
point at it (``CASCADE``): those of the same branch are made again by the same migration,
those of a plugin's tables by the plugin's migration, which depends on ``core_tenant_keys``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from alembic import op
from sqlalchemy.exc import SAWarning

__all__ = ["Rekey", "downgrade_keys", "upgrade_keys"]

TENANT_KEY = ("nonprofit_id", "id")


@dataclass(frozen=True)
class Rekey:
    """How one table's keys change.

    Attributes:
        table: the table's name.
        primary_key: its new primary key; ``old_primary_key`` the one it replaces.
        foreign_keys: ``(column, referred table)`` pairs of foreign keys to tenant tables:
            ``column`` alone before, ``(nonprofit_id, column)`` after, both named
            ``fk_<table>_<column>_<referred>``.
        unique: ``(name, columns)`` unique constraints made; ``old_unique`` the ones dropped.
        old_indexes: ``(name, columns)`` indexes the new primary key makes redundant.
    """

    table: str
    foreign_keys: Sequence[tuple[str, str]] = ()
    primary_key: Sequence[str] = TENANT_KEY
    old_primary_key: Sequence[str] = ("id",)
    unique: Sequence[tuple[str, Sequence[str]]] = ()
    old_unique: Sequence[tuple[str, Sequence[str]]] = ()
    old_indexes: Sequence[tuple[str, Sequence[str]]] = ()

    def fk_name(self, column: str, referred: str) -> str:
        """The name of the foreign key of ``column`` (the same before and after)."""
        return f"fk_{self.table}_{column}_{referred}"


def _postgresql() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade_keys(tables: Sequence[Rekey]) -> None:
    """Give ``tables`` their keys with ``nonprofit_id``, keeping every row."""
    if not _postgresql():
        for rekey in tables:
            _batch(
                rekey,
                drop_unique=rekey.old_unique,
                drop_indexes=[name for name, _columns in rekey.old_indexes],
                primary_key=rekey.primary_key,
                unique=rekey.unique,
                tenant=True,
            )
        return
    for rekey in tables:
        for column, referred in rekey.foreign_keys:
            _drop_foreign_key(rekey.table, rekey.fk_name(column, referred))
        for name, _columns in rekey.old_unique:
            op.drop_constraint(name, rekey.table, type_="unique")
        for name, _columns in rekey.old_indexes:
            op.drop_index(name, table_name=rekey.table)
        _replace_primary_key(rekey.table, rekey.primary_key)
        for name, columns in rekey.unique:
            op.create_unique_constraint(name, rekey.table, list(columns))
    for rekey in tables:
        for column, referred in rekey.foreign_keys:
            op.create_foreign_key(
                rekey.fk_name(column, referred),
                rekey.table,
                referred,
                ["nonprofit_id", column],
                list(TENANT_KEY),
            )


def downgrade_keys(tables: Sequence[Rekey], *, restore_foreign_keys_to: Sequence[str]) -> None:
    """Put ``tables``' single-column keys back, keeping every row.

    Foreign keys are made again only to the tables named in ``restore_foreign_keys_to``
    (the branch's own, whose ``id`` is unique again once this runs): a plugin's foreign
    keys to the core's tables cannot come back while those keep ``nonprofit_id``.
    """
    if not _postgresql():
        for rekey in reversed(tables):
            _batch(
                rekey,
                drop_unique=rekey.unique,
                drop_indexes=[],
                primary_key=rekey.old_primary_key,
                unique=rekey.old_unique,
                tenant=False,
                restore_to=restore_foreign_keys_to,
                indexes=rekey.old_indexes,
            )
        return
    for rekey in reversed(tables):
        for column, referred in rekey.foreign_keys:
            _drop_foreign_key(rekey.table, rekey.fk_name(column, referred))
        for name, _columns in rekey.unique:
            op.drop_constraint(name, rekey.table, type_="unique")
        _replace_primary_key(rekey.table, rekey.old_primary_key)
        for name, columns in rekey.old_unique:
            op.create_unique_constraint(name, rekey.table, list(columns))
        for name, columns in rekey.old_indexes:
            op.create_index(name, rekey.table, list(columns))
    for rekey in tables:
        for column, referred in rekey.foreign_keys:
            if referred in restore_foreign_keys_to:
                op.create_foreign_key(
                    rekey.fk_name(column, referred), rekey.table, referred, [column], ["id"]
                )


def _drop_foreign_key(table: str, name: str) -> None:
    # IF EXISTS: dropping the referred table's primary key may have dropped it already.
    op.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{name}"')


def _replace_primary_key(table: str, columns: Sequence[str]) -> None:
    op.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "pk_{table}" CASCADE')
    op.create_primary_key(f"pk_{table}", table, list(columns))


def _batch(
    rekey: Rekey,
    *,
    drop_unique: Sequence[tuple[str, Sequence[str]]],
    drop_indexes: Sequence[str],
    primary_key: Sequence[str],
    unique: Sequence[tuple[str, Sequence[str]]],
    tenant: bool,
    restore_to: Sequence[str] = (),
    indexes: Sequence[tuple[str, Sequence[str]]] = (),
) -> None:
    """SQLite: copy the table with its new keys (rows and all)."""
    with warnings.catch_warnings(), op.batch_alter_table(rekey.table, recreate="always") as batch:
        # SQLAlchemy notes that the copy's primary key differs from the reflected one's:
        # that is the point of the copy.
        warnings.filterwarnings("ignore", "Table '_alembic_tmp_", SAWarning)
        for column, referred in rekey.foreign_keys:
            batch.drop_constraint(rekey.fk_name(column, referred), type_="foreignkey")
        for name, _columns in drop_unique:
            batch.drop_constraint(name, type_="unique")
        for name in drop_indexes:
            batch.drop_index(name)
        batch.create_primary_key(f"pk_{rekey.table}", list(primary_key))
        for name, columns in unique:
            batch.create_unique_constraint(name, list(columns))
        for name, columns in indexes:
            batch.create_index(name, list(columns))
        for column, referred in rekey.foreign_keys:
            if tenant:
                batch.create_foreign_key(
                    rekey.fk_name(column, referred),
                    referred,
                    ["nonprofit_id", column],
                    list(TENANT_KEY),
                )
            elif referred in restore_to:
                batch.create_foreign_key(
                    rekey.fk_name(column, referred), referred, [column], ["id"]
                )
