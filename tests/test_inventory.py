"""Limited items: holds, issue, release, expiry and the invariant issued + held <= capacity."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from houdini_pay import HoudiniPay, ItemRequest, NonprofitRecord, inventory
from houdini_pay.errors import InvalidRequest, SoldOut
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import PaymentAttempt, utcnow

HOLD = dt.timedelta(minutes=15)


def _attempt(app: HoudiniPay, nonprofit_id: str) -> str:
    """An attempt row for holds to hang on (holds are keyed by attempt)."""
    attempt_id = new_id("att")
    with app.unit_of_work() as uow:
        uow.session.add(
            PaymentAttempt(
                id=attempt_id,
                nonprofit_id=nonprofit_id,
                operation="charge",
                idempotency_key=attempt_id,
                fingerprint="-",
                state="started",
                processor="fake",
                payment_type="limited",
                amount=1,
                currency="USD",
                request={},
                reconcile_count=0,
            )
        )
    return attempt_id


def _hold(app: HoudiniPay, nonprofit_id: str, quantity: int, now: dt.datetime | None = None) -> str:
    attempt_id = _attempt(app, nonprofit_id)
    with app.unit_of_work() as uow:
        inventory.hold(
            uow.session,
            nonprofit_id,
            attempt_id,
            [ItemRequest("seat", quantity)],
            now or utcnow(),
            HOLD,
        )
    return attempt_id


def _counts(app: HoudiniPay, nonprofit_id: str) -> inventory.ItemCounts:
    with app.session() as session:
        return inventory.item_counts(session, nonprofit_id, "seat", utcnow())


@pytest.fixture
def seats(app: HoudiniPay, nonprofit: NonprofitRecord) -> str:
    with app.unit_of_work() as uow:
        inventory.define_item(uow.session, nonprofit.id, "seat", 5)
    return nonprofit.id


def test_hold_finalize_and_release(app: HoudiniPay, seats: str) -> None:
    sold = _hold(app, seats, 2)
    abandoned = _hold(app, seats, 2)
    assert _counts(app, seats).remaining == 1
    with app.unit_of_work() as uow:
        issued = inventory.finalize(uow.session, seats, sold)
        released = inventory.release(uow.session, seats, abandoned)
    assert [h.quantity for h in issued] == [2]
    assert [h.quantity for h in released] == [2]
    counts = _counts(app, seats)
    assert (counts.issued, counts.held, counts.remaining) == (2, 0, 3)


def test_holding_more_than_remains_is_sold_out(app: HoudiniPay, seats: str) -> None:
    _hold(app, seats, 4)
    with pytest.raises(SoldOut) as raised:
        _hold(app, seats, 2)
    assert raised.value.details == {"item_key": "seat", "quantity": 2, "remaining": 1}
    assert "seat" not in raised.value.message  # a key is internal, a donor may read this
    assert _counts(app, seats).held == 4


def test_expired_holds_are_swept_before_a_new_hold(app: HoudiniPay, seats: str) -> None:
    long_ago = utcnow() - 2 * HOLD
    _hold(app, seats, 5, now=long_ago)
    assert _counts(app, seats).remaining == 5  # expired holds do not count as held
    _hold(app, seats, 5)
    assert _counts(app, seats).held == 5


def test_a_late_finalize_takes_the_seats_again_or_is_sold_out(app: HoudiniPay, seats: str) -> None:
    long_ago = utcnow() - 2 * HOLD
    late = _hold(app, seats, 3, now=long_ago)
    also_late = _hold(app, seats, 2, now=long_ago)
    with app.unit_of_work() as uow:
        assert inventory.sweep_expired(uow.session, utcnow()) == 2
    _hold(app, seats, 2)  # the swept seats are sold to someone else
    with app.unit_of_work() as uow:
        assert [h.quantity for h in inventory.finalize(uow.session, seats, late)] == [3]
    with pytest.raises(SoldOut), app.unit_of_work() as uow:
        inventory.finalize(uow.session, seats, also_late)
    assert _counts(app, seats).issued == 3


def test_restock_frees_issued_items(app: HoudiniPay, seats: str) -> None:
    attempt = _hold(app, seats, 2)
    with app.unit_of_work() as uow:
        inventory.finalize(uow.session, seats, attempt)
        inventory.restock(uow.session, seats, "seat", 1)
    assert _counts(app, seats).issued == 1
    with pytest.raises(InvalidRequest), app.unit_of_work() as uow:
        inventory.restock(uow.session, seats, "seat", 5)


def test_capacity_cannot_drop_below_what_is_taken(app: HoudiniPay, seats: str) -> None:
    _hold(app, seats, 3)
    with pytest.raises(InvalidRequest) as raised, app.unit_of_work() as uow:
        inventory.define_item(uow.session, seats, "seat", 2)
    assert raised.value.code == "capacity_too_low"


def test_concurrent_holds_never_oversell(app: HoudiniPay, seats: str) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(12)

    def buy() -> None:
        barrier.wait()
        try:
            _hold(app, seats, 1)
            outcomes.append("held")
        except SoldOut:
            outcomes.append("sold_out")

    threads = [threading.Thread(target=buy) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("held") == 5
    assert outcomes.count("sold_out") == 7
    counts = _counts(app, seats)
    assert counts.issued + counts.held == 5
