"""pytest fixtures for testing houdini-pay and its plugins (registered as ``pytest11``).

``houdini_database_url``
    Parametrized: a new SQLite file, and a PostgreSQL database of the test session's own
    (emptied before each test; skipped when the server is unreachable, failed under
    ``CI=true``). The PostgreSQL database's name starts with the ini setting
    ``houdini_pay_database_prefix`` (``HOUDINI_PAY_TEST_DATABASE_PREFIX`` wins; default
    ``houdini_pay_test_``).
``houdini_make_app``
    A factory: ``houdini_make_app(*plugin_objects, entry_points=False, **settings)`` builds an
    application on that database with its tables created. ``entry_points=True`` also loads
    the installed plugins.
``houdini_app``
    An application with the installed plugins, on ``houdini_database_url``.
``houdini_nonprofit``, ``houdini_supporter``
    A nonprofit taking USD and a supporter of it, in the test's database: every application
    ``houdini_make_app`` builds in the same test sees them. Both are written by one plain
    application, built once per test.
``houdini_clock``
    A :class:`~houdini_pay.testing.ManualClock` at 2026-03-01 12:00 UTC, for ``app.clock``.
``fake_processor``
    A :class:`~houdini_pay.testing.FakeProcessor` (symbol ``fake``).

With ``HOUDINI_PAY_TEST_PARTITIONED=1`` the PostgreSQL tables are created hash-partitioned on
``nonprofit_id`` (8 partitions per tenant table; see
:func:`houdini_pay.db.sharding.create_partitioned_schema`): PostgreSQL then enforces the key
rules a database sharded by nonprofit (Citus) does, and a test of a plugin whose table breaks
them fails at setup. CI runs the PostgreSQL tests both ways.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from houdini_pay.app import HoudiniPay
from houdini_pay.contract._plugins import build_plugin_manager
from houdini_pay.db.sharding import create_partitioned_schema
from houdini_pay.settings import Settings
from houdini_pay.store._models import Base
from houdini_pay.store._records import NonprofitRecord, SupporterRecord
from houdini_pay.testing.clock import ManualClock
from houdini_pay.testing.databases import (
    database_prefix,
    require_postgres,
    temporary_postgres_database,
)
from houdini_pay.testing.fakes import FakeProcessor

__all__ = [
    "PARTITIONED_ENV",
    "fake_processor",
    "houdini_app",
    "houdini_clock",
    "houdini_database_url",
    "houdini_make_app",
    "houdini_nonprofit",
    "houdini_postgres_database",
    "houdini_supporter",
    "make_test_app",
    "partitioned",
    "pytest_addoption",
]

MakeApp = Callable[..., HoudiniPay]


PREFIX_INI = "houdini_pay_database_prefix"

PARTITIONED_ENV = "HOUDINI_PAY_TEST_PARTITIONED"
"""Set to 1: PostgreSQL test tables are hash-partitioned on nonprofit_id."""


def partitioned() -> bool:
    """Whether the tests create PostgreSQL's tenant tables hash-partitioned."""
    return os.environ.get(PARTITIONED_ENV, "") == "1"


