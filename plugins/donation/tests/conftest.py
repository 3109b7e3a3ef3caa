"""Fixtures of the donation plugin's tests: the real plugins plus a fake card processor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from houdini_pay_donation.recurring_admin import ScheduleRecord, list_schedules
from houdini_pay_donation.recurring_job import RecurringSettings, RunReport, run_due

from houdini_pay import (
    HoudiniPay,
    NonprofitRecord,
    OutcomeStatus,
    PaymentRequest,
    SupporterRecord,
)
from houdini_pay.testing import FakeProcessor, FakeSourceType, ManualClock, TestPlugin

START = dt.date(2026, 3, 10)


@pytest.fixture
def clock(houdini_clock: ManualClock) -> ManualClock:
    """The time the app sees: the kit's clock, at 09:00 on ``START``."""
    houdini_clock.set_date(START)
    return houdini_clock


@pytest.fixture
def app(
    houdini_make_app: Callable[..., HoudiniPay], fake_processor: FakeProcessor, clock: ManualClock
) -> HoudiniPay:
    """The installed plugins (donation, offsite, ...) and the fake card processor."""
    app = houdini_make_app(
        TestPlugin(processors=[fake_processor], source_types=[FakeSourceType()]),
        entry_points=True,
    )
    app.clock = clock
    return app


@pytest.fixture
def nonprofit(app: HoudiniPay) -> NonprofitRecord:
    """A nonprofit taking USD."""
    return app.create_nonprofit("Riverside Food Bank", "USD", country="US")


@pytest.fixture
def supporter(app: HoudiniPay, nonprofit: NonprofitRecord) -> SupporterRecord:
    """A monthly donor."""
    return app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")


StartFunction = Callable[..., ScheduleRecord]


@pytest.fixture
def start(app: HoudiniPay, nonprofit: NonprofitRecord, supporter: SupporterRecord) -> StartFunction:
    """Make a first gift of 2500 with the fake card and return the schedule it created."""

    def run(amount: int = 2500, **type_object: Any) -> ScheduleRecord:
        outcome = app.pay(
            PaymentRequest(
                nonprofit_id=nonprofit.id,
                supporter_id=supporter.id,
                amount=amount,
                currency="USD",
                processor="fake",
                payment_type="recurring_donation",
                type_object={"interval": "month", **type_object},
            )
        )
        assert outcome.status is OutcomeStatus.SUCCEEDED, outcome
        assert outcome.payment is not None
        (schedule,) = [
            s for s in list_schedules(app, nonprofit.id) if s.first_payment_id == outcome.payment.id
        ]
        return schedule

    return run


FAST_RETRIES = RecurringSettings(max_failures=3, retry_days=(3, 7))
RunFunction = Callable[..., RunReport]


@pytest.fixture
def run(app: HoudiniPay, clock: ManualClock) -> RunFunction:
    """Run the job on ``as_of`` (the clock moves there first)."""

    def go(as_of: dt.date, **options: Any) -> RunReport:
        if as_of > clock().date():
            clock.set_date(as_of)
        return run_due(app, as_of=as_of, settings=FAST_RETRIES, **options)

    return go
