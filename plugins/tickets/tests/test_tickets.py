"""Buying tickets: validation, holds, issuing, refunds and fair market value."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from houdini_pay_tickets import (
    LevelRecord,
    Ticket,
    create_event,
    create_level,
    list_levels,
    list_tickets,
)
from sqlalchemy import func, select

from houdini_pay import HoudiniPay, NonprofitRecord, OutcomeStatus
from houdini_pay.errors import InvalidRequest, NotFound, SoldOut
from houdini_pay.store._models import PaymentAttempt, Reservation
from houdini_pay.testing import FakeProcessor, ManualClock

from .conftest import BuyFunction


def _level(app: HoudiniPay, level: LevelRecord) -> LevelRecord:
    (found,) = [lv for lv in list_levels(app, level.event_id) if lv.id == level.id]
    return found


def _count(app: HoudiniPay, model: Any) -> int:
    with app.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_buying_issues_tickets_and_counts_the_seats(
    app: HoudiniPay, buy: BuyFunction, level: LevelRecord, fake_processor: FakeProcessor
) -> None:
    outcome = buy(3)
    assert outcome.status is OutcomeStatus.SUCCEEDED
    assert outcome.payment is not None
    assert outcome.payment.amount == 15000
    assert outcome.payment.description == "3 tickets"
    (ticket,) = list_tickets(app, level.event_id)
    assert (ticket.payment_id, ticket.quantity, ticket.status) == (outcome.payment.id, 3, "issued")
    counts = _level(app, level)
    assert (counts.sold, counts.held, counts.remaining) == (3, 0, 7)
    assert fake_processor.charge_count == 1


def test_several_levels_are_bought_in_one_payment(
    app: HoudiniPay, buy: BuyFunction, level: LevelRecord
) -> None:
    balcony = create_level(app, level.event_id, "Balcony", 2000, limit=None)
    outcome = buy(
        amount=2 * 5000 + 4 * 2000,
        type_object={
            "lines": [
                {"ticket_level_id": level.id, "quantity": 2},
                {"ticket_level_id": balcony.id, "quantity": 4},
            ]
        },
    )
    assert outcome.status is OutcomeStatus.SUCCEEDED
    assert sorted(t.quantity for t in list_tickets(app, level.event_id)) == [2, 4]
    assert _level(app, balcony).sold == 4
    assert _level(app, balcony).remaining is None


def test_the_amount_must_be_the_total_price_and_nothing_is_written(
    app: HoudiniPay, buy: BuyFunction, fake_processor: FakeProcessor
) -> None:
    with pytest.raises(InvalidRequest) as raised:
        buy(2, amount=5000)
    assert raised.value.code == "amount_mismatch"
    assert raised.value.details == {"expected": 10000, "got": 5000}
    assert _count(app, PaymentAttempt) == 0
    assert fake_processor.calls == []


@pytest.mark.parametrize(
    ("type_object", "code"),
    [
        ({"ticket_level_id": "LEVEL", "quantity": 0}, "invalid_type_object"),
        ({"ticket_level_id": "LEVEL", "quantity": True}, "invalid_type_object"),
        ({"ticket_level_id": "LEVEL", "quantity": 1.5}, "invalid_type_object"),
        ({"ticket_level_id": "LEVEL", "quantity": 101}, "invalid_type_object"),
        ({"quantity": 1}, "invalid_type_object"),
        ({"ticket_level_id": "LEVEL", "seat": "A1"}, "invalid_type_object"),
        ({"lines": []}, "invalid_type_object"),
        (
            {"lines": [{"ticket_level_id": "LEVEL"}], "ticket_level_id": "LEVEL"},
            "invalid_type_object",
        ),
        (
            {"lines": [{"ticket_level_id": "LEVEL"}, {"ticket_level_id": "LEVEL"}]},
            "invalid_type_object",
        ),
        ({"ticket_level_id": "tlv_missing"}, "ticket_level_not_found"),
    ],
)
def test_malformed_type_objects_are_refused(
    app: HoudiniPay,
    buy: BuyFunction,
    level: LevelRecord,
    type_object: dict[str, Any],
    code: str,
) -> None:
    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return level.id if value == "LEVEL" else value

    with pytest.raises((InvalidRequest, NotFound)) as raised:
        buy(type_object=fill(type_object))
    assert raised.value.code == code
    assert _count(app, PaymentAttempt) == 0


def test_a_level_of_another_nonprofit_is_not_found(
    app: HoudiniPay, buy: BuyFunction, level: LevelRecord
) -> None:
    other = app.create_nonprofit("Hilltop Shelter", "USD")
    event = create_event(app, other.id, "Their gala")
    theirs = create_level(app, event.id, "Seat", 5000, limit=5)
    with pytest.raises(NotFound) as raised:
        buy(type_object={"ticket_level_id": theirs.id, "quantity": 1})
    assert raised.value.code == "ticket_level_not_found"


def test_tickets_sell_only_inside_the_sale_window(
    app: HoudiniPay, buy: BuyFunction, level: LevelRecord, houdini_clock: ManualClock
) -> None:
    window = create_level(
        app,
        level.event_id,
        "Early bird",
        3000,
        limit=5,
        sales_start=houdini_clock.now + dt.timedelta(days=1),
        sales_end=houdini_clock.now + dt.timedelta(days=2),
    )
    request = {"amount": 3000, "type_object": {"ticket_level_id": window.id, "quantity": 1}}
    with pytest.raises(InvalidRequest) as raised:
        buy(**request)
    assert raised.value.code == "ticket_sales_not_open"
    houdini_clock.advance(days=1, hours=1)
    assert buy(**request).status is OutcomeStatus.SUCCEEDED
    houdini_clock.advance(days=1)
    with pytest.raises(InvalidRequest) as raised:
        buy(**request)
    assert raised.value.code == "ticket_sales_closed"


def test_sold_out_charges_nothing_and_writes_nothing(
    app: HoudiniPay, buy: BuyFunction, level: LevelRecord, fake_processor: FakeProcessor
) -> None:
    assert buy(9).status is OutcomeStatus.SUCCEEDED
    with pytest.raises(SoldOut) as raised:
        buy(2)
    assert raised.value.code == "sold_out"
    # Worded for the donor: the level by name, never the inventory's key for it.
    assert raised.value.message == "only 1 Dinner ticket is left, not 2; nothing was charged"
    assert raised.value.details["remaining"] == 1
    assert fake_processor.charge_count == 1
    assert _count(app, PaymentAttempt) == 1
    counts = _level(app, level)
    assert (counts.sold, counts.held, counts.remaining) == (9, 0, 1)
    buy(1)
    with pytest.raises(SoldOut) as none_left:
        buy(1)
    assert none_left.value.message == "Dinner tickets are sold out; nothing was charged"


def test_a_declined_payment_gives_its_seats_back(
    app: HoudiniPay, buy: BuyFunction, level: LevelRecord, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "decline"
    outcome = buy(4)
    assert outcome.status is OutcomeStatus.FAILED
    counts = _level(app, level)
    assert (counts.sold, counts.held, counts.remaining) == (0, 0, 10)
    assert list_tickets(app, level.event_id) == []


def test_an_abandoned_hold_expires_and_is_swept(
    app: HoudiniPay,
    buy: BuyFunction,
    level: LevelRecord,
    fake_processor: FakeProcessor,
    houdini_clock: ManualClock,
) -> None:
    fake_processor.behaviour = "requires_action"
    assert buy(10).status is OutcomeStatus.REQUIRES_ACTION
    assert _level(app, level).held == 10
    fake_processor.behaviour = "succeed"
    with pytest.raises(SoldOut):
        buy(1)
    houdini_clock.advance(minutes=16)
    # Expired holds no longer count, and the next hold sweeps them lazily.
    assert _level(app, level).remaining == 10
    assert buy(1).status is OutcomeStatus.SUCCEEDED
    with app.session() as session:
        states = sorted(session.scalars(select(Reservation.state)))
    assert states == ["finalized", "released"]


def test_a_full_refund_frees_the_seats_and_a_partial_one_keeps_them(
    app: HoudiniPay, buy: BuyFunction, level: LevelRecord
) -> None:
    outcome = buy(2)
    assert outcome.payment is not None
    app.refund(
        outcome.payment.id,
        amount=1000,
        reason="discount",
        nonprofit_id=outcome.payment.nonprofit_id,
    )
    assert _level(app, level).sold == 2
    assert [t.status for t in list_tickets(app, level.event_id)] == ["issued"]
    app.refund(outcome.payment.id, reason="cannot come", nonprofit_id=outcome.payment.nonprofit_id)
    assert _level(app, level).sold == 0
    assert _level(app, level).remaining == 10
    assert [t.status for t in list_tickets(app, level.event_id)] == ["refunded"]


def test_fair_market_value_is_declared_per_ticket_or_the_whole_price(
    app: HoudiniPay, buy: BuyFunction, level: LevelRecord
) -> None:
    plain = create_level(app, level.event_id, "Concert", 3000, limit=None)
    declared = buy(3).payment
    undeclared = buy(2, amount=6000, type_object={"ticket_level_id": plain.id, "quantity": 2})
    assert declared is not None
    assert undeclared.payment is not None
    ticket = app.registry.payment_type("ticket")
    with app.session() as session:
        assert ticket.fair_market_value(session, declared) == 3 * 2000
        assert ticket.fair_market_value(session, undeclared.payment) == 2 * 3000


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"amount": 0, "limit": 5}, "invalid_amount"),
        ({"amount": 100, "limit": -1}, "invalid_limit"),
        ({"amount": 100, "limit": 5, "fair_market_value": 101}, "invalid_fair_market_value"),
    ],
)
def test_bad_levels_are_refused(
    app: HoudiniPay, level: LevelRecord, options: dict[str, Any], code: str
) -> None:
    options = dict(options)
    amount = options.pop("amount")
    with pytest.raises(InvalidRequest) as raised:
        create_level(app, level.event_id, "Bad", amount, **options)
    assert raised.value.code == code
    assert len(list_levels(app, level.event_id)) == 1


def test_an_event_of_an_unknown_nonprofit_is_refused(app: HoudiniPay) -> None:
    with pytest.raises(NotFound) as raised:
        create_event(app, "np_missing", "Gala")
    assert raised.value.code == "nonprofit_not_found"


def test_the_ticket_rows_point_at_their_payment(
    app: HoudiniPay, buy: BuyFunction, nonprofit: NonprofitRecord
) -> None:
    outcome = buy(1)
    assert outcome.payment is not None
    with app.session() as session:
        row = session.scalars(select(Ticket)).one()
    assert (row.payment_id, row.nonprofit_id) == (outcome.payment.id, nonprofit.id)
