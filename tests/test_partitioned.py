"""PostgreSQL's hash partitions on nonprofit_id hold every tenant table, and refuse a bad key.

This is the proof without a cluster: a partitioned table, like a table Citus distributes,
takes no primary key or unique constraint without the partition column, and no foreign key
to it that leaves the column out. ``HOUDINI_PAY_TEST_PARTITIONED=1`` runs the PostgreSQL
tests on such tables (CI does both).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Column, MetaData, String, Table, UniqueConstraint, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.contract import build_plugin_manager
from houdini_pay.db.sharding import PARTITIONS, create_partitioned_schema, tenant_tables
from houdini_pay.store import Base
from houdini_pay.testing import require_postgres, temporary_postgres_database
from houdini_pay.testing.pytest_plugin import partitioned
from tests.conftest import PayFunction

PARTITIONS_OF = text(
    "SELECT parent.relname AS parent, count(*) AS partitions FROM pg_inherits "
    "JOIN pg_class parent ON parent.oid = pg_inherits.inhparent "
    "WHERE parent.relkind = 'p' GROUP BY parent.relname"
)


@pytest.mark.postgres
def test_every_tenant_table_can_be_hash_partitioned_and_a_bad_key_is_refused() -> None:
    build_plugin_manager(blocked=())  # every installed plugin's tables
    with temporary_postgres_database(require_postgres()) as url:
        engine = create_engine(url, poolclass=NullPool)
        try:
            create_partitioned_schema(engine, Base.metadata)
            with engine.connect() as connection:
                counts = {row.parent: row.partitions for row in connection.execute(PARTITIONS_OF)}
            assert counts == {t.name: PARTITIONS for t in tenant_tables(Base.metadata)}

            bad = MetaData()
            Table(
                "pledges",
                bad,
                Column("id", String(40), primary_key=True),
                Column("nonprofit_id", String(40)),
                UniqueConstraint("nonprofit_id", "id"),
            )
            with pytest.raises(DBAPIError, match="must include all partitioning columns"):
                create_partitioned_schema(engine, bad)
        finally:
            engine.dispose()


def test_in_partitioned_mode_payments_land_in_the_partitions(
    app: HoudiniPay, pay: PayFunction, nonprofit: NonprofitRecord
) -> None:
    if app.engine.dialect.name != "postgresql":
        pytest.skip("partitions are PostgreSQL's")  # the SQLite half of the parametrized test
    if not partitioned():
        pytest.skip("plain tables: HOUDINI_PAY_TEST_PARTITIONED=1 runs this (CI does)")
    assert pay().payment is not None
    with app.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT tableoid::regclass::text FROM payments WHERE nonprofit_id = :id"),
            {"id": nonprofit.id},
        ).scalar_one()
    assert stored.startswith("payments_p")
