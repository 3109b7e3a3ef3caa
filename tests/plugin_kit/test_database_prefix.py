"""The kit's PostgreSQL databases carry a prefix of the plugin author's choosing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from houdini_pay.errors import ConfigurationError
from houdini_pay.testing import require_postgres, temporary_postgres_database
from houdini_pay.testing.databases import PREFIX_ENV, database_prefix
from tests.plugin_kit.outside import run_pytest


def _databases(base_url: str) -> set[str]:
    engine = create_engine(base_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return set(connection.scalars(text("SELECT datname FROM pg_database")))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_temporary_database_starts_with_the_prefix_and_is_dropped() -> None:
    base_url = require_postgres()
    with temporary_postgres_database(base_url, prefix="membership_test_") as url:
        name = make_url(url).database
        assert name is not None
        assert name.startswith("membership_test_")
        assert name in _databases(base_url)
    assert name not in _databases(base_url)


def test_the_environment_wins_over_the_ini_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PREFIX_ENV, "from_env_")
    assert database_prefix("from_ini_") == "from_env_"
    monkeypatch.delenv(PREFIX_ENV)
    assert database_prefix("from_ini_") == "from_ini_"
    assert database_prefix() == "houdini_pay_test_"


@pytest.mark.parametrize("prefix", ["Membership", "1st_", "member-test", "x" * 49, 'a";drop'])
def test_a_prefix_that_cannot_start_a_database_name_is_refused(
    prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Refused before any connection: nothing listens at this address.
    unreachable = "postgresql+psycopg://nobody@127.0.0.1:1/x"
    with (
        pytest.raises(ConfigurationError, match="lower-case letters"),
        temporary_postgres_database(unreachable, prefix=prefix),
    ):
        pytest.fail("no database may be made")
    monkeypatch.setenv(PREFIX_ENV, prefix)
    with pytest.raises(ConfigurationError, match=PREFIX_ENV):
        database_prefix()


@pytest.mark.postgres
@pytest.mark.slow
def test_the_ini_setting_names_the_session_database(tmp_path: Path) -> None:
    require_postgres()
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nhoudini_pay_database_prefix = membership_test_\n"
    )
    (tmp_path / "test_named.py").write_text(
        "from sqlalchemy.engine import make_url\n\n\n"
        "def test_named(houdini_postgres_database):\n"
        "    name = make_url(houdini_postgres_database).database\n"
        "    assert name.startswith('membership_test_'), name\n"
    )
    ran = run_pytest(tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout
