"""Transfers between supporters: idempotent by key, checked, and cheap for system accounts."""

from __future__ import annotations

import pytest
from houdini_pay_accounts import account_view
from houdini_pay_accounts.accounts import SPENT, TOP_UPS, find_account
from houdini_pay_accounts.ledger import summed_counters
from houdini_pay_accounts.models import Transfer
from houdini_pay_accounts.transfers import transfer
from sqlalchemy import func, select

from houdini_pay import HoudiniPay, SupporterRecord
from houdini_pay.errors import HoudiniPayError

from .conftest import PayFunction


def _move(app: HoudiniPay, sender: SupporterRecord, receiver: str, amount: int, key: str) -> dict:
    return transfer(
        app,
        sender.nonprofit_id,
        from_supporter=sender.id,
        to_supporter=receiver,
        amount=amount,
        idempotency_key=key,
    )


def _transfers(app: HoudiniPay) -> int:
    with app.session() as session:
        return int(session.execute(select(func.count()).select_from(Transfer)).scalar_one())


def test_a_key_replays_its_transfer_even_once_the_money_is_gone(
    app: HoudiniPay, supporter: SupporterRecord, other: SupporterRecord, top_up: PayFunction
) -> None:
    top_up(supporter, 1000)
    first = _move(app, supporter, other.id, 1000, "k1")  # other had no account: opened
    assert _move(app, supporter, other.id, 1000, "k1") == first  # nothing left, still replays
    with pytest.raises(HoudiniPayError) as clash:
        _move(app, supporter, other.id, 900, "k1")
    assert clash.value.code == "idempotency_conflict"
    with pytest.raises(HoudiniPayError) as back:  # other fields and enough money: conflict
        _move(app, other, supporter.id, 1000, "k1")
    assert back.value.code == "idempotency_conflict"
    with app.session() as session:
        assert account_view(session, other.nonprofit_id, other.id)["balance"] == 1000
        assert account_view(session, supporter.nonprofit_id, supporter.id)["balance"] == 0


def test_a_supporter_of_another_nonprofit_is_not_found_and_nothing_is_written(
    app: HoudiniPay, supporter: SupporterRecord, other: SupporterRecord, top_up: PayFunction
) -> None:
    top_up(supporter, 1000)
    top_up(other, 1000)
    elsewhere = app.create_nonprofit("Elsewhere", "USD", country="US")
    stranger = app.create_supporter(elsewhere.id, "Stranger")
    top_up(stranger, 1000)
    before = _transfers(app)
    with pytest.raises(HoudiniPayError) as missing:
        _move(app, supporter, stranger.id, 100, "k2")
    assert missing.value.code == "supporter_not_found"
    with pytest.raises(HoudiniPayError) as unknown:
        transfer(
            app, "np_nope", from_supporter=supporter.id, to_supporter=other.id, amount=1,
            idempotency_key="k3",
        )  # fmt: skip
    assert unknown.value.code == "nonprofit_not_found"
    assert _transfers(app) == before


def test_a_note_longer_than_its_column_is_refused_and_nothing_is_written(
    app: HoudiniPay, supporter: SupporterRecord, other: SupporterRecord, top_up: PayFunction
) -> None:
    top_up(supporter, 1000)
    before = _transfers(app)
    with pytest.raises(HoudiniPayError) as long_note:
        transfer(
            app, supporter.nonprofit_id, from_supporter=supporter.id, to_supporter=other.id,
            amount=100, idempotency_key="k4", note="x" * 10_000,
        )  # fmt: skip
    assert (long_note.value.code, long_note.value.details) == ("invalid_request", {"field": "note"})
    assert _transfers(app) == before


def test_system_accounts_hold_no_counters_and_their_sums_are_their_balances(
    app: HoudiniPay, supporter: SupporterRecord, top_up: PayFunction, pay_from_balance: PayFunction
) -> None:
    top_up(supporter, 5000)
    pay_from_balance(supporter, 1200)
    with app.unit_of_work(write=False) as uow:
        session, nonprofit_id = uow.session, supporter.nonprofit_id
        for kind, summed in (
            (TOP_UPS, {"debits_pending": 0, "debits_posted": 5000}),
            (SPENT, {"credits_pending": 0, "credits_posted": 1200}),
        ):
            account = find_account(session, nonprofit_id, f"system:{kind}:USD")
            assert not account.keeps_counters
            assert (account.debits_posted, account.credits_posted) == (0, 0)
            counters = summed_counters(uow.connection, nonprofit_id, account.id)
            assert {name: counters[name] for name in summed} == summed