def _create_tables(app: HoudiniPay) -> None:
    """Create the tables the database lacks (one query when it has them all already)."""
    if set(Base.metadata.tables) <= set(inspect(app.engine).get_table_names()):
        return
    if partitioned() and app.engine.dialect.name == "postgresql":
        create_partitioned_schema(app.engine, Base.metadata)
    else:
        app.create_schema()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ini setting naming the prefix of the PostgreSQL test databases."""
    parser.addini(
        PREFIX_INI,
        "Prefix of the PostgreSQL databases houdini-pay's fixtures create "
        "(default houdini_pay_test_; HOUDINI_PAY_TEST_DATABASE_PREFIX wins).",
        default="",
    )


@pytest.fixture(scope="session")
def houdini_postgres_database(pytestconfig: pytest.Config) -> Iterator[str]:
    """A PostgreSQL database for the whole test session (one per xdist worker)."""
    prefix = database_prefix(str(pytestconfig.getini(PREFIX_INI)) or None)
    base_url = require_postgres()
    with temporary_postgres_database(base_url, prefix=prefix) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def houdini_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL for one test: a fresh SQLite file, or the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'houdini_pay.db'}"
    return str(request.getfixturevalue("houdini_postgres_database"))


def _empty_tables(engine: Engine) -> None:
    """Empty the tables a test left rows in (PostgreSQL is shared by the session's tests).

    One query finds the tables holding rows; those are emptied with ``DELETE``, children
    before parents, which costs far less than truncating every table. A row that still
    refers to one of them from a table outside the metadata makes that fail: then they are
    truncated, with whatever refers to them.
    """
    tables = Base.metadata.sorted_tables  # parents before children
    quote = engine.dialect.identifier_preparer.format_table
    probe = " UNION ALL ".join(
        f"SELECT {number} WHERE EXISTS (SELECT 1 FROM {quote(table)})"
        for number, table in enumerate(tables)
    )
    with engine.connect() as connection:
        filled = [tables[number] for number in connection.execute(text(probe)).scalars()]
    if not filled:
        return
    try:
        with engine.begin() as connection:
            for table in reversed(filled):
                connection.execute(table.delete())
    except DBAPIError:
        names = ", ".join(quote(table) for table in filled)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} CASCADE"))


def make_test_app(
    database_url: str, *plugins: object, entry_points: bool = False, **settings: Any
) -> HoudiniPay:
    """An application on ``database_url`` with ``plugins`` registered and tables created."""
    manager = build_plugin_manager(load_entry_points=entry_points, blocked=())
    base = Settings.from_env(database_url=database_url)
    app = HoudiniPay(settings=replace(base, **settings), plugin_manager=manager, plugins=plugins)
    _create_tables(app)
    return app


@pytest.fixture
def houdini_make_app(houdini_database_url: str) -> Iterator[MakeApp]:
    """A factory of applications on the test's database; see the module docstring."""
    apps: list[HoudiniPay] = []

    def make(*plugins: object, entry_points: bool = False, **settings: Any) -> HoudiniPay:
        app = make_test_app(houdini_database_url, *plugins, entry_points=entry_points, **settings)
        if not apps and app.engine.dialect.name == "postgresql":
            _empty_tables(app.engine)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.dispose()


@pytest.fixture
def houdini_app(houdini_make_app: MakeApp) -> HoudiniPay:
    """An application with the installed plugins (entry points) loaded."""
    return houdini_make_app(entry_points=True)


@pytest.fixture
def _houdini_records_app(houdini_make_app: MakeApp) -> HoudiniPay:
    """The one application ``houdini_nonprofit`` and ``houdini_supporter`` write with."""
    # Made through houdini_make_app, so the tables are emptied before it, never after.
    return houdini_make_app()


@pytest.fixture
def houdini_nonprofit(_houdini_records_app: HoudiniPay) -> NonprofitRecord:
    """A nonprofit taking USD, in the database every app of the test shares."""
    return _houdini_records_app.create_nonprofit("Riverside Food Bank", "USD", country="US")


@pytest.fixture
def houdini_supporter(
    _houdini_records_app: HoudiniPay, houdini_nonprofit: NonprofitRecord
) -> SupporterRecord:
    """A supporter of ``houdini_nonprofit``."""
    return _houdini_records_app.create_supporter(
        houdini_nonprofit.id, "Ada Lovelace", email="ada@example.org"
    )


@pytest.fixture
def houdini_clock() -> ManualClock:
    """A clock the test moves by hand, at 2026-03-01 12:00 UTC; give it to an app
    (``app.clock = houdini_clock``), then ``houdini_clock.advance(hours=1)``."""
    return ManualClock()


@pytest.fixture
def fake_processor() -> FakeProcessor:
    """A fake processor that succeeds until told otherwise."""
    return FakeProcessor()
