"""Under concurrency a balance never goes below zero and transfers never deadlock."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from houdini_pay_accounts import BalanceProcessor, account_view
from houdini_pay_accounts.accounts import SPENT, system_account
from houdini_pay_accounts.transfers import transfer
from sqlalchemy import text

from houdini_pay import ChargeRequest, HoudiniPay, SupporterRecord
from houdini_pay.errors import HoudiniPayError

from .conftest import PayFunction


def _watch(
    app: HoudiniPay, supporters: list[SupporterRecord]
) -> tuple[threading.Event, list[int], threading.Thread]:
    """Read the balances in a loop until told to stop; the lowest seen lands in ``lows``."""
    stop, lows = threading.Event(), []

    def watch() -> None:
        while not stop.is_set():
            with app.session() as session:
                for supporter in supporters:
                    shown = account_view(session, supporter.nonprofit_id, supporter.id)
                    lows.append(min(shown["balance"], shown["available"]))

    watcher = threading.Thread(target=watch)
    watcher.start()
    return stop, lows, watcher


def _run(count: int, work: Callable[[int], str]) -> Counter[str]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return Counter(pool.map(work, range(count)))


def test_fifty_payments_of_ten_from_seventy_make_exactly_seven(
    app: HoudiniPay, supporter: SupporterRecord, top_up: PayFunction, pay_from_balance: PayFunction
) -> None:
    top_up(supporter, 7000)
    stop, lows, watcher = _watch(app, [supporter])

    def pay(number: int) -> str:
        try:
            return pay_from_balance(supporter, 1000, idempotency_key=f"pay-{number}").status.value
        except HoudiniPayError as error:
            return error.code

    try:
        outcomes = _run(50, pay)
    finally:
        stop.set()
        watcher.join()
    assert outcomes == Counter({"succeeded": 7, "insufficient_funds": 43})
    assert lows
    assert min(lows) >= 0
    with app.session() as session:
        shown = account_view(session, supporter.nonprofit_id, supporter.id)
    assert (shown["balance"], shown["available"], shown["held"]) == (0, 0, 0)


def test_transfers_both_ways_at_once_never_deadlock_or_overdraw(
    app: HoudiniPay, supporter: SupporterRecord, other: SupporterRecord, top_up: PayFunction
) -> None:
    top_up(supporter, 3000)
    top_up(other, 3000)
    stop, lows, watcher = _watch(app, [supporter, other])

    def move(number: int) -> str:
        sender, receiver = (supporter, other) if number % 2 else (other, supporter)
        try:
            transfer(
                app,
                supporter.nonprofit_id,
                from_supporter=sender.id,
                to_supporter=receiver.id,
                amount=700,
                idempotency_key=f"move-{number}",
            )
        except HoudiniPayError as error:
            return error.code
        return "moved"

    try:
        outcomes = _run(40, move)
    finally:
        stop.set()
        watcher.join()
    assert set(outcomes) <= {"moved", "insufficient_funds"}
    assert outcomes["moved"] >= 8
    assert min(lows) >= 0
    with app.session() as session:
        total = sum(
            account_view(session, s.nonprofit_id, s.id)["balance"] for s in (supporter, other)
        )
    assert total == 6000


def test_payments_and_refunds_at_once_never_deadlock(
    app: HoudiniPay, supporter: SupporterRecord, top_up: PayFunction, pay_from_balance: PayFunction
) -> None:
    top_up(supporter, 10000)
    paid = [pay_from_balance(supporter, 1000).payment for _ in range(5)]

    def work(number: int) -> str:
        if number % 2:
            payment = paid[number // 2]
            assert payment is not None
            return app.refund(payment.id, nonprofit_id=payment.nonprofit_id).status
        return pay_from_balance(supporter, 1000, idempotency_key=f"more-{number}").status.value

    assert _run(10, work) == Counter({"succeeded": 10})
    with app.session() as session:
        assert account_view(session, supporter.nonprofit_id, supporter.id)["balance"] == 5000


def test_payments_from_two_balances_do_not_wait_on_one_row(
    app: HoudiniPay, supporter: SupporterRecord, other: SupporterRecord, top_up: PayFunction
) -> None:
    """The nonprofit's ``spent`` account takes every payment from a balance; it keeps no
    counters, so a payment's hold and its posting never wait for another supporter's
    payment still in its transaction (on PostgreSQL a wait fails at ``lock_timeout``)."""
    top_up(supporter, 3000)
    top_up(other, 3000)
    with app.unit_of_work() as uow:  # opened by the nonprofit's first payment from a balance
        system_account(uow.session, supporter.nonprofit_id, SPENT, "USD")
    balance = BalanceProcessor(app)

    def request(payer: SupporterRecord) -> ChargeRequest:
        return ChargeRequest(
            attempt_id=f"att_{payer.id}",
            nonprofit_id=payer.nonprofit_id,
            supporter_id=payer.id,
            amount=1000,
            currency="USD",
            payment_type="donation",
        )

    postgres = app.engine.dialect.name == "postgresql"
    with app.unit_of_work() as first:  # holds supporter's payment, not committed yet
        balance.prepare_charge(first.session, request(supporter))
        if not postgres:  # SQLite has one writer at a time: the second waits by design
            return
        with app.unit_of_work() as second:
            second.connection.execute(text("SET LOCAL lock_timeout = '2s'"))
            assert balance.prepare_charge(second.session, request(other))
            balance.settle_charge(
                second.session,
                nonprofit_id=other.nonprofit_id,
                attempt_id=f"att_{other.id}",
                succeeded=True,
            )
        balance.settle_charge(
            first.session,
            nonprofit_id=supporter.nonprofit_id,
            attempt_id=f"att_{supporter.id}",
            succeeded=True,
        )
    with app.session() as session:
        for payer in (supporter, other):
            assert account_view(session, payer.nonprofit_id, payer.id)["balance"] == 2000
