"""Benchmark: ticket purchases per second with 50 concurrent buyers on PostgreSQL.

    python bench/tickets.py [--purchases-per-buyer 20] [--processes 5] [--threads 10]
                            [--postgres-url URL]

Buyers are threads in several processes (each process its own engine and connection
pool, like web workers), 50 by default, all buying one seat at a time of the same ticket
level through ``HoudiniPay.pay`` with a fake card processor that answers at once. Two runs,
each on a throwaway PostgreSQL database:

* ``plenty``: the level has a seat for every purchase, so every buyer succeeds;
* ``sells out``: the level has seats for half the purchases, so the other half are told
  ``sold_out`` (which writes and charges nothing) while the first half race for the seats.

It prints purchases (and refusals) per second, timed from the moment every process is
ready, and checks that no seat was oversold: issued + held <= limit and issued equals the
successful purchases.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any

from houdini_pay_tickets import create_event, create_level, list_levels

from houdini_pay import HoudiniPay, PaymentRequest
from houdini_pay.errors import HoudiniPayError
from houdini_pay.testing import FakeProcessor, FakeSourceType, TestPlugin
from houdini_pay.testing.databases import postgres_base_url, temporary_postgres_database


def worker(url: str, order: dict[str, Any], threads: int, each: int) -> None:
    """Buy ``each`` seats in each of ``threads`` threads once told to go; print the results."""
    app = HoudiniPay.from_env(
        database_url=url,
        plugins=[TestPlugin(processors=[FakeProcessor()], source_types=[FakeSourceType()])],
    )
    app.registry  # load plugins before timing  # noqa: B018
    results: Counter[str] = Counter()
    lock = threading.Lock()

    def buyer() -> None:
        for _ in range(each):
            try:
                outcome = app.pay(
                    PaymentRequest(
                        nonprofit_id=order["nonprofit_id"],
                        supporter_id=order["supporter_id"],
                        amount=order["amount"],
                        currency="USD",
                        processor="fake",
                        payment_type="ticket",
                        type_object={"ticket_level_id": order["level_id"], "quantity": 1},
                    )
                )
                result = outcome.status.value
            except HoudiniPayError as error:
                result = error.code
            with lock:
                results[result] += 1

    pool = [threading.Thread(target=buyer) for _ in range(threads)]
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.time()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    print(json.dumps({"started": started, "finished": time.time(), "results": results}))
    app.dispose()


def scenario(url: str, name: str, seats: int, args: argparse.Namespace) -> dict[str, Any]:
    """Sell a level of ``seats`` to every buyer; time it and check the counts."""
    app = HoudiniPay(url)
    app.create_schema()
    nonprofit = app.create_nonprofit("Bench", "USD")
    supporter = app.create_supporter(nonprofit.id, "Buyer")
    event = create_event(app, nonprofit.id, "Concert")
    level = create_level(app, event.id, "Seat", 4000, limit=seats)
    order = {
        "nonprofit_id": nonprofit.id,
        "supporter_id": supporter.id,
        "level_id": level.id,
        "amount": 4000,
    }
    command = [sys.executable, __file__, "--worker", url, json.dumps(order)]
    command += [
        "--threads",
        str(args.threads),
        "--purchases-per-buyer",
        str(args.purchases_per_buyer),
    ]
    processes = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(args.processes)
    ]
    for process in processes:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = [json.loads(process.communicate()[0]) for process in processes]
    results: Counter[str] = Counter()
    for output in outputs:
        results.update(output["results"])
    elapsed = max(o["finished"] for o in outputs) - min(o["started"] for o in outputs)
    (counts,) = list_levels(app, event.id)
    app.dispose()
    attempts = sum(results.values())
    return {
        "scenario": name,
        "buyers": args.processes * args.threads,
        "attempts": attempts,
        "seconds": round(elapsed, 2),
        "attempts_per_second": round(attempts / elapsed, 1),
        "purchases_per_second": round(results["succeeded"] / elapsed, 1),
        "results": dict(results),
        "issued": counts.sold,
        "held": counts.held,
        "limit": seats,
        "oversold": counts.sold + counts.held > seats or counts.sold != results["succeeded"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchases-per-buyer", type=int, default=20)
    parser.add_argument("--processes", type=int, default=5)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--worker", nargs=2, metavar=("URL", "ORDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], json.loads(args.worker[1]), args.threads, args.purchases_per_buyer)
        return
    total = args.processes * args.threads * args.purchases_per_buyer
    for name, seats in (("plenty", total), ("sells out", total // 2)):
        with temporary_postgres_database(args.postgres_url or postgres_base_url()) as url:
            print(json.dumps(scenario(url, name, seats, args)), flush=True)


if __name__ == "__main__":
    main()
