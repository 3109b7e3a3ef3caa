"""``houdini-pay stripe connect | replay | balance`` and charges on a Connect account."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import stripe
from click.testing import CliRunner, Result
from houdini_pay_stripe import StripeAccount
from houdini_pay_stripe.testing import LocalStripe, authenticate_3ds, stripe_event

from houdini_pay import ALL_NONPROFITS, HoudiniPay, NonprofitRecord
from houdini_pay.cli import cli
from houdini_pay.errors import InvalidRequest
from houdini_pay.store._models import PaymentAttempt
from plugins.stripe.tests.conftest import (
    THREE_D_SECURE,
    Pay,
    SaveCard,
    confirmations,
    count,
    created_intents,
)

ACCOUNT = "acct_1RiversideFood"


@pytest.fixture
def run(app: HoudiniPay, stripe_environ: dict[str, str]) -> Any:
    """Run ``houdini-pay ARGS...`` on the test's database and environment."""

    def invoke(*args: str) -> Result:
        runner = CliRunner()
        return runner.invoke(
            cli,
            ["--database-url", app.settings.database_url, *args],
            env=stripe_environ,
            catch_exceptions=False,
        )

    return invoke


@pytest.fixture
def connected(run: Any, nonprofit: NonprofitRecord) -> dict[str, Any]:
    """The nonprofit charging on its own Connect account with a 2.5% platform fee."""
    result = run(
        "stripe", "connect", "--nonprofit", nonprofit.id, "--account", ACCOUNT,
        "--platform-fee-percent", "2.5", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_connect_stores_the_account_after_checking_stripe_can_reach_it(
    app: HoudiniPay, connected: dict[str, Any], nonprofit: NonprofitRecord, localstripe: LocalStripe
) -> None:
    assert connected == {
        "nonprofit_id": nonprofit.id,
        "account_id": ACCOUNT,
        "platform_fee_percent": "2.50",
    }
    [check] = localstripe.sent("GET", "/v1/balance")
    assert check.stripe_account == ACCOUNT
    with app.session() as session:
        row = session.get_one(StripeAccount, nonprofit.id)
    assert (row.account_id, row.platform_fee_bps) == (ACCOUNT, 250)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account", "acct 1"], "error: invalid_stripe_account: --account must be"),
        (["--account", ACCOUNT, "--platform-fee-percent", "2.555"], "error: invalid_platform_fee"),
        (["--account", ACCOUNT, "--platform-fee-percent", "lots"], "error: invalid_platform_fee"),
    ],
)
def test_connect_refuses_bad_input_with_one_line(
    app: HoudiniPay, run: Any, nonprofit: NonprofitRecord, args: list[str], message: str
) -> None:
    result = run("stripe", "connect", "--nonprofit", nonprofit.id, *args)
    assert result.exit_code == 1
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert count(app, StripeAccount) == 0


def test_charges_and_refunds_of_a_connected_nonprofit_go_to_its_account_with_the_fee(
    app: HoudiniPay,
    connected: dict[str, Any],
    save_card: SaveCard,
    pay: Pay,
    localstripe: LocalStripe,
) -> None:
    card = save_card()
    [customer] = localstripe.sent("POST", "/v1/customers")
    assert customer.stripe_account == ACCOUNT
    outcome = pay(card)
    assert outcome.payment is not None
    [charge] = created_intents(localstripe)
    assert charge.stripe_account == ACCOUNT
    [confirmed] = confirmations(localstripe)
    assert confirmed.stripe_account == ACCOUNT
    assert charge.params["application_fee_amount"] == "62"  # 2.5% of 25.00, rounded down
    assert outcome.payment.details["stripe_account"] == ACCOUNT

    refund = app.refund(outcome.payment.id, amount=1000, nonprofit_id=outcome.payment.nonprofit_id)
    assert refund.refund is not None
    [sent] = localstripe.sent("POST", "/v1/refunds")
    assert sent.stripe_account == ACCOUNT
    assert sent.params["refund_application_fee"] == "true"
    # The platform gives back its fee pro rata: 62 x 1000 / 2500.
    assert (refund.refund.amount, refund.refund.fee, refund.refund.net) == (-1000, -24, -976)


