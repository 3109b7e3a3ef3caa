"""The conformance suite drives a processor whose charges complete only by webhook."""

from __future__ import annotations

import pytest

from houdini_pay.testing import PaymentSandbox, ProcessorConformance, run_conformance
from houdini_pay.testing.conformance.trial import MakeApp
from tests.plugin_kit.redirect_bank import (
    RedirectBankHarness,
    RedirectBankProcessor,
    UntoldRedirectBankHarness,
)


class TestRedirectBankConformance(ProcessorConformance):
    @pytest.fixture
    def processor_harness(self, sandbox: PaymentSandbox) -> RedirectBankHarness:
        return RedirectBankHarness(sandbox, RedirectBankProcessor)


def test_the_suite_says_what_to_do_when_charges_complete_later(
    sandbox: PaymentSandbox, houdini_make_app: MakeApp
) -> None:
    harness = UntoldRedirectBankHarness(sandbox, RedirectBankProcessor)
    report = run_conformance(
        harness, houdini_make_app, only=["declarations"], raise_on_failure=False
    )
    [failure] = report.failures
    assert "did not succeed with the harness's succeeding payment" in failure.message
    assert "set succeeds_at_once = False on the harness" in failure.message
