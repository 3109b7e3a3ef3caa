"""A plugin that raises in a hook, returns garbage or misspells a hook: the core refuses it
with a ``PluginError`` naming the plugin and the hook, not a bare traceback."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from houdini_pay import HoudiniPay, hookimpl
from houdini_pay.cli import HoudiniPayGroup
from houdini_pay.contract._plugins import build_plugin_manager
from houdini_pay.db.migrate import alembic_config
from houdini_pay.delivery.dispatch import event_type_names
from houdini_pay.errors import ConfigurationError, PluginError


def _plugin(hook: str, body: Callable[..., object]) -> object:
    """A plugin object named ``misbehaving`` implementing ``hook`` with ``body``."""
    return type("Misbehaving", (), {hook: staticmethod(hookimpl(specname=hook)(body))})()


def _app(plugin: object) -> HoudiniPay:
    manager = build_plugin_manager(load_entry_points=False)
    manager.register(plugin, name="misbehaving")
    return HoudiniPay("sqlite://", plugin_manager=manager)


def _explode(*_args: object, **_kwargs: object) -> object:
    raise RuntimeError("kaboom")


def test_a_registration_hook_that_raises_names_the_plugin() -> None:
    app = _app(_plugin("register_processors", lambda app: _explode()))
    with pytest.raises(PluginError) as raised:
        _ = app.registry
    message = str(raised.value)
    assert "plugin 'misbehaving' raised RuntimeError in register_processors: kaboom" in message
    assert "HOUDINI_PAY_BLOCK_PLUGINS=misbehaving" in message
    assert isinstance(raised.value.__cause__, RuntimeError)


def test_a_houdini_pay_error_from_a_hook_keeps_its_code() -> None:
    def register_processors(app: HoudiniPay) -> object:
        return app.settings.require("HOUDINI_PAY_NOT_SET_ANYWHERE")

    app = _app(_plugin("register_processors", register_processors))
    with pytest.raises(ConfigurationError, match="HOUDINI_PAY_NOT_SET_ANYWHERE"):
        _ = app.registry


@pytest.mark.parametrize("answer", ["fake", {"fake": object()}, 42])
def test_a_registration_hook_returning_no_list_is_refused(answer: object) -> None:
    app = _app(_plugin("register_payment_types", lambda app: answer))
    with pytest.raises(PluginError) as raised:
        _ = app.registry
    assert f"plugin 'misbehaving' returned {answer!r} from register_payment_types" in str(
        raised.value
    )
    assert "expected a list of PaymentType objects" in str(raised.value)


def test_the_testing_kit_refuses_a_misspelled_hook_like_the_application() -> None:
    plugin = _plugin("register_processor", lambda app: [])
    with pytest.raises(PluginError) as raised:
        HoudiniPay(
            "sqlite://",
            plugin_manager=build_plugin_manager(load_entry_points=False),
            plugins=[plugin],
        )
    assert "implements hooks that do not exist: register_processor (misspelled?)" in str(
        raised.value
    )


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (_explode, "raised RuntimeError in register_event_types: kaboom"),
        (lambda: ["ticket_issued"], "returned ['ticket_issued'] from register_event_types"),
    ],
)
def test_event_types_from_a_broken_plugin_name_it(body: Callable[[], object], said: str) -> None:
    app = _app(_plugin("register_event_types", body))
    with pytest.raises(PluginError, match="plugin .misbehaving. " + re.escape(said)):
        event_type_names(app)


@pytest.mark.parametrize("answer", [42, "/no/such/migrations"])
def test_a_migrations_directory_that_is_not_one_names_the_plugin(answer: object) -> None:
    app = _app(_plugin("register_migrations", lambda: answer))
    with pytest.raises(PluginError) as raised:
        alembic_config(app)
    assert f"plugin 'misbehaving' returned {answer!r} from register_migrations" in str(raised.value)


def test_a_migrations_directory_is_taken(tmp_path: Path) -> None:
    app = _app(_plugin("register_migrations", lambda: tmp_path))
    locations = alembic_config(app).get_main_option("version_locations") or ""
    assert str(tmp_path) in locations


def test_a_broken_command_hook_is_one_line_naming_the_plugin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    @click.group(cls=HoudiniPayGroup)
    def root() -> None:
        """A root group like houdini-pay's."""

    manager = build_plugin_manager(load_entry_points=False)
    manager.register(_plugin("register_commands", lambda cli: cli.add_command("x")), "misbehaving")
    monkeypatch.setattr("houdini_pay.cli.build_plugin_manager", lambda: manager)
    result = CliRunner().invoke(root, ["nothing"])
    assert result.exit_code == 1
    assert "error: plugin_error: plugin 'misbehaving' raised AttributeError in " in result.output
    assert "register_commands" in result.output
