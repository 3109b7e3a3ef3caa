"""The donation plugin's Alembic branch creates exactly the tables its models declare."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from houdini_pay import Base, HoudiniPay
from houdini_pay.testing import require_postgres, temporary_postgres_database

TABLES = {
    "campaign_gift_options",
    "campaign_gifts",
    "campaigns",
    "donations",
    "recurring_charges",
    "recurring_donations",
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    with temporary_postgres_database(require_postgres()) as url:
        yield url


def test_migrations_match_the_models(empty_database: str) -> None:
    app = HoudiniPay(empty_database)
    try:
        heads = app.upgrade_database()
        assert "donation_0002" in heads
        with app.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        app.dispose()
    # Each difference names its table in its repr; other plugins' tables are not ours to check.
    ours = [d for d in differences if any(f"'{table}'" in repr(d) for table in TABLES)]
    assert ours == []
