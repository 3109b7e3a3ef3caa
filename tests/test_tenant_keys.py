"""Every tenant table is shardable by nonprofit_id, and the hot path routes by it.

The key check reads the metadata of the core and every installed plugin. The routing audit
records every SQL statement of a payment, a refund and a processor's webhook, and fails on
one that reads or changes a tenant table without ``nonprofit_id`` in its WHERE clause
(a distributed database would send it to every shard), unless the code declared it
cross-tenant (``CROSS_TENANT``, listed in docs/operations.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    ForeignKeyConstraint,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    event,
)

from houdini_pay import (
    ALL_NONPROFITS,
    ChargeObservation,
    ChargeResult,
    HoudiniPay,
    NonprofitRecord,
    ProcessorEvent,
)
from houdini_pay.contract import build_plugin_manager
from houdini_pay.db.sharding import (
    CROSS_TENANT,
    citus_statements,
    is_reference_table,
    key_problems,
    tenant_tables,
)
from houdini_pay.store import REFERENCE_TABLES, Base
from houdini_pay.testing import FakeProcessor, assert_shardable
from tests.conftest import PayFunction

SHIPPED_PLUGIN_TABLES = {
    "ledger_accounts",
    "ledger_transfers",
    "account_auto_top_ups",
    "donations",
    "recurring_donations",
    "recurring_charges",
    "campaigns",
    "campaign_gift_options",
    "campaign_gifts",
    "stripe_accounts",
    "stripe_customers",
    "stripe_payment_methods",
    "ticket_events",
    "ticket_levels",
    "tickets",
}


def test_every_installed_table_is_a_tenant_table_keyed_by_nonprofit_or_a_reference() -> None:
    build_plugin_manager(blocked=())  # imports every installed plugin and its models
    names = {table.name for table in Base.metadata.sorted_tables}
    assert names >= SHIPPED_PLUGIN_TABLES
    assert key_problems(Base.metadata) == []
    assert_shardable(sorted(SHIPPED_PLUGIN_TABLES))
    reference = {t.name for t in Base.metadata.sorted_tables if is_reference_table(t)}
    assert reference == REFERENCE_TABLES
    for table in tenant_tables(Base.metadata):
        assert "nonprofit_id" in table.primary_key.columns, table.name


def _bad_metadata() -> MetaData:
    """Tables that break each rule once (a metadata of their own, not the application's)."""
    metadata = MetaData()
    Table("nonprofits", metadata, Column("id", String, primary_key=True))
    Table(
        "pledges",
        metadata,
        Column("id", String, primary_key=True),
        Column("nonprofit_id", String),
        Column("code", String),
        UniqueConstraint("code", name="uq_pledges_code"),
    )
    Table(
        "pledge_notes",
        metadata,
        Column("nonprofit_id", String, primary_key=True),
        Column("id", String, primary_key=True),
        Column("pledge_id", String),
        ForeignKeyConstraint(["pledge_id"], ["pledges.id"], name="fk_pledge_notes_pledge_id"),
    )
    Table("exchange_rates", metadata, Column("currency", String, primary_key=True))
    return metadata


def test_the_key_check_names_each_table_and_key_that_cannot_be_sharded() -> None:
    assert sorted(key_problems(_bad_metadata())) == [
        "table 'exchange_rates' has no nonprofit_id column: add it, or mark the table as a "
        "reference table (info={'houdini_pay_reference': True})",
        "table 'pledge_notes': foreign key (pledge_id) to tenant table 'pledges' lacks "
        "nonprofit_id",
        "table 'pledges': primary key (id) lacks nonprofit_id",
        "table 'pledges': unique (code) lacks nonprofit_id",
    ]
    with pytest.raises(AssertionError, match=r"no such table on houdini_pay\.Base: pledges"):
        assert_shardable(["pledges"])


def test_a_table_marked_as_reference_is_not_keyed_by_nonprofit() -> None:
    metadata = MetaData()
    Table(
        "exchange_rates",
        metadata,
        Column("currency", String, primary_key=True),
        info={"houdini_pay_reference": True},
    )
    assert key_problems(metadata) == []
    assert citus_statements(metadata) == ["SELECT create_reference_table('exchange_rates');"]


def test_citus_statements_make_reference_tables_first_then_colocate_tenant_tables() -> None:
    build_plugin_manager(blocked=())
    statements = citus_statements(Base.metadata)
    references = [s for s in statements if "create_reference_table" in s]
    assert len(references) == len(REFERENCE_TABLES)
    assert statements[: len(references)] == references
    assert statements[len(references)] == (
        "SELECT create_distributed_table('supporters', 'nonprofit_id');"
    )
    distributed = statements[len(references) + 1 :]
    assert len(distributed) == len(tenant_tables(Base.metadata)) - 1
    assert all("colocate_with => 'supporters'" in s for s in distributed)
    # A table comes after every table its foreign keys point at.
    position = {re.findall(r"'(\w+)'", s)[0]: i for i, s in enumerate(statements)}
    for table in tenant_tables(Base.metadata):
        for key in table.foreign_keys:
            assert position[key.column.table.name] <= position[table.name], table.name


# -- routing audit ------------------------------------------------------------------------

_TABLE = re.compile(r'\b(?:FROM|JOIN|UPDATE|INTO)\s+"?(\w+)"?', re.IGNORECASE)


def unrouted(statement: str) -> list[str]:
    """The tenant tables ``statement`` reads or changes without naming a nonprofit."""
    tables = {name for name in _TABLE.findall(statement) if name in _tenant_names() and name != ""}
    if not tables or statement.lstrip().upper().startswith("INSERT"):
        return []  # an insert writes nonprofit_id itself: the row goes to its shard
    rows_picked = statement.upper().split(" RETURNING ")[0]  # what is returned picks no row
    where = rows_picked.rfind("WHERE")
    if where != -1 and "NONPROFIT_ID" in rows_picked[where:]:
        return []
    # A joined table, or one a subquery reads, is routed by a condition on its own key.
    return sorted(t for t in tables if f" {t.upper()}.NONPROFIT_ID = " not in rows_picked)


def _tenant_names() -> set[str]:
    return {table.name for table in tenant_tables(Base.metadata)}


@contextmanager
def audit(app: HoudiniPay) -> Iterator[list[tuple[str, list[str]]]]:
    """Record statements on tenant tables that name no nonprofit (cross-tenant ones aside)."""
    found: list[tuple[str, list[str]]] = []
    seen: list[str] = []

    def before(
        connection: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        seen.append(statement)
        if context is not None and context.execution_options.get(CROSS_TENANT):
            return
        tables = unrouted(statement)
        if tables:
            found.append((statement, tables))

    event.listen(app.engine, "before_cursor_execute", before)
    try:
        yield found
    finally:
        event.remove(app.engine, "before_cursor_execute", before)
    assert len(seen) > 5  # the audit saw the work it is about


def test_the_audit_tells_a_routed_statement_from_an_unrouted_one() -> None:
    assert unrouted("SELECT payments.id FROM payments WHERE payments.id = ?") == ["payments"]
    assert (
        unrouted("SELECT p.id FROM payments WHERE payments.nonprofit_id = ? AND payments.id = ?")
        == []
    )
    assert unrouted("UPDATE outbox SET published_at=? WHERE outbox.id = ?") == ["outbox"]
    assert unrouted("INSERT INTO payments (id, nonprofit_id) VALUES (?, ?)") == []
    assert unrouted("SELECT nonprofits.id FROM nonprofits WHERE nonprofits.id = ?") == []
    joined = "SELECT nonprofits.id, supporters.id FROM nonprofits LEFT OUTER JOIN supporters ON "
    assert unrouted(joined + "supporters.nonprofit_id = ? AND supporters.id = ?") == []
    assert unrouted(joined + "supporters.id = ? WHERE nonprofits.id = ?") == ["supporters"]
    returning = "UPDATE payments SET status=? WHERE payments.nonprofit_id = ? AND payments.id = ?"
    assert unrouted(returning + " RETURNING (SELECT 1 FROM disputes WHERE disputes.id = ?)") == []
    assert unrouted("UPDATE payments SET status=? RETURNING payments.nonprofit_id") == ["payments"]
    settings = "EXISTS (SELECT * FROM plugin_settings WHERE plugin_settings."
    assert (
        unrouted(f"SELECT {settings}nonprofit_id = ?) FROM nonprofits WHERE nonprofits.id = ?")
        == []
    )
    assert unrouted(f"SELECT {settings}id = ?) FROM nonprofits WHERE nonprofits.id = ?") == [
        "plugin_settings"
    ]


def test_a_payment_a_refund_and_a_webhook_route_every_statement_by_nonprofit(
    app: HoudiniPay,
    pay: PayFunction,
    nonprofit: NonprofitRecord,
    fake_processor: FakeProcessor,
) -> None:
    with audit(app) as found:
        paid = pay(amount=4000)
        assert paid.payment is not None
        refunded = app.refund(paid.payment.id, amount=1000, nonprofit_id=nonprofit.id)
        assert refunded.status == "succeeded"
    assert found == []

    fake_processor.behaviour = "pending"
    waiting = pay(amount=3000)
    with audit(app) as found:
        event = ProcessorEvent(
            id="evt_settled",
            type="charge.updated",
            observations=[
                ChargeObservation(
                    result=ChargeResult.succeeded(f"ch_{waiting.attempt_id}"),
                    attempt_id=waiting.attempt_id,
                )
            ],
        )
        assert app.apply_events("fake", [event]).events[0]["result"] == "applied"
        payment_id = waiting.attempt_id.replace("att_", "pay_", 1)
        assert app.get_payment(payment_id, nonprofit_id=nonprofit.id).status == "succeeded"
    assert found == []


def test_an_operator_lookup_is_declared_cross_tenant(
    app: HoudiniPay, pay: PayFunction, nonprofit: NonprofitRecord
) -> None:
    paid = pay()
    assert paid.payment is not None
    with audit(app) as found:
        for _ in range(6):
            assert app.get_payment(paid.payment.id, nonprofit_id=ALL_NONPROFITS).amount == 2500
    assert found == []
