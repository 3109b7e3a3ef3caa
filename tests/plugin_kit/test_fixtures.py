"""The pytest plugin's record fixtures are seen by every application of the test."""

from __future__ import annotations

from houdini_pay import NonprofitRecord, OutcomeStatus, PaymentRequest, SupporterRecord
from houdini_pay.testing import FakeGiftPaymentType, FakeProcessor, TestPlugin
from houdini_pay.testing.conformance.trial import MakeApp


def test_a_plugin_pays_for_the_fixture_supporter(
    houdini_make_app: MakeApp,
    houdini_nonprofit: NonprofitRecord,
    houdini_supporter: SupporterRecord,
    fake_processor: FakeProcessor,
) -> None:
    app = houdini_make_app(
        TestPlugin(processors=[fake_processor], payment_types=[FakeGiftPaymentType()])
    )
    assert houdini_supporter.nonprofit_id == houdini_nonprofit.id
    outcome = app.pay(
        PaymentRequest(
            nonprofit_id=houdini_nonprofit.id,
            supporter_id=houdini_supporter.id,
            amount=2500,
            currency="USD",
            processor="fake",
            payment_type="gift",
        )
    )
    assert outcome.status is OutcomeStatus.SUCCEEDED
    assert fake_processor.charge_count == 1
