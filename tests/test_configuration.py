"""A processor that lacks a setting says so, is not offered, and is never charged through."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import pytest
from click.testing import CliRunner

from houdini_pay import (
    ChargeRequest,
    ChargeResult,
    HoudiniPay,
    MissingSetting,
    NonprofitRecord,
    Processor,
    SupporterRecord,
)
from houdini_pay.cli import cli
from houdini_pay.contract._payment_methods import available_methods, missing_settings
from houdini_pay.errors import ConfigurationError, PluginError
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.testing import TestPlugin
from tests.conftest import PayFunction
from tests.helpers import count

BANK_KEY = "HOUDINI_PAY_UNSET_BANK_KEY"
BANK_PAGE_KEY = "HOUDINI_PAY_UNSET_BANK_PAGE_KEY"


class UnsetBank(Processor):
    """A processor reading its key from the settings; it reports what is not set."""

    symbol = "unset_bank"
    display_name = "Unset bank"

    def __init__(self, environ: dict[str, str]) -> None:
        self.environ = environ
        self.charged: list[str] = []

    def missing_settings(self) -> Sequence[MissingSetting]:
        wanted = [(BANK_KEY, "charges"), (BANK_PAGE_KEY, "pages")]
        return [
            MissingSetting(name, needed) for name, needed in wanted if not self.environ.get(name)
        ]  # type: ignore[arg-type]

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        self.charged.append(idempotency_key)
        return ChargeResult.succeeded(f"ch_{idempotency_key}")


@pytest.fixture
def bank_environ() -> dict[str, str]:
    """The bank's settings: none set until a test sets them."""
    return {}


@pytest.fixture
def bank(bank_environ: dict[str, str]) -> UnsetBank:
    return UnsetBank(bank_environ)


@pytest.fixture
def app(
    houdini_make_app: Callable[..., HoudiniPay], plugin: TestPlugin, bank: UnsetBank
) -> HoudiniPay:
    """The fake plugins and the unset bank."""
    return houdini_make_app(plugin, TestPlugin(processors=[bank]))


def test_a_processor_is_configured_unless_it_says_otherwise(plugin: TestPlugin) -> None:
    [fake] = plugin.processors
    assert list(fake.missing_settings()) == []
    setting = MissingSetting("HOUDINI_PAY_X")
    assert setting.to_dict() == {
        "name": "HOUDINI_PAY_X",
        "needed_for": "charges",
        "message": "HOUDINI_PAY_X is not set",
    }
    with pytest.raises(ValueError, match="'charges' or 'pages'"):
        MissingSetting("HOUDINI_PAY_X", "webhooks")  # type: ignore[arg-type]


