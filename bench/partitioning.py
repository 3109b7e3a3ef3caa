"""Benchmark: what hash-partitioning the tenant tables by nonprofit costs a payment.

    python bench/partitioning.py [--payments 2000] [--rounds 8] [--postgres-url URL]

Two throwaway PostgreSQL databases side by side in one process: one migrated with plain
tables (``houdini-pay db upgrade``), one with every tenant table hash-partitioned on
``nonprofit_id`` into 8 partitions (what ``HOUDINI_PAY_TEST_PARTITIONED=1`` makes, the
nearest a single server comes to a database sharded by nonprofit). The same offsite check
donations go through ``HoudiniPay.pay`` on each, in alternating rounds, so a machine whose
load changes slows both alike. It prints the median payments per second of each and the
partitioned/plain ratio, with the lowest and highest round's ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from contextlib import ExitStack

from pipeline import request

from houdini_pay import HoudiniPay
from houdini_pay.contract import build_plugin_manager
from houdini_pay.db.sharding import create_partitioned_schema
from houdini_pay.store import Base
from houdini_pay.store._ids import new_id
from houdini_pay.testing.databases import postgres_base_url, temporary_postgres_database


def prepared(url: str, *, partitioned: bool) -> tuple[HoudiniPay, str, str]:
    """An application on ``url`` with its tables, a nonprofit and a supporter, warmed up."""
    app = HoudiniPay(url, plugin_manager=build_plugin_manager(blocked=()))
    if partitioned:
        create_partitioned_schema(app.engine, Base.metadata)
    else:
        app.upgrade_database()
    nonprofit = app.create_nonprofit("Bench", "USD")
    supporter = app.create_supporter(nonprofit.id, "Bench Supporter")
    for _ in range(50):  # warm up caches, prepared statements and the connection pool
        app.pay(request(nonprofit.id, supporter.id, new_id("warm")))
    return app, nonprofit.id, supporter.id


def one_round(app: HoudiniPay, nonprofit_id: str, supporter_id: str, payments: int) -> float:
    """Payments per second of ``payments`` payments, one after another."""
    requests = [request(nonprofit_id, supporter_id, new_id("key")) for _ in range(payments)]
    started = time.perf_counter()
    for payment_request in requests:
        app.pay(payment_request)
    return payments / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--postgres-url", default=postgres_base_url())
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    load_before = os.getloadavg()[0]
    per_round = max(args.payments // args.rounds, 1)
    plain_rates, partitioned_rates = [], []
    with ExitStack() as stack:
        plain = prepared(
            stack.enter_context(temporary_postgres_database(args.postgres_url)), partitioned=False
        )
        stack.callback(plain[0].dispose)
        split = prepared(
            stack.enter_context(temporary_postgres_database(args.postgres_url)), partitioned=True
        )
        stack.callback(split[0].dispose)
        for _ in range(args.rounds):
            plain_rates.append(one_round(*plain, per_round))
            partitioned_rates.append(one_round(*split, per_round))
    ratios = [p / q for p, q in zip(partitioned_rates, plain_rates, strict=True)]
    print(
        json.dumps(
            {
                "commit": commit,
                "payments_each": per_round * args.rounds,
                "rounds": args.rounds,
                "plain_per_second": round(statistics.median(plain_rates), 1),
                "partitioned_per_second": round(statistics.median(partitioned_rates), 1),
                "ratio": round(statistics.median(ratios), 3),
                "ratio_min": round(min(ratios), 3),
                "ratio_max": round(max(ratios), 3),
                "load_average_before": round(load_before, 2),
                "load_average_after": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
