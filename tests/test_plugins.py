"""The plugin manager: entry points, blocking, checks, registries and listing."""

from __future__ import annotations

import pytest

from houdini_pay import (
    Capability,
    ChargeRequest,
    ChargeResult,
    HoudiniPay,
    Processor,
    hookimpl,
)
from houdini_pay.contract._plugins import (
    BLOCK_ENV,
    blocked_from_env,
    build_plugin_manager,
    describe_plugins,
    inspect_installed_plugins,
)
from houdini_pay.errors import PluginError, UnknownPlugin
from houdini_pay.testing import FakeProcessor, TestPlugin


def test_installed_plugins_are_loaded_from_entry_points() -> None:
    manager = build_plugin_manager(blocked=())
    names = {name for name, plugin in manager.list_name_plugin() if plugin is not None}
    assert {"offsite", "donation"} <= names


def test_plugins_can_be_blocked_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOUDINI_PAY_BLOCK_PLUGINS", " donation , other")
    assert blocked_from_env() == {"donation", "other"}
    manager = build_plugin_manager()
    assert manager.is_blocked("donation")
    assert manager.get_plugin("donation") is None
    assert manager.get_plugin("offsite") is not None


def _listed_and_registered(app: HoudiniPay) -> tuple[set[str], set[str]]:
    """The plugins the listing shows and the processors the application registered."""
    listed = {info.name for info in inspect_installed_plugins(app)}
    return listed, set(app.registry.processors)


def test_blocking_follows_the_settings_not_the_process_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(BLOCK_ENV, raising=False)
    app = HoudiniPay.from_env({"HOUDINI_PAY_DATABASE_URL": "sqlite://", BLOCK_ENV: "stripe"})
    try:
        assert app.plugins.is_blocked("stripe")
        listed, registered = _listed_and_registered(app)
        assert "stripe" not in listed
        assert "stripe" not in registered
        assert "offsite" in listed
        assert "offsite" in registered
    finally:
        app.dispose()


def test_the_process_environment_does_not_block_what_the_settings_allow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(BLOCK_ENV, "stripe")
    app = HoudiniPay.from_env({"HOUDINI_PAY_DATABASE_URL": "sqlite://"})
    try:
        assert not app.plugins.is_blocked("stripe")
        listed, registered = _listed_and_registered(app)
        assert "stripe" in listed
        assert "stripe" in registered
    finally:
        app.dispose()


def test_a_misspelled_hook_fails_loudly() -> None:
    class Misspelled:
        @hookimpl
        def register_procesors(self) -> list[Processor]:
            return []

    with pytest.raises(PluginError) as raised:
        build_plugin_manager(load_entry_points=False, plugins=[Misspelled()])
    assert "register_procesors" in str(raised.value)


def test_a_symbol_registered_twice_names_both_plugins(tmp_path: object) -> None:
    app = HoudiniPay("sqlite://", plugin_manager=build_plugin_manager(load_entry_points=False))
    app.register_plugin(TestPlugin(processors=[FakeProcessor()]), name="first")
    app.register_plugin(TestPlugin(processors=[FakeProcessor()]), name="second")
    with pytest.raises(PluginError) as raised:
        _ = app.registry
    assert "'first'" in str(raised.value)
    assert "'second'" in str(raised.value)


def test_a_declared_capability_must_be_implemented() -> None:
    class Boasting(Processor):
        symbol = "boasting"
        capabilities = frozenset({Capability.REFUNDS})

        def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
            return ChargeResult.succeeded("x")

    app = HoudiniPay(
        "sqlite://",
        plugin_manager=build_plugin_manager(load_entry_points=False),
        plugins=[TestPlugin(processors=[Boasting()])],
    )
    with pytest.raises(PluginError) as raised:
        _ = app.registry
    assert "declares 'refunds' but does not implement refund()" in str(raised.value)


def test_a_hook_returning_the_wrong_type_is_refused() -> None:
    class Confused:
        @hookimpl
        def register_processors(self) -> list[object]:
            return ["stripe"]

    app = HoudiniPay(
        "sqlite://",
        plugin_manager=build_plugin_manager(load_entry_points=False),
        plugins=[Confused()],
    )
    with pytest.raises(PluginError) as raised:
        _ = app.registry
    assert "expected a Processor" in str(raised.value)


def test_unknown_symbols_list_what_is_installed() -> None:
    app = HoudiniPay("sqlite://", plugin_manager=build_plugin_manager(blocked=()))
    with pytest.raises(UnknownPlugin) as raised:
        app.registry.processor("paypal")
    assert raised.value.code == "unknown_processor"
    assert "offsite" in raised.value.message


def test_describe_plugins_shows_distribution_symbols_hooks_and_capabilities() -> None:
    app = HoudiniPay("sqlite://", plugin_manager=build_plugin_manager(blocked=()))
    infos = {info.name: info for info in describe_plugins(app.plugins, app.registry)}
    offsite = infos["offsite"]
    assert offsite.distribution == "houdini-pay-offsite"
    assert offsite.version == "0.1.0"
    assert offsite.processors == ("offsite",)
    assert offsite.source_types == ("offsite",)
    assert "register_processors" in offsite.hooks
    assert "refunds" in offsite.capabilities["offsite"]
    assert "donation" in infos["donation"].payment_types
    assert infos["donation"].to_dict()["check_pending"] == "passed"
