"""Tenant tables, reference tables, and the key rules that let a database shard by nonprofit.

Every table is either a *tenant* table, sharded by ``nonprofit_id``, or a *reference* table
(not per tenant, copied whole to every node: :data:`houdini_pay.models.REFERENCE_TABLES` and
plugin tables marked ``info={REFERENCE_INFO: True}``). A tenant table has a ``nonprofit_id``
column and every primary key, unique constraint and foreign key to another tenant table
includes it: Citus's rule for distributed tables, and PostgreSQL's for hash-partitioned ones.
:func:`key_problems` checks a metadata against that rule; :func:`create_partitioned_schema`
creates the tenant tables hash-partitioned, which makes PostgreSQL enforce it;
:func:`citus_statements` prints how to distribute a deployment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import (
    Engine,
    ForeignKeyConstraint,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    text,
)

from houdini_pay.store._models import REFERENCE_INFO, REFERENCE_TABLES

__all__ = [
    "CROSS_TENANT",
    "PARTITIONS",
    "TENANT_COLUMN",
    "citus_statements",
    "create_partitioned_schema",
    "is_reference_table",
    "key_problems",
    "reference_tables",
    "tenant_tables",
]

TENANT_COLUMN = "nonprofit_id"
"""The column every tenant table is sharded (distributed, partitioned) by."""

CROSS_TENANT = "houdini_pay_cross_tenant"
"""The execution option (``{CROSS_TENANT: True}``) of a query that searches every nonprofit.

Such a query reads every shard of a distributed database. Each one is listed, with why it
cannot name a nonprofit, in docs/operations.md; the routing audit test lets only these
through.
"""

PARTITIONS = 8
"""Hash partitions per tenant table in the partitioned test mode."""


def is_reference_table(table: Table) -> bool:
    """Whether ``table`` is not per tenant (named in ``REFERENCE_TABLES`` or marked so)."""
    return table.name in REFERENCE_TABLES or bool(table.info.get(REFERENCE_INFO))


def reference_tables(metadata: MetaData) -> list[Table]:
    """The reference tables of ``metadata``, each after the tables it refers to."""
    return [table for table in metadata.sorted_tables if is_reference_table(table)]


def tenant_tables(metadata: MetaData) -> list[Table]:
    """The tenant tables of ``metadata``, each after the tables it refers to."""
    return [table for table in metadata.sorted_tables if not is_reference_table(table)]


def key_problems(metadata: MetaData, tables: list[str] | None = None) -> list[str]:
    """What keeps the tenant tables of ``metadata`` from being sharded by ``nonprofit_id``.

    One sentence per problem, naming the table and the key; empty when every tenant table
    (of ``tables``, if given) has the column and every primary key, unique constraint
    (and unique index) and foreign key to a tenant table includes it.
    """
    problems: list[str] = []
    for table in tenant_tables(metadata):
        if tables is not None and table.name not in tables:
            continue
        if TENANT_COLUMN not in table.c:
            problems.append(
                f"table {table.name!r} has no {TENANT_COLUMN} column: add it, or mark the "
                f"table as a reference table (info={{{REFERENCE_INFO!r}: True}})"
            )
            continue
        for constraint in table.constraints:
            if not isinstance(
                constraint, PrimaryKeyConstraint | UniqueConstraint | ForeignKeyConstraint
            ):
                continue  # check constraints hold within a row
            columns = [column.name for column in constraint.columns]
            if isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint):
                kind = "primary key" if isinstance(constraint, PrimaryKeyConstraint) else "unique"
                if TENANT_COLUMN not in columns:
                    problems.append(
                        f"table {table.name!r}: {kind} ({', '.join(columns)}) lacks {TENANT_COLUMN}"
                    )
            else:
                referred = constraint.referred_table
                if is_reference_table(referred):
                    continue
                pairs = {(e.parent.name, e.column.name) for e in constraint.elements}
                if (TENANT_COLUMN, TENANT_COLUMN) not in pairs:
                    problems.append(
                        f"table {table.name!r}: foreign key ({', '.join(columns)}) to tenant "
                        f"table {referred.name!r} lacks {TENANT_COLUMN}"
                    )
        for index in table.indexes:
            names = [column.name for column in index.columns]
            if index.unique and TENANT_COLUMN not in names:
                problems.append(
                    f"table {table.name!r}: unique index {index.name} ({', '.join(names)}) "
                    f"lacks {TENANT_COLUMN}"
                )
    return problems


@contextmanager
def _partitioned(tables: list[Table]) -> Iterator[None]:
    """Declare ``tables`` hash-partitioned on ``nonprofit_id`` while the block runs."""
    saved = [table.dialect_options["postgresql"]["partition_by"] for table in tables]
    for table in tables:
        table.dialect_options["postgresql"]["partition_by"] = f"HASH ({TENANT_COLUMN})"
    try:
        yield
    finally:
        for table, value in zip(tables, saved, strict=True):
            table.dialect_options["postgresql"]["partition_by"] = value


def create_partitioned_schema(
    engine: Engine, metadata: MetaData, *, partitions: int = PARTITIONS
) -> None:
    """Create the tables of ``metadata`` on PostgreSQL, every tenant table hash-partitioned
    on ``nonprofit_id`` into ``partitions`` partitions (reference tables stay plain).

    PostgreSQL then refuses, as Citus would, a primary key or unique constraint without
    ``nonprofit_id`` and a foreign key to a tenant table that leaves it out. Tables that
    exist already are left as they are.
    """
    tenants = tenant_tables(metadata)
    with _partitioned(tenants):
        metadata.create_all(engine)
    with engine.begin() as connection:
        for table in tenants:
            for remainder in range(partitions):
                connection.execute(
                    text(
                        f'CREATE TABLE IF NOT EXISTS "{table.name}_p{remainder}" '
                        f'PARTITION OF "{table.name}" '
                        f"FOR VALUES WITH (MODULUS {partitions}, REMAINDER {remainder})"
                    )
                )


def citus_statements(metadata: MetaData) -> list[str]:
    """The SQL that turns a migrated database into a Citus one sharded by nonprofit.

    Reference tables first (a distributed table's foreign keys may point at them), then the
    tenant tables, each after the tables it refers to and co-located with ``supporters``
    (the first tenant table) so that joins and foreign keys stay on one node.
    """
    statements = [
        f"SELECT create_reference_table('{table.name}');" for table in reference_tables(metadata)
    ]
    tenants = tenant_tables(metadata)
    anchor = next((t.name for t in tenants if t.name == "supporters"), None)
    for table in tenants:
        colocate = f", colocate_with => '{anchor}'" if anchor and table.name != anchor else ""
        statements.append(
            f"SELECT create_distributed_table('{table.name}', '{TENANT_COLUMN}'{colocate});"
        )
    if anchor is not None:
        # The anchor must be distributed before anything co-located with it.
        first = f"SELECT create_distributed_table('{anchor}', '{TENANT_COLUMN}');"
        statements.remove(first)
        statements.insert(len(reference_tables(metadata)), first)
    return statements
