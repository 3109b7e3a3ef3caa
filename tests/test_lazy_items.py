"""Limited items a payment type creates when first needed, under concurrency.

A membership is one limited item per supporter, created by the first payment for it. Twenty
payments for the same supporter at once: one membership is sold, the others are refused in
the payment type's own words, and nothing else (no database error) ever comes out of pay.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import pytest
from sqlalchemy.orm import Session

from houdini_pay import (
    ErrorInfo,
    HoudiniPay,
    ItemRequest,
    OutcomeStatus,
    PaymentContext,
    PaymentOutcome,
    PaymentRecord,
    PaymentRequest,
    PaymentType,
    inventory,
    utcnow,
)
from houdini_pay.errors import SoldOut
from houdini_pay.store._models import LimitedItem
from houdini_pay.testing import FakeProcessor, TestPlugin
from tests.helpers import count

BUYERS = 20

CreateItem = Callable[[Session, str, str, int | None], None]


@dataclass
class MembershipPaymentType(PaymentType):
    """One membership per supporter: an item of capacity 1, made on the first payment."""

    symbol: ClassVar[str] = "membership"
    create_item: CreateItem

    def reserve_limited_items(
        self, session: Session, context: PaymentContext
    ) -> Sequence[ItemRequest]:
        key = f"membership:{context.supporter.id}"
        self.create_item(session, context.nonprofit.id, key, 1)
        return [ItemRequest(key, 1)]

    def hold_refused(
        self, session: Session, context: PaymentContext, item: ItemRequest, remaining: int
    ) -> ErrorInfo:
        return ErrorInfo("already_a_member", f"{context.supporter.name} is already a member")

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        pass


@pytest.mark.parametrize("create_item", [inventory.ensure_item, inventory.define_item])
def test_concurrent_payments_creating_one_item_sell_it_once_in_the_types_words(
    houdini_make_app: Callable[..., HoudiniPay],
    fake_processor: FakeProcessor,
    create_item: CreateItem,
) -> None:
    app = houdini_make_app(
        TestPlugin(processors=[fake_processor], payment_types=[MembershipPaymentType(create_item)])
    )
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD")
    ada = app.create_supporter(nonprofit.id, "Ada Lovelace")
    outcomes: list[PaymentOutcome] = []
    refused: list[SoldOut] = []
    others: list[BaseException] = []
    barrier = threading.Barrier(BUYERS)

    def join() -> None:
        barrier.wait()
        request = PaymentRequest(
            nonprofit_id=nonprofit.id,
            supporter_id=ada.id,
            amount=3000,
            currency="USD",
            processor="fake",
            payment_type="membership",
        )
        try:
            outcomes.append(app.pay(request))
        except SoldOut as error:
            refused.append(error)
        except BaseException as error:
            others.append(error)

    threads = [threading.Thread(target=join) for _ in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert others == []
    assert [outcome.status for outcome in outcomes] == [OutcomeStatus.SUCCEEDED]
    assert len(refused) == BUYERS - 1
    assert {(e.code, e.message) for e in refused} == {
        ("already_a_member", "Ada Lovelace is already a member; nothing was charged")
    }
    assert {e.details["remaining"] for e in refused} == {0}
    assert fake_processor.charge_count == 1
    assert count(app, LimitedItem) == 1
    with app.session() as session:
        counts = inventory.item_counts(session, nonprofit.id, f"membership:{ada.id}", utcnow())
    assert (counts.capacity, counts.issued, counts.held) == (1, 1, 0)


def test_ensure_item_leaves_an_existing_item_as_it_is(
    houdini_make_app: Callable[..., HoudiniPay],
) -> None:
    app = houdini_make_app()
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD")
    with app.unit_of_work() as uow:
        inventory.define_item(uow.session, nonprofit.id, "gala-seat", 10)
        inventory.ensure_item(uow.session, nonprofit.id, "gala-seat", 3)
        inventory.ensure_item(uow.session, nonprofit.id, "poster", None)
    with app.session() as session:
        seats = inventory.item_counts(session, nonprofit.id, "gala-seat")
        posters = inventory.item_counts(session, nonprofit.id, "poster")
    assert (seats.capacity, posters.capacity) == (10, None)