def test_a_card_saved_before_connecting_must_be_entered_again(
    app: HoudiniPay, run: Any, nonprofit: NonprofitRecord, save_card: SaveCard, pay: Pay
) -> None:
    card = save_card()
    result = run("stripe", "connect", "--nonprofit", nonprofit.id, "--account", ACCOUNT)
    assert result.exit_code == 0
    with pytest.raises(InvalidRequest) as raised:
        pay(card)
    assert raised.value.code == "stripe_account_mismatch"
    assert count(app, PaymentAttempt) == 0


def test_balance_shows_the_connected_account_or_the_platform(
    run: Any, nonprofit: NonprofitRecord, localstripe: LocalStripe
) -> None:
    platform = run("stripe", "balance", "--nonprofit", nonprofit.id, "--json")
    assert platform.exit_code == 0, platform.output
    shown = json.loads(platform.stdout)
    assert shown["account_id"] is None
    assert shown["available"] == [{"amount": 2000, "currency": "eur"}]
    assert shown["pending"] == [{"amount": 0, "currency": "eur"}]
    run("stripe", "connect", "--nonprofit", nonprofit.id, "--account", ACCOUNT)
    text = run("stripe", "balance", "--nonprofit", nonprofit.id)
    assert text.exit_code == 0
    assert f"on {ACCOUNT}" in text.stdout
    assert "available" in text.stdout
    assert "€20.00" in text.stdout
    assert localstripe.sent("GET", "/v1/balance")[-1].stripe_account == ACCOUNT
    missing = run("stripe", "balance", "--nonprofit", "np_missing")
    assert (missing.exit_code, missing.stderr.split(":")[1].strip()) == (1, "nonprofit_not_found")


def test_replay_applies_a_saved_event_once(
    app: HoudiniPay,
    run: Any,
    tmp_path: Path,
    save_card: SaveCard,
    pay: Pay,
    browser: stripe.StripeClient,
) -> None:
    outcome = pay(save_card(THREE_D_SECURE))
    assert outcome.next_action is not None
    intent = authenticate_3ds(
        browser, outcome.next_action["payment_intent"], outcome.next_action["client_secret"]
    )
    # The event as saved from Stripe's dashboard after its delivery failed.
    saved = tmp_path / "event.json"
    saved.write_text(json.dumps(stripe_event("payment_intent.succeeded", intent.to_dict())))
    first = run("stripe", "replay", str(saved), "--json")
    second = run("stripe", "replay", str(saved))
    assert first.exit_code == 0, first.output
    assert [e["result"] for e in json.loads(first.stdout)["events"]] == ["applied"]
    assert second.stdout.startswith("duplicate")
    assert (
        app.get_payment(
            outcome.attempt_id.replace("att_", "pay_", 1), nonprofit_id=ALL_NONPROFITS
        ).status
        == "succeeded"
    )


def test_replay_refuses_a_file_that_is_not_stripe_events(run: Any, tmp_path: Path) -> None:
    saved = tmp_path / "notes.json"
    saved.write_text(json.dumps([{"id": "evt_1", "type": "x"}]))
    result = run("stripe", "replay", str(saved))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: invalid_event_file: ")


def test_the_plugin_is_listed_with_its_symbols(run: Any) -> None:
    result = run("plugins", "--json")
    [listed] = [p for p in json.loads(result.stdout) if p["name"] == "stripe"]
    assert listed["distribution"] == "houdini-pay-stripe"
    assert listed["processors"] == ["stripe"]
    assert listed["source_types"] == ["stripe_payment_method"]
    assert "off_session" in listed["capabilities"]["stripe"]
    assert "register_commands" in listed["hooks"]
