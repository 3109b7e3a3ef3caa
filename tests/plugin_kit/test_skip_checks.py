"""A conformance class may skip one named check, and pytest shows it as skipped, with why."""

from __future__ import annotations

import re
from pathlib import Path

from tests.plugin_kit.outside import run_pytest

OUTSIDE_TESTS = """\
import pytest
from houdini_pay_offsite import plugin

from houdini_pay.testing import PaymentFields, ProcessorConformance, ProcessorHarness


class OffsiteHarness(ProcessorHarness):
    symbol = "offsite"

    def plugins(self):
        return [plugin]

    def environ(self, *, unreachable):
        return None if unreachable else {}

    def payment_fields(self, app, supporter, wanted):
        if wanted == "succeed":
            return PaymentFields(processing_object={"method": "cash"})
        return None


class TestSkipping(ProcessorConformance):
    skip_checks = {"zero_decimal": "our treasurer never takes yen"}

    @pytest.fixture
    def processor_harness(self):
        return OffsiteHarness()


class TestMisspelled(ProcessorConformance):
    skip_checks = {"zero_decimals": "a typo must not skip anything"}

    @pytest.fixture
    def processor_harness(self):
        return OffsiteHarness()


class TestNoReason(ProcessorConformance):
    skip_checks = {"zero_decimal": " "}

    @pytest.fixture
    def processor_harness(self):
        return OffsiteHarness()
"""


def test_a_skipped_check_is_reported_with_its_reason_and_mistakes_fail(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_offsite_conformance.py").write_text(OUTSIDE_TESTS)
    ran = run_pytest(tmp_path, "-k", "sqlite and (zero_decimal or declarations)")
    output = ran.stdout
    assert ran.returncode == 1, output + ran.stderr
    assert re.search(
        r"SKIPPED \[1\] .*conformance check 'zero_decimal' skipped by TestSkipping: "
        r"our treasurer never takes yen",
        output,
    ), output
    # TestSkipping's declarations and TestNoReason's declarations pass; every test of
    # TestMisspelled fails, and so does the reasonless skip.
    assert "3 failed, 2 passed, 1 skipped" in output
    assert (
        "TestMisspelled.skip_checks names ['zero_decimals'], which are no conformance checks"
        in (output)
    )
    assert "TestNoReason.skip_checks skips 'zero_decimal' without a reason" in output
