"""A plugin that raises in a hook, returns garbage or misspells a hook: the core refuses it
with a ``PluginError`` naming the plugin and the hook, not a bare traceback."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from houdini_pay import (
    ChargeRequest,
    HoudiniPay,
    PaymentContext,
    PaymentOutcome,
    PaymentRecord,
    PaymentRequest,
    PaymentType,
    hookimpl,
)
from houdini_pay.cli import HoudiniPayGroup
from houdini_pay.contract._plugins import build_plugin_manager
from houdini_pay.db.migrate import alembic_config
from houdini_pay.delivery.dispatch import event_type_names
from houdini_pay.errors import ConfigurationError, PluginError
from houdini_pay.testing import FakeProcessor, TestPlugin
from houdini_pay.testing.conformance.trial import MakeApp


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


class Lenient(PaymentType):
    """A payment type whose methods misbehave as ``mode`` says."""

    symbol = "lenient"

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def validate(self, session: Session, context: PaymentContext) -> None:
        if self.mode == "validate":
            _ = context.request.type_object["member"]

    def reserve_limited_items(self, session: Session, context: PaymentContext) -> Any:
        return ["gala:1"] if self.mode == "reserve" else []

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Nothing to record."""

    def refund_limit(self, session: Session, payment: PaymentRecord) -> Any:
        return "lots" if self.mode == "refund_limit" else None


class Fussy(FakeProcessor):
    """A processor whose ``validate_request`` raises a plain ``ValueError``."""

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    def validate_request(self, request: ChargeRequest) -> None:
        if self.mode == "validate_request":
            raise ValueError("account acct_secret is malformed")

    def missing_settings(self) -> Any:
        return "HOUDINI_PAY_FUSSY_KEY" if self.mode == "missing_settings" else []


def _pay(make_app: MakeApp, mode: str) -> tuple[HoudiniPay, PaymentOutcome]:
    app = make_app(TestPlugin(processors=[Fussy(mode)], payment_types=[Lenient(mode)]))
    nonprofit = app.create_nonprofit("Club", "USD")
    supporter = app.create_supporter(nonprofit.id, "Ada")
    request = PaymentRequest(
        nonprofit_id=nonprofit.id,
        supporter_id=supporter.id,
        amount=3000,
        currency="USD",
        processor="fake",
        payment_type="lenient",
    )
    return app, app.pay(request)


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        ("validate", "payment type 'lenient' raised KeyError in validate() (a bug in its plugin"),
        ("validate_request", "processor 'fake' raised ValueError in validate_request()"),
        ("reserve", "payment type 'lenient' returned 'gala:1' from reserve_limited_items()"),
        ("missing_settings", "processor 'fake' returned 'HOUDINI_PAY_FUSSY_KEY' from missing"),
    ],
)
def test_a_payment_refused_for_a_plugin_bug_names_it(
    houdini_make_app: MakeApp, mode: str, said: str
) -> None:
    with pytest.raises(PluginError) as raised:
        _pay(houdini_make_app, mode)
    assert said in str(raised.value)
    assert "acct_secret" not in str(raised.value)  # the cause's text stays in the log


def test_a_refund_limit_that_is_no_number_names_the_payment_type(
    houdini_make_app: MakeApp,
) -> None:
    app, outcome = _pay(houdini_make_app, "refund_limit")
    assert outcome.payment is not None
    with pytest.raises(PluginError, match=r"'lenient' returned 'lots' from refund_limit\(\)"):
        app.refund(outcome.payment.id, amount=1000, nonprofit_id=outcome.payment.nonprofit_id)


@pytest.mark.parametrize(
    ("declared", "said"),
    [
        ({"capabilities": frozenset({"refundz"})}, "declares capabilities ['refundz'] that do"),
        ({"currencies": frozenset({"usd"})}, "declares currencies frozenset({'usd'}); expected"),
        ({"currencies": "USD"}, "declares currencies 'USD'; expected None or a set of upper-case"),
        ({"countries": ["DEU"]}, "declares countries ['DEU']; expected None or a set"),
    ],
)
def test_a_misdeclared_processor_is_refused_when_plugins_load(
    declared: dict[str, object], said: str
) -> None:
    processor = type("Misdeclared", (FakeProcessor,), declared)()
    app = HoudiniPay(
        "sqlite://",
        plugin_manager=build_plugin_manager(load_entry_points=False),
        plugins=[TestPlugin(processors=[processor])],
    )
    with pytest.raises(PluginError) as raised:
        _ = app.registry
    assert f"processor 'fake' {said}" in str(raised.value)
