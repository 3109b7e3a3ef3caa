"""The order of the pipeline's steps, on SQLite and PostgreSQL.

The payment type checks its object before anything else reads it, and the processor is
asked only by the run that moved the attempt to ``charging``, with no connection checked
out of the pool while it answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from sqlalchemy.orm import Session

from houdini_pay import (
    ChargeRequest,
    ChargeResult,
    HoudiniPay,
    ItemRequest,
    OutcomeStatus,
    PaymentContext,
    PaymentRecord,
    PaymentRequest,
    PaymentType,
    SupporterRecord,
    inventory,
    signals,
    utcnow,
)
from houdini_pay.errors import InvalidRequest
from houdini_pay.store._models import PaymentAttempt
from houdini_pay.testing import FakeProcessor, TestPlugin
from tests.helpers import count

SEATS = "gala-seat"


@dataclass
class Trace:
    """The plugin calls one payment made, in order."""

    calls: list[str] = field(default_factory=list)


@dataclass
class SeatPaymentType(PaymentType):
    """A seat named in the type object; ``describe`` relies on ``validate`` having run."""

    symbol: ClassVar[str] = "seat"
    trace: Trace = field(default_factory=Trace)

    def validate(self, session: Session, context: PaymentContext) -> None:
        self.trace.calls.append("validate")
        if not isinstance(context.request.type_object.get("row"), str):
            raise InvalidRequest("row is required", code="invalid_type_object")

    def describe(self, context: PaymentContext) -> str:
        self.trace.calls.append("describe")
        return "Seat in row " + context.request.type_object["row"]

    def reserve_limited_items(
        self, session: Session, context: PaymentContext
    ) -> Sequence[ItemRequest]:
        self.trace.calls.append("reserve_limited_items")
        return [ItemRequest(SEATS, 1)]

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        self.trace.calls.append("process")


class WatchedProcessor(FakeProcessor):
    """A fake processor that notes its calls and how many connections are out while charging."""

    def __init__(self, trace: Trace) -> None:
        super().__init__()
        self.trace = trace
        self.app: HoudiniPay | None = None
        self.checked_out: list[int] = []

    def validate_request(self, request: ChargeRequest) -> None:
        self.trace.calls.append("validate_request")

    def prepare_charge(self, session: Session, request: ChargeRequest) -> Mapping[str, Any]:
        self.trace.calls.append("prepare_charge")
        return {}

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        self.trace.calls.append("charge")
        assert self.app is not None
        # Noted, not asserted: the pipeline turns an exception from charge into "unknown".
        self.checked_out.append(self.app.engine.pool.checkedout())  # type: ignore[attr-defined]
        return super().charge(request, idempotency_key=idempotency_key)


@pytest.fixture
def trace() -> Trace:
    return Trace()


@pytest.fixture
def processor(trace: Trace) -> WatchedProcessor:
    return WatchedProcessor(trace)


@pytest.fixture
def plugin(processor: WatchedProcessor, trace: Trace) -> TestPlugin:
    return TestPlugin(processors=[processor], payment_types=[SeatPaymentType(trace)])


@pytest.fixture
def app(
    houdini_make_app: Callable[..., HoudiniPay], plugin: TestPlugin, processor: WatchedProcessor
) -> HoudiniPay:
    app = houdini_make_app(plugin)
    processor.app = app
    return app


@pytest.fixture
def supporter(app: HoudiniPay) -> SupporterRecord:
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD")
    with app.unit_of_work() as uow:
        inventory.define_item(uow.session, nonprofit.id, SEATS, 10)
    return app.create_supporter(nonprofit.id, "Ada Lovelace")


def seat(supporter: SupporterRecord, **type_object: Any) -> PaymentRequest:
    return PaymentRequest(
        nonprofit_id=supporter.nonprofit_id,
        supporter_id=supporter.id,
        amount=5000,
        currency="USD",
        processor="fake",
        payment_type="seat",
        type_object=type_object,
    )


def test_the_payment_type_checks_its_object_before_anything_reads_it(
    app: HoudiniPay, supporter: SupporterRecord, trace: Trace, processor: WatchedProcessor
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        app.pay(seat(supporter))
    assert refused.value.code == "invalid_type_object"
    assert trace.calls == ["validate"]
    assert count(app, PaymentAttempt) == 0

    trace.calls.clear()
    outcome = app.pay(seat(supporter, row="F"))
    assert outcome.status is OutcomeStatus.SUCCEEDED
    assert trace.calls[:6] == [
        "validate",
        "describe",
        "validate_request",
        "reserve_limited_items",
        "prepare_charge",
        "charge",
    ]


def test_no_connection_is_checked_out_while_the_processor_charges(
    app: HoudiniPay, supporter: SupporterRecord, processor: WatchedProcessor
) -> None:
    for row in "ABC":
        assert app.pay(seat(supporter, row=row)).status is OutcomeStatus.SUCCEEDED
    assert processor.checked_out == [0, 0, 0]


@contextmanager
def connected(signal: Any, receiver: Callable[..., None]) -> Iterator[None]:
    signal.connect(receiver, weak=False)
    try:
        yield
    finally:
        signal.disconnect(receiver)


def test_an_attempt_reconcile_gave_up_on_before_the_charge_is_never_charged(
    houdini_make_app: Callable[..., HoudiniPay],
    app: HoudiniPay,
    plugin: TestPlugin,
    supporter: SupporterRecord,
    processor: WatchedProcessor,
) -> None:
    # Another machine's reconcile, its clock past reconcile_after, finds the attempt still
    # "started" between its recording and its move to "charging" (a stalled process).
    later = houdini_make_app(plugin)
    later.clock = lambda: utcnow() + dt.timedelta(hours=1)
    reports: list[dict[str, Any]] = []

    def reconcile_now(sender: HoudiniPay, **_: Any) -> None:
        if sender is app:
            reports.append(later.reconcile().to_dict())

    with connected(signals.begin_payment, reconcile_now):
        outcome = app.pay(seat(supporter, row="F"))

    assert [entry["to"] for entry in reports[0]["settled"]] == ["failed"]
    assert outcome.status is OutcomeStatus.FAILED
    assert outcome.error is not None
    assert outcome.error.code == "abandoned"
    assert [call.method for call in processor.calls] == []
    assert processor.ledger == {}
    with app.session() as session:
        counts = inventory.item_counts(session, supporter.nonprofit_id, SEATS, utcnow())
    assert (counts.issued, counts.held) == (0, 0)
