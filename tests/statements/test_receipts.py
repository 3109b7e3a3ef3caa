"""Annual receipts: numbered without gaps, the same numbers on every run, on both databases."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pypdf import PdfReader
from sqlalchemy import inspect

from houdini_pay import HoudiniPay
from houdini_pay.contract._plugins import build_plugin_manager
from houdini_pay.errors import InvalidRequest, NotFound
from houdini_pay.statements import (
    AssignedReceipt,
    Period,
    assign_receipt_numbers,
    build_statement,
    issue_receipts,
)
from houdini_pay.store._models import Base, Receipt
from houdini_pay.testing import require_postgres, temporary_postgres_database
from tests.helpers import count
from tests.statements.conftest import Giving, at


def _numbers(receipts: list[AssignedReceipt] | tuple[AssignedReceipt, ...]) -> dict[str, int]:
    return {receipt.supporter_id: receipt.number for receipt in receipts}


def test_receipts_are_numbered_without_gaps_and_keep_their_numbers(
    giving: Giving, tmp_path: Path
) -> None:
    output = tmp_path / "receipts"
    ada, bob, cleo, dan = (giving.supporter(name) for name in ("Ada", "Bob", "Cleo", "Dan"))
    giving.give(ada, 5000, at(2025, 3, 1))
    bob_gift = giving.give(bob, 2000, at(2025, 4, 1))
    giving.refund(bob_gift, 2000, at(2025, 4, 2))  # nothing left: no receipt
    giving.give(cleo, 7500, at(2025, 5, 1))
    giving.give(dan, 9900, at(2024, 12, 1))  # another year

    giving.app.clock = lambda: at(2026, 1, 10)
    first = issue_receipts(giving.app, giving.nonprofit.id, 2025, output)
    assert _numbers(first.receipts) == {ada.id: 1, cleo.id: 2}
    assert first.new_count == 2
    assert sorted(path.name for path in output.iterdir()) == [
        f"2025-000001-{ada.id}.pdf",
        f"2025-000002-{cleo.id}.pdf",
    ]
    text = PdfReader(io.BytesIO(first.files[1].read_bytes())).pages[0].extract_text()
    assert "Annual giving receipt" in text
    assert "Receipt no.  2025-000002" in text
    assert "Cleo" in text

    again = issue_receipts(giving.app, giving.nonprofit.id, 2025, output)
    assert _numbers(again.receipts) == _numbers(first.receipts)
    assert again.new_count == 0
    assert again.files == first.files

    # A gift recorded late, and a refund that empties Ada's year: Ada keeps her number.
    eve = giving.supporter("Eve")
    giving.give(eve, 1000, at(2025, 12, 31))
    giving.refund(giving.give(ada, 100, at(2025, 6, 1)), 100, at(2025, 6, 2))
    giving.app.clock = lambda: at(2026, 2, 3)
    later = issue_receipts(giving.app, giving.nonprofit.id, 2025, output)
    assert _numbers(later.receipts) == {ada.id: 1, cleo.id: 2, eve.id: 3}
    assert [receipt.new for receipt in later.receipts] == [False, False, True]
    # Rewritten receipts keep the day they were first issued and say when they were printed.
    reprinted = PdfReader(io.BytesIO(later.files[1].read_bytes())).pages[0].extract_text()
    assert "Issued  Jan 10, 2026" in reprinted
    assert "Printed  Feb 3, 2026" in reprinted
    assert "Printed" not in text
    assert count(giving.app, Receipt) == 3

    statement = build_statement(
        giving.app, cleo.id, Period.calendar_year(2025), nonprofit_id=cleo.nonprofit_id
    )
    assert statement.receipt_number == "2025-000002"
    next_year = assign_receipt_numbers(giving.app, giving.nonprofit.id, 2024)
    assert _numbers(next_year) == {dan.id: 1}


def test_two_runs_at_once_give_each_supporter_one_number(giving: Giving) -> None:
    supporters = [giving.supporter(f"Supporter {index}") for index in range(12)]
    for index, supporter in enumerate(supporters):
        giving.give(supporter, 1000 + index, at(2025, 2, 1 + index))
    results: list[list[AssignedReceipt]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        try:
            results.append(assign_receipt_numbers(giving.app, giving.nonprofit.id, 2025))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert _numbers(results[0]) == _numbers(results[1])
    assert sorted(_numbers(results[0]).values()) == list(range(1, 13))
    assert sorted(receipt.new for receipt in results[0] + results[1]) == [False] * 12 + [True] * 12
    # Numbers follow the order supporters were created in.
    assert [_numbers(results[0])[supporter.id] for supporter in supporters] == list(range(1, 13))


def test_an_unknown_nonprofit_changes_nothing(giving: Giving, tmp_path: Path) -> None:
    output = tmp_path / "receipts"
    with pytest.raises(NotFound) as raised:
        issue_receipts(giving.app, "np_missing", 2025, output)
    assert raised.value.code == "nonprofit_not_found"
    with pytest.raises(InvalidRequest) as wrong_year:
        issue_receipts(giving.app, giving.nonprofit.id, 20250, output)
    assert wrong_year.value.code == "invalid_period"
    assert not output.exists()
    assert count(giving.app, Receipt) == 0


def _only_receipts(obj: object, name: str | None, type_: str, *args: object) -> bool:
    return type_ != "table" or name == "receipts"


def _upgrade_and_compare(url: str) -> None:
    app = HoudiniPay(url, plugin_manager=build_plugin_manager(load_entry_points=False, blocked=()))
    try:
        app.upgrade_database()
        with app.engine.connect() as connection:
            options = {"compare_type": True, "include_object": _only_receipts}
            context = MigrationContext.configure(connection, opts=options)
            assert compare_metadata(context, Base.metadata) == []
            constraints = inspect(connection).get_unique_constraints("receipts")
        assert {constraint["name"] for constraint in constraints} == {
            "uq_receipts_nonprofit_id_year_number",
            "uq_receipts_nonprofit_id_year_supporter_id",
        }
    finally:
        app.dispose()


def test_the_receipts_migration_matches_the_model(tmp_path: Path) -> None:
    _upgrade_and_compare(f"sqlite:///{tmp_path / 'migrated.db'}")


@pytest.mark.postgres
def test_the_receipts_migration_matches_the_model_on_postgresql() -> None:
    with temporary_postgres_database(require_postgres()) as url:
        _upgrade_and_compare(url)
