"""Benchmark: the recurring charging job with one worker and with two, on PostgreSQL.

    python bench/recurring.py [--schedules 10000] [--latency-ms 0] [--postgres-url URL]

For each worker count (1, then 2) it creates a throwaway PostgreSQL database holding
SCHEDULES monthly recurring donations all due on the same day (bulk inserts: this measures
the job, not the setup), then starts that many worker processes at once, each running
``run_due`` (what ``houdini-pay recurring run`` runs) with a fake card processor that answers
at once, or after ``--latency-ms`` to stand in for a processor across the network.

It prints the charges per second of each run (charges made / time from the first worker's
start to the last one's end, process start-up excluded), the speed-up of two workers over
one (target: at least 1.6), and the double charges found three ways: rows charged by both
workers, money moved per period in the processors' ledgers, and ``recurring verify``
(target: zero).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from collections import Counter
from typing import Any

from houdini_pay_donation.models import RecurringDonation
from houdini_pay_donation.recurring_job import RecurringSettings, run_due
from houdini_pay_donation.verify import verify_month
from sqlalchemy import insert

from houdini_pay import HoudiniPay, new_id
from houdini_pay.contract._processors import ChargeRequest, ChargeResult
from houdini_pay.store._models import Nonprofit, Payment, Supporter
from houdini_pay.testing import FakeProcessor, FakeSourceType, TestPlugin
from houdini_pay.testing.databases import postgres_base_url, temporary_postgres_database

AS_OF = dt.date(2026, 4, 10)


class NetworkFakeProcessor(FakeProcessor):
    """The fake card processor, answering after a fixed delay (a network round trip)."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Wait, then charge as the fake does."""
        time.sleep(self.latency)
        return super().charge(request, idempotency_key=idempotency_key)


def fill(url: str, schedules: int) -> None:
    """Create the tables and SCHEDULES active monthly schedules due on AS_OF."""
    app = HoudiniPay(url)
    app.create_schema()
    now = dt.datetime.combine(AS_OF - dt.timedelta(days=31), dt.time(), dt.UTC)
    nonprofit = new_id("np")
    supporters = [new_id("sup") for _ in range(schedules)]
    payments = [new_id("pay") for _ in range(schedules)]
    with app.engine.begin() as connection:
        connection.execute(
            insert(Nonprofit),
            [{"id": nonprofit, "name": "Bench", "slug": "bench", "currency": "USD"}],
        )
        connection.execute(
            insert(Supporter),
            [{"id": s, "nonprofit_id": nonprofit, "name": "Donor"} for s in supporters],
        )
        connection.execute(
            insert(Payment),
            [
                {
                    "id": p, "nonprofit_id": nonprofit, "supporter_id": s, "kind": "charge",
                    "status": "succeeded", "amount": 2500, "currency": "USD", "gross": 2500,
                    "fee": 0, "net": 2500, "amount_refunded": 0, "processor": "fake",
                    "payment_type": "recurring_donation", "details": {}, "created_at": now,
                    "updated_at": now,
                }
                for p, s in zip(payments, supporters, strict=True)
            ],
        )  # fmt: skip
        connection.execute(
            insert(RecurringDonation),
            [
                {
                    "id": new_id("rd"), "nonprofit_id": nonprofit, "supporter_id": s,
                    "processor": "fake", "collection": "off_session", "amount": 2500,
                    "currency": "USD", "interval": "month", "interval_count": 1,
                    "start_date": AS_OF - dt.timedelta(days=31), "status": "active",
                    "next_period": 1, "next_charge_at": AS_OF, "failure_count": 0,
                    "gift": {"designation": None, "dedication": None, "comment": None,
                             "anonymous": False},
                    "processing_object": {}, "first_payment_id": p, "created_at": now,
                    "updated_at": now,
                }
                for p, s in zip(payments, supporters, strict=True)
            ],
        )  # fmt: skip
    app.dispose()


def worker(url: str, latency: float) -> None:
    """Run the job once in this process; print what it did as one JSON line."""
    processor = NetworkFakeProcessor(latency)
    app = HoudiniPay.from_env(
        database_url=url,
        plugins=[TestPlugin(processors=[processor], source_types=[FakeSourceType()])],
    )
    app.registry  # load plugins before timing  # noqa: B018
    started = time.time()
    report = run_due(app, as_of=AS_OF, settings=RecurringSettings())
    finished = time.time()
    charged = [c["charge_id"] for c in report.charges if c["result"] == "charged"]
    moved = [entry.key for entry in processor.ledger.values() if entry.status == "succeeded"]
    print(json.dumps({"started": started, "finished": finished, "charged": charged,
                      "moved": len(moved)}), flush=True)  # fmt: skip
    app.dispose()


def run(url: str, workers: int, latency: float) -> dict[str, Any]:
    """Start ``workers`` processes at once; gather their results and check for doubles."""
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", url, "--latency-ms", str(latency * 1000)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    results = [json.loads(p.communicate()[0]) for p in processes]
    assert all(p.returncode == 0 for p in processes)
    charged = Counter(charge for r in results for charge in r["charged"])
    elapsed = max(r["finished"] for r in results) - min(r["started"] for r in results)
    app = HoudiniPay(url)
    verdict = verify_month(app, "2026-04", today=AS_OF)
    app.dispose()
    return {
        "workers": workers,
        "charges": sum(charged.values()),
        "seconds": round(elapsed, 2),
        "per_second": round(sum(charged.values()) / elapsed, 1),
        "per_worker": [len(r["charged"]) for r in results],
        "charged_twice": sum(1 for n in charged.values() if n > 1),
        "money_moved": sum(r["moved"] for r in results),
        "verify_ok": verdict.ok,
        "verify_charged_once": verdict.charged,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--postgres-url", default=None)
    parser.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    if args.worker:
        worker(args.worker, latency)
        return
    results = []
    for workers in (1, 2):
        with temporary_postgres_database(args.postgres_url or postgres_base_url()) as url:
            fill(url, args.schedules)
            result = run(url, workers, latency)
        print(json.dumps(result), flush=True)
        results.append(result)
    speedup = results[1]["per_second"] / results[0]["per_second"]
    print(
        f"{args.schedules} schedules, processor latency {args.latency_ms:g} ms: "
        f"1 worker {results[0]['per_second']}/s, 2 workers {results[1]['per_second']}/s, "
        f"speed-up {speedup:.2f}x; charged twice: "
        f"{results[0]['charged_twice'] + results[1]['charged_twice']}; "
        f"verify ok: {results[0]['verify_ok'] and results[1]['verify_ok']}"
    )


if __name__ == "__main__":
    main()
