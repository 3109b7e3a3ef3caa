"""The accountant's export of a nonprofit's payments, streamed, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from sqlalchemy import event

from houdini_pay.errors import InvalidRequest, NotFound
from houdini_pay.statements import EXPORT_COLUMNS, Period, export_payments
from tests.statements.conftest import Giving, MakeGiving, at

SPRING = Period.between(at(2025, 3, 1).date(), at(2025, 5, 31).date())


def _spring(giving: Giving) -> list[str]:
    """Payments in and around spring 2025; returns the ids expected in the export, in order."""
    ada, bob = giving.supporter("Ada"), giving.supporter("Bob")
    giving.give(ada, 1000, at(2025, 2, 28, 23))
    gift = giving.give(ada, 5000, at(2025, 3, 1, 0), type_object={"designation": "Roof"})
    pending = giving.give(
        bob,
        7000,
        at(2025, 4, 2),
        processing_object={
            "method": "bank_transfer",
            "reference": "TX-7",
            "pending_approval": True,
        },
        channel="page",
    )
    refund = giving.refund(gift, 1250, at(2025, 5, 31, 23))
    giving.give(bob, 3000, at(2025, 6, 1, 0))
    return [gift.id, pending.id, refund.id]


def test_csv_has_every_payment_of_the_period_with_amounts_in_major_units(giving: Giving) -> None:
    expected = _spring(giving)
    stream = io.StringIO(newline="")
    assert export_payments(giving.app, giving.nonprofit.id, SPRING, "csv", stream) == 3
    rows = list(csv.DictReader(io.StringIO(stream.getvalue(), newline="")))
    assert [row["id"] for row in rows] == expected
    assert tuple(rows[0]) == EXPORT_COLUMNS
    gift, pending, refund = rows
    assert gift["created_at"] == "2025-03-01T00:00:00Z"
    assert (gift["kind"], gift["status"], gift["processor"]) == (
        "offsite",
        "partially_refunded",
        "offsite",
    )
    assert (gift["amount"], gift["gross"], gift["fee"], gift["net"]) == (
        "50.00",
        "50.00",
        "0.00",
        "50.00",
    )
    assert gift["amount_refunded"] == "12.50"
    assert gift["description"] == "Donation to Roof"
    assert gift["payment_type"] == "donation"
    assert pending["status"] == "pending_approval"
    assert pending["processor_reference"] == "TX-7"
    assert (refund["kind"], refund["amount"], refund["parent_id"]) == (
        "refund",
        "-12.50",
        gift["id"],
    )
    assert refund["attempt_id"].startswith("att_")
    # Where each came from: the Python API, a donor page, staff refunding.
    assert [row["channel"] for row in rows] == ["api", "page", "staff"]


def test_jsonl_has_one_object_a_line_with_minor_units(giving: Giving) -> None:
    expected = _spring(giving)
    stream = io.StringIO()
    export_payments(giving.app, giving.nonprofit.id, SPRING, "jsonl", stream)
    lines = stream.getvalue().splitlines()
    records: list[dict[str, Any]] = [json.loads(line) for line in lines]
    assert [record["id"] for record in records] == expected
    assert list(records[0]) == list(EXPORT_COLUMNS)
    assert (records[0]["amount"], records[0]["amount_refunded"]) == (5000, 1250)
    assert (records[2]["amount"], records[2]["net"]) == (-1250, -1250)
    assert records[1]["source_id"] is None
    assert [record["channel"] for record in records] == ["api", "page", "staff"]


def test_another_nonprofits_payments_are_never_exported(make_giving: MakeGiving) -> None:
    ours, theirs = make_giving(), make_giving(name="Hilltop Shelter")
    theirs.give(theirs.supporter(), 5000, at(2025, 4, 1))
    stream = io.StringIO()
    assert export_payments(ours.app, ours.nonprofit.id, SPRING, "jsonl", stream) == 0
    assert stream.getvalue() == ""


def test_an_unknown_nonprofit_or_format_writes_nothing(giving: Giving) -> None:
    stream = io.StringIO()
    with pytest.raises(NotFound) as missing:
        export_payments(giving.app, "np_nope", SPRING, "csv", stream)
    assert missing.value.code == "nonprofit_not_found"
    with pytest.raises(InvalidRequest) as wrong:
        export_payments(giving.app, giving.nonprofit.id, SPRING, "xlsx", stream)
    assert wrong.value.code == "invalid_format"
    assert stream.getvalue() == ""


def test_rows_are_streamed_from_the_database_not_loaded_at_once(giving: Giving) -> None:
    _spring(giving)
    seen: list[dict[str, Any]] = []

    def remember(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if "FROM payments" in statement:
            seen.append(dict(context.execution_options))

    event.listen(giving.app.engine, "before_cursor_execute", remember)
    try:
        export_payments(giving.app, giving.nonprofit.id, SPRING, "csv", io.StringIO())
    finally:
        event.remove(giving.app.engine, "before_cursor_execute", remember)
    # yield_per makes SQLAlchemy use a server-side cursor and fetch in batches; the
    # figures are in bench/export.py and docs/performance.md.
    assert [options.get("stream_results") for options in seen] == [True]
    assert seen[0].get("yield_per") == 1000


def test_text_that_looks_like_a_formula_is_never_a_formula_in_the_csv(giving: Giving) -> None:
    supporter = giving.supporter()
    gift = giving.give(supporter, 5000, at(2025, 4, 1))
    giving.app.clock = lambda: at(2025, 4, 2)
    giving.app.refund(
        gift.id,
        amount=100,
        reason='=HYPERLINK("http://example.com","x")',
        nonprofit_id=gift.nonprofit_id,
    )
    stream = io.StringIO(newline="")
    export_payments(giving.app, giving.nonprofit.id, SPRING, "csv", stream)
    refund = list(csv.DictReader(io.StringIO(stream.getvalue(), newline="")))[1]
    assert refund["description"] == '\'=HYPERLINK("http://example.com","x")'
    assert refund["amount"] == "-1.00"  # numbers keep their sign
    jsonl = io.StringIO()
    export_payments(giving.app, giving.nonprofit.id, SPRING, "jsonl", jsonl)
    assert json.loads(jsonl.getvalue().splitlines()[1])["description"].startswith("=HYPERLINK")
