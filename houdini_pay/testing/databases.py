"""Throwaway databases for tests: a SQLite file, or a PostgreSQL database of its own.

PostgreSQL tests use ``HOUDINI_PAY_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) only to create a database with a random
name, and drop it afterwards, so nothing left over ever matters. When the server cannot be
reached the tests are skipped with the reason, except under ``CI=true``, where they fail.

The random name starts with a prefix, ``houdini_pay_test_`` unless
``HOUDINI_PAY_TEST_DATABASE_PREFIX`` (or the pytest setting ``houdini_pay_database_prefix``)
says otherwise: on a shared server, each plugin's test databases are then told apart.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from houdini_pay.errors import ConfigurationError

__all__ = [
    "DEFAULT_DATABASE_PREFIX",
    "DEFAULT_POSTGRES_URL",
    "POSTGRES_URL_ENV",
    "PREFIX_ENV",
    "database_prefix",
    "postgres_base_url",
    "require_postgres",
    "temporary_postgres_database",
]

POSTGRES_URL_ENV = "HOUDINI_PAY_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PREFIX_ENV = "HOUDINI_PAY_TEST_DATABASE_PREFIX"
DEFAULT_DATABASE_PREFIX = "houdini_pay_test_"

# PostgreSQL names are at most 63 bytes; 12 random hex digits follow the prefix.
_PREFIX = re.compile(r"[a-z_][a-z0-9_]{0,47}")


def postgres_base_url() -> str:
    """The server to create test databases on."""
    return os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL


def _unreachable_reason(url: str) -> str | None:
    # NullPool: the one connection is closed on release, never left for the collector.
    engine = create_engine(url, connect_args={"connect_timeout": 3}, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except Exception as exc:
        return f"PostgreSQL at {make_url(url).render_as_string()} is unreachable: {exc}"
    finally:
        engine.dispose()
    return None


def require_postgres() -> str:
    """The base URL, or skip the test (fail it when ``CI=true``) if the server is down."""
    url = postgres_base_url()
    reason = _unreachable_reason(url)
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; PostgreSQL tests are required in CI", pytrace=False)
        pytest.skip(f"{reason} (set {POSTGRES_URL_ENV})")
    return url


def _checked_prefix(prefix: str, where: str) -> str:
    if not _PREFIX.fullmatch(prefix):
        raise ConfigurationError(
            f"{where} must be 1 to 48 lower-case letters, digits and underscores, not starting "
            f"with a digit (a PostgreSQL database name starts with it); got {prefix!r}"
        )
    return prefix


def database_prefix(configured: str | None = None) -> str:
    """The prefix of test database names: ``HOUDINI_PAY_TEST_DATABASE_PREFIX``, else
    ``configured`` (the pytest setting), else ``houdini_pay_test_``.

    Raises:
        ConfigurationError: a prefix that cannot start a PostgreSQL database name.
    """
    if os.environ.get(PREFIX_ENV):
        return _checked_prefix(os.environ[PREFIX_ENV], PREFIX_ENV)
    if configured:
        return _checked_prefix(configured, "houdini_pay_database_prefix")
    return DEFAULT_DATABASE_PREFIX


@contextmanager
def temporary_postgres_database(base_url: str, *, prefix: str | None = None) -> Iterator[str]:
    """Create a database with a random name on the server of ``base_url``; drop it after.

    The name starts with ``prefix`` (default: :func:`database_prefix`).
    """
    start = _checked_prefix(prefix, "prefix") if prefix is not None else database_prefix()
    name = f"{start}{secrets.token_hex(6)}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