def test_paying_through_an_unconfigured_processor_is_refused_before_anything_is_written(
    app: HoudiniPay, pay: PayFunction, bank: UnsetBank
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        pay(processor="unset_bank", idempotency_key="gift-1")
    assert raised.value.code == "configuration_error"
    assert BANK_KEY in raised.value.message
    assert "'unset_bank' is not configured" in raised.value.message
    assert raised.value.details == {"processor": "unset_bank", "missing_settings": [BANK_KEY]}
    assert bank.charged == []
    assert count(app, PaymentAttempt) == count(app, Payment) == 0


def test_a_setting_only_the_pages_need_does_not_stop_charges(
    app: HoudiniPay, pay: PayFunction, bank: UnsetBank, bank_environ: dict[str, str]
) -> None:
    bank_environ[BANK_KEY] = "key"
    outcome = pay(processor="unset_bank")
    assert outcome.payment is not None
    assert bank.charged == [outcome.attempt_id]


def test_only_configured_processors_are_offered_and_the_rest_name_what_they_lack(
    app: HoudiniPay, nonprofit: NonprofitRecord, bank_environ: dict[str, str]
) -> None:
    def offered() -> list[str]:
        return [m["processor"] for m in available_methods(app, nonprofit.id)["methods"]]

    assert offered() == ["fake"]
    assert missing_settings(app, nonprofit.id) == {
        "unset_bank": [
            {"name": BANK_KEY, "needed_for": "charges", "message": f"{BANK_KEY} is not set"},
            {
                "name": BANK_PAGE_KEY,
                "needed_for": "pages",
                "message": f"{BANK_PAGE_KEY} is not set",
            },
        ]
    }
    bank_environ[BANK_KEY] = "key"
    assert offered() == ["fake", "unset_bank"]
    assert [m["name"] for m in missing_settings(app, nonprofit.id)["unset_bank"]] == [BANK_PAGE_KEY]
    bank_environ[BANK_PAGE_KEY] = "key"
    assert missing_settings(app, nonprofit.id) == {}


def test_a_processor_answering_something_else_than_missing_settings_is_a_plugin_error(
    app: HoudiniPay, pay: PayFunction, bank: UnsetBank, supporter: SupporterRecord
) -> None:
    bank.missing_settings = lambda: [BANK_KEY]  # type: ignore[method-assign,return-value]
    with pytest.raises(PluginError, match="expected MissingSetting objects"):
        pay(processor="unset_bank")
    assert count(app, PaymentAttempt) == 0


def _cli(arguments: list[str], environ: dict[str, str]) -> str:
    result = CliRunner().invoke(cli, arguments, env=environ)
    assert result.exit_code == 0, result.output
    return result.stdout


STRIPE_UNSET = {
    "HOUDINI_PAY_BLOCK_PLUGINS": "",
    "HOUDINI_PAY_STRIPE_SECRET_KEY": "",
    "HOUDINI_PAY_STRIPE_WEBHOOK_SECRET": "",
    "HOUDINI_PAY_STRIPE_PUBLISHABLE_KEY": "",
}


def test_plugins_lists_what_each_processor_lacks() -> None:
    infos = {i["name"]: i for i in json.loads(_cli(["plugins", "--json"], STRIPE_UNSET))}
    assert infos["offsite"]["missing_settings"] == {"offsite": []}
    stripe = infos["stripe"]["missing_settings"]["stripe"]
    assert [(s["name"], s["needed_for"]) for s in stripe] == [
        ("HOUDINI_PAY_STRIPE_SECRET_KEY", "charges"),
        ("HOUDINI_PAY_STRIPE_WEBHOOK_SECRET", "charges"),
        ("HOUDINI_PAY_STRIPE_PUBLISHABLE_KEY", "pages"),
    ]
    assert infos["stripe"]["check_pending"] == "passed"
    text = _cli(["plugins"], STRIPE_UNSET)
    assert "  offsite configured: yes" in text
    assert "  stripe configured: no" in text
    assert "  stripe missing: HOUDINI_PAY_STRIPE_SECRET_KEY is not set (needed for charges)" in text
    assert (
        "  stripe missing: HOUDINI_PAY_STRIPE_PUBLISHABLE_KEY is not set (needed for donor pages)"
        in text
    )
    server_only = {
        **STRIPE_UNSET,
        "HOUDINI_PAY_STRIPE_SECRET_KEY": "sk_test_123",
        "HOUDINI_PAY_STRIPE_WEBHOOK_SECRET": "whsec_123",
    }
    assert "  stripe configured: for charges, not for donor pages" in _cli(["plugins"], server_only)


def test_nonprofits_methods_names_the_missing_settings(
    houdini_database_url: str, houdini_make_app: Callable[..., HoudiniPay]
) -> None:
    app = houdini_make_app(entry_points=True, environ=STRIPE_UNSET)
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD", country="US")
    arguments = ["--database-url", houdini_database_url, "nonprofits", "methods", nonprofit.id]
    shown = json.loads(_cli([*arguments, "--json"], STRIPE_UNSET))
    assert "stripe" not in [m["processor"] for m in shown["methods"]]
    assert [s["name"] for s in shown["missing_settings"]["stripe"]] == [
        "HOUDINI_PAY_STRIPE_SECRET_KEY",
        "HOUDINI_PAY_STRIPE_WEBHOOK_SECRET",
        "HOUDINI_PAY_STRIPE_PUBLISHABLE_KEY",
    ]
    text = _cli(arguments, STRIPE_UNSET)
    assert "stripe       not offered: HOUDINI_PAY_STRIPE_SECRET_KEY is not set" in text
    assert "stripe       not on donor pages: HOUDINI_PAY_STRIPE_PUBLISHABLE_KEY is not set" in text
    assert text.index("offsite ") < text.index("stripe ")  # offered methods come first
