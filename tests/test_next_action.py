"""A redirect ``next_action`` has one documented shape, and the core refuses any other."""

from __future__ import annotations

import pytest

from houdini_pay import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    HoudiniPay,
    OutcomeStatus,
)
from houdini_pay.errors import PluginError
from houdini_pay.store._models import Payment
from houdini_pay.testing import FakeProcessor, TestPlugin
from tests.conftest import PayFunction
from tests.helpers import count


def test_a_redirect_sends_the_supporter_to_an_https_url() -> None:
    result = ChargeResult.redirect("pay_1", "https://bank.example/confirm?id=pay_1")
    assert result.status is ChargeStatus.REQUIRES_ACTION
    assert result.reference == "pay_1"
    assert result.next_action == {
        "type": "redirect",
        "url": "https://bank.example/confirm?id=pay_1",
    }
    # A provider on the loopback address (a test server) may be reached over http.
    assert ChargeResult.redirect("pay_2", "http://127.0.0.1:8123/confirm").next_action


@pytest.mark.parametrize(
    "next_action",
    [
        {"type": "redirect"},
        {"type": "redirect", "url": "http://bank.example/confirm"},
        {"type": "redirect", "url": "/confirm"},
        {"type": "redirect", "url": "javascript:alert(1)"},
        {"type": "redirect", "url": ["https://bank.example"]},
        "https://bank.example/confirm",
    ],
)
def test_a_malformed_redirect_is_refused_when_the_result_is_made(next_action: object) -> None:
    with pytest.raises(PluginError, match="next_action"):
        ChargeResult(
            status=ChargeStatus.REQUIRES_ACTION, reference="pay_1", next_action=next_action
        )  # type: ignore[arg-type]


def test_other_next_actions_keep_the_plugin_s_own_shape() -> None:
    action = {"type": "stripe_sdk", "client_secret": "pi_1_secret_2"}
    assert ChargeResult.requires_action("pi_1", action).next_action == action


class SloppyRedirects(FakeProcessor):
    """Answers every charge with a redirect to a plain-http page."""

    symbol = "sloppy"

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        return ChargeResult.redirect(f"ch_{idempotency_key}", "http://bank.example/confirm")


def test_a_processor_answering_a_malformed_redirect_leaves_the_payment_unknown(
    app: HoudiniPay, pay: PayFunction
) -> None:
    app.register_plugin(TestPlugin(processors=[SloppyRedirects()]))
    outcome = pay(processor="sloppy")
    # Nobody can tell whether the provider started something: never failed, never redirected.
    assert outcome.status is OutcomeStatus.UNKNOWN
    assert outcome.next_action is None
    assert "next_action" in (outcome.error.message if outcome.error else "")
    assert count(app, Payment) == 0
