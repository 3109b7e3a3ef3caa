"""Ledger transfers per second against the same statements in bare SQL.

    python bench/ledger.py [--transfers 2000] [--rounds 5] [--sqlite-only]

Two supporters of one nonprofit, each with a balance, send each other 1.00 in turn through
``houdini_pay_accounts.transfers.transfer`` (the function behind ``accounts transfer`` and
the HTTP route: supporter checks, account look-ups, locks in id order, idempotency by id,
counter updates and the insert, one transaction per transfer). The floor (the issue's
yardstick) runs the reads and writes a transfer needs as five literal SQL statements on one
connection, one transaction per transfer, with no checks of its own: the lock, the
idempotency look-up, two counter updates, the insert. The second floor runs the three
statements the ledger runs now (currency and lock in one query, an insert that skips an id
already written, one update of both counters) as literal SQL, so its ratio is the cost of
the ledger's code alone. Rounds alternate; prints transfers per second of each and the
ratios (median and worst) per database, as JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from houdini_pay_accounts import plugin
from houdini_pay_accounts.accounts import TOP_UPS, supporter_account, system_account
from houdini_pay_accounts.ledger import TransferSpec, create_transfer
from houdini_pay_accounts.transfers import transfer
from sqlalchemy import text

from houdini_pay import HoudiniPay
from houdini_pay.testing.databases import postgres_base_url, temporary_postgres_database
from houdini_pay.testing.pytest_plugin import make_test_app

LOCK = (
    "SELECT id, currency, must_not_overdraw, debits_pending, debits_posted, credits_posted "
    "FROM ledger_accounts WHERE nonprofit_id = :np AND id IN (:a, :b) ORDER BY id{for_update}"
)
EXISTING = "SELECT id FROM ledger_transfers WHERE nonprofit_id = :np AND id = :id"
DEBIT = (
    "UPDATE ledger_accounts SET debits_posted = debits_posted + :amount "
    "WHERE nonprofit_id = :np AND id = :id"
)
CREDIT = (
    "UPDATE ledger_accounts SET credits_posted = credits_posted + :amount "
    "WHERE nonprofit_id = :np AND id = :id"
)
INSERT = (
    "INSERT INTO ledger_transfers (nonprofit_id, id, debit_account_id, credit_account_id, "
    "amount, kind, flags, created_at) VALUES (:np, :id, :debit, :credit, :amount, 'transfer', "
    "'posted', CURRENT_TIMESTAMP)"
)


LOCK_3 = (
    "SELECT a.id, a.supporter_id, a.currency, a.must_not_overdraw, a.debits_pending, "
    "a.debits_posted, a.credits_posted FROM ledger_accounts a JOIN nonprofits n "
    "ON n.id = a.nonprofit_id AND n.currency = a.currency WHERE a.nonprofit_id = :np "
    "AND a.kind = 'supporter' AND a.supporter_id IN (:a, :b) ORDER BY a.id{for_update}"
)
INSERT_3 = INSERT + " ON CONFLICT (nonprofit_id, id) DO NOTHING RETURNING id"
UPDATE_3 = (
    "UPDATE ledger_accounts SET debits_posted = debits_posted + CASE WHEN id = :debit "
    "THEN :amount ELSE 0 END, credits_posted = credits_posted + CASE WHEN id = :credit "
    "THEN :amount ELSE 0 END WHERE nonprofit_id = :np AND id IN (:debit, :credit)"
)


def _setup(app: HoudiniPay) -> tuple[str, str, str, str, str]:
    nonprofit = app.create_nonprofit("Bench", "USD", country="US")
    a = app.create_supporter(nonprofit.id, "A")
    b = app.create_supporter(nonprofit.id, "B")
    with app.unit_of_work() as uow:
        session = uow.session
        source = system_account(session, nonprofit.id, TOP_UPS, "USD")
        ids = []
        for supporter in (a, b):
            account = supporter_account(session, nonprofit.id, supporter.id, "USD")
            spec = TransferSpec(
                id=f"seed:{supporter.id}",
                debit_account_id=source,
                credit_account_id=account,
                amount=10**9,
                kind="top_up",
            )
            create_transfer(session, nonprofit.id, spec, app.clock())
            ids.append(account)
    return nonprofit.id, a.id, b.id, ids[0], ids[1]


def _ours(app: HoudiniPay, ids: tuple[str, str, str, str, str], count: int, tag: str) -> float:
    nonprofit_id, a, b, _, _ = ids
    started = time.perf_counter()
    for number in range(count):
        sender, receiver = (a, b) if number % 2 else (b, a)
        transfer(
            app,
            nonprofit_id,
            from_supporter=sender,
            to_supporter=receiver,
            amount=100,
            idempotency_key=f"{tag}-{number}",
        )
    return count / (time.perf_counter() - started)


def _floor(app: HoudiniPay, ids: tuple[str, str, str, str, str], count: int, tag: str) -> float:
    nonprofit_id, _, _, x, y = ids
    postgres = app.engine.dialect.name == "postgresql"
    lock = text(LOCK.format(for_update=" FOR UPDATE" if postgres else ""))
    existing, debit, credit, insert = text(EXISTING), text(DEBIT), text(CREDIT), text(INSERT)
    started = time.perf_counter()
    with app.engine.connect() as connection:
        for number in range(count):
            sender, receiver = (x, y) if number % 2 else (y, x)
            key = {"np": nonprofit_id, "id": f"floor:{tag}-{number}"}
            with connection.begin():
                connection.execute(lock, {"np": nonprofit_id, "a": sender, "b": receiver}).all()
                connection.execute(existing, key).first()
                for first, second in sorted(((sender, debit), (receiver, credit))):
                    connection.execute(second, {"np": nonprofit_id, "id": first, "amount": 100})
                connection.execute(
                    insert, {**key, "debit": sender, "credit": receiver, "amount": 100}
                )
    return count / (time.perf_counter() - started)


def _floor_3(app: HoudiniPay, ids: tuple[str, str, str, str, str], count: int, tag: str) -> float:
    nonprofit_id, a, b, _, _ = ids
    postgres = app.engine.dialect.name == "postgresql"
    lock = text(LOCK_3.format(for_update=" FOR UPDATE OF a" if postgres else ""))
    insert, update = text(INSERT_3), text(UPDATE_3)
    started = time.perf_counter()
    with app.engine.connect() as connection:
        for number in range(count):
            sender, receiver = (a, b) if number % 2 else (b, a)
            with connection.begin():
                rows = connection.execute(lock, {"np": nonprofit_id, "a": sender, "b": receiver})
                found = {row.supporter_id: row.id for row in rows}
                moved = {"np": nonprofit_id, "debit": found[sender], "credit": found[receiver]}
                key = {"id": f"floor3:{tag}-{number}", "amount": 100}
                connection.execute(insert, {**moved, **key}).first()
                connection.execute(update, {**moved, "amount": 100})
    return count / (time.perf_counter() - started)


def measure(url: str, count: int, rounds: int) -> dict[str, Any]:
    """Transfers per second through the ledger and through bare SQL on ``url``."""
    app = make_test_app(url, plugin)
    try:
        ids = _setup(app)
        _ours(app, ids, 50, "warm")
        _floor(app, ids, 50, "warm")
        _floor_3(app, ids, 50, "warm")
        ours, floor, floor_3 = [], [], []
        for round_ in range(rounds):
            ours.append(_ours(app, ids, count, f"r{round_}"))
            floor.append(_floor(app, ids, count, f"r{round_}"))
            floor_3.append(_floor_3(app, ids, count, f"r{round_}"))
    finally:
        app.dispose()
    ratios = [o / f for o, f in zip(ours, floor, strict=True)]
    ratios_3 = [o / f for o, f in zip(ours, floor_3, strict=True)]
    return {
        "database": app.engine.dialect.name,
        "transfers": count,
        "rounds": rounds,
        "ledger_per_second": round(statistics.median(ours)),
        "bare_sql_per_second": round(statistics.median(floor)),
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_min": round(min(ratios), 3),
        "bare_sql_3_per_second": round(statistics.median(floor_3)),
        "ratio_3_median": round(statistics.median(ratios_3), 3),
        "ratio_3_min": round(min(ratios_3), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transfers", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-url", default=postgres_base_url())
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        results.append(measure(url, args.transfers, args.rounds))
    if not args.sqlite_only:
        with temporary_postgres_database(args.postgres_url) as url:
            results.append(measure(url, args.transfers, args.rounds))
    for result in results:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
