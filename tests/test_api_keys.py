"""API keys: made once, stored hashed, listed without the secret, revoked for good."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import event, select, update

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.api_keys import (
    check_admin_key,
    create_api_key,
    find_api_key,
    hash_key,
    is_admin_key,
    list_api_keys,
    revoke_api_key,
)
from houdini_pay.cli import cli
from houdini_pay.errors import ConfigurationError, InvalidRequest, NotFound
from houdini_pay.store._models import ApiKey


def test_a_key_is_stored_only_as_its_hash(app: HoudiniPay, nonprofit: NonprofitRecord) -> None:
    new = create_api_key(app, nonprofit.id, name="donation form")
    assert new.key.startswith("hpk_")
    assert len(new.key) > 40
    with app.session() as session:
        row = session.scalars(select(ApiKey)).one()
        stored = [str(value) for value in vars(row).values()]
    assert new.key not in stored
    assert row.key_hash == hash_key(new.key)
    assert new.key.startswith(row.prefix)
    assert find_api_key(app, new.key) == new.record


def test_a_key_look_up_hands_its_connection_back_transactional(
    app: HoudiniPay, nonprofit: NonprofitRecord
) -> None:
    # On PostgreSQL the look-up runs in autocommit; the pool must undo that before the
    # connection serves a unit of work, or a payment's writes would commit one by one.
    new = create_api_key(app, nonprofit.id)
    handed_back: list[object] = []

    def on_checkin(dbapi_connection: Any, _record: Any) -> None:
        handed_back.append(getattr(dbapi_connection, "autocommit", None))

    event.listen(app.engine, "checkin", on_checkin)
    try:
        assert find_api_key(app, new.key) == new.record
    finally:
        event.remove(app.engine, "checkin", on_checkin)
    assert len(handed_back) == 1
    assert handed_back[0] is not True

    def write_then_fail() -> None:
        with app.unit_of_work() as uow:
            uow.connection.execute(update(ApiKey).values(name="changed"))
            raise RuntimeError

    with pytest.raises(RuntimeError):  # the unit of work is still atomic afterwards
        write_then_fail()
    assert [key.name for key in list_api_keys(app, nonprofit.id)] == [None]


def test_keys_are_listed_and_a_revoked_key_is_found_no_more(
    app: HoudiniPay, nonprofit: NonprofitRecord
) -> None:
    first = create_api_key(app, nonprofit.id)
    second = create_api_key(app, nonprofit.id)
    revoked = revoke_api_key(app, first.record.id)
    assert revoked.revoked_at is not None
    assert revoke_api_key(app, first.record.id) == revoked
    assert find_api_key(app, first.key) is None
    assert find_api_key(app, second.key) == second.record
    assert [k.id for k in list_api_keys(app, nonprofit.id)] == [first.record.id, second.record.id]


def test_bad_key_requests_are_refused(app: HoudiniPay, nonprofit: NonprofitRecord) -> None:
    with pytest.raises(NotFound) as missing:
        create_api_key(app, "np_missing")
    assert missing.value.code == "nonprofit_not_found"
    with pytest.raises(InvalidRequest):
        create_api_key(app, nonprofit.id, name=" ")
    with pytest.raises(NotFound) as unknown:
        revoke_api_key(app, "key_missing")
    assert unknown.value.code == "api_key_not_found"
    assert find_api_key(app, "hpk_guess") is None


def test_the_admin_key_must_be_long_and_is_compared_whole() -> None:
    admin = "a" * 32
    assert check_admin_key(None) is None
    assert check_admin_key(admin) == admin
    with pytest.raises(ConfigurationError, match="at least 32"):
        check_admin_key("short")
    assert is_admin_key(admin, admin)
    assert not is_admin_key(admin[:-1], admin)
    assert not is_admin_key(admin, None)


def test_the_cli_prints_a_key_once_then_lists_and_revokes_it(
    houdini_database_url: str, houdini_make_app: Callable[..., HoudiniPay]
) -> None:
    app = houdini_make_app()
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD")
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, ["--database-url", houdini_database_url, *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    created = json.loads(run("api-keys", "create", "--nonprofit", nonprofit.id, "--json"))
    assert created["key"].startswith("hpk_")
    assert find_api_key(app, created["key"]) is not None
    listed = json.loads(run("api-keys", "list", "--nonprofit", nonprofit.id, "--json"))
    assert [k["id"] for k in listed] == [created["id"]]
    assert created["key"] not in json.dumps(listed)
    revoked = json.loads(run("api-keys", "revoke", created["id"], "--json"))
    assert revoked["revoked_at"] is not None
    assert find_api_key(app, created["key"]) is None
    missing = runner.invoke(
        cli, ["--database-url", houdini_database_url, "api-keys", "revoke", "x"]
    )
    assert missing.exit_code == 1
    assert "error: api_key_not_found:" in missing.stderr
