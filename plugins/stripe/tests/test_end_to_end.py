"""A card payment end to end, as a deployer runs it: the houdini-pay command on localstripe."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import stripe
from houdini_pay_stripe.testing import card_payment_method

from plugins.stripe.tests.conftest import VISA


def test_sources_create_then_pay_through_the_command_line(
    tmp_path: Path, stripe_environ: dict[str, str], browser: stripe.StripeClient
) -> None:
    executable = shutil.which("houdini-pay", path=str(Path(sys.executable).parent))
    assert executable is not None
    environ = {
        **stripe_environ,
        "HOUDINI_PAY_DATABASE_URL": f"sqlite:///{tmp_path / 'houdini_pay.db'}",
    }
    environ.pop("HOUDINI_PAY_BLOCK_PLUGINS", None)

    def houdini_pay(*args: str) -> Any:
        done = subprocess.run(
            [executable, *args], env=environ, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if "--json" in args else done.stdout

    houdini_pay("db", "upgrade")
    nonprofit = houdini_pay(
        "nonprofits", "create", "--name", "Riverside", "--currency", "USD", "--json"
    )
    supporter = houdini_pay(
        "supporters", "create", "--nonprofit", nonprofit["id"], "--name", "Ada Lovelace",
        "--email", "ada@example.org", "--json",
    )  # fmt: skip
    method = card_payment_method(browser, VISA)  # what Stripe.js hands the front end
    source = houdini_pay(
        "sources", "create", "--supporter", supporter["id"], "--type", "stripe_payment_method",
        "--object", json.dumps({"payment_method": method}), "--json",
    )  # fmt: skip
    assert source["name"] == "Visa •••• 4242"
    outcome = houdini_pay(
        "pay", "--nonprofit", nonprofit["id"], "--supporter", supporter["id"],
        "--amount", "2500", "--currency", "USD", "--source", source["id"],
        "--type", "donation", "--idempotency-key", "cli-1", "--json",
    )  # fmt: skip
    assert outcome["status"] == "succeeded"
    payment = outcome["payment"]
    assert (payment["amount"], payment["processor"], payment["kind"]) == (2500, "stripe", "charge")
    intent = browser.v1.payment_intents.retrieve(payment["processor_reference"])
    assert (intent.status, intent.amount, intent.metadata["attempt_id"]) == (
        "succeeded",
        2500,
        outcome["attempt_id"],
    )
    shown = houdini_pay("payments", "show", payment["id"], "--json")
    assert shown["status"] == "succeeded"
