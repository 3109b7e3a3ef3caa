"""Benchmark: events delivered per second by one ``houdini-pay worker`` and by two.

    python bench/worker.py [--events 3000] [--concurrency 4] [--latency-ms 20] [--postgres-url URL]

For each worker count (1, then 2) it creates a throwaway PostgreSQL database with one
nonprofit and one webhook endpoint on a local HTTP receiver (answering 200 after
``--latency-ms``, standing in for a receiver across the network), starts that many worker
processes and waits until each has started, then writes EVENTS ``payment.completed`` events to
the outbox at once (bulk insert: this measures delivery, not payments) and times until every
delivery has succeeded. It prints deliveries per second for each run, the speed-up of two
workers over one (goal: at least 1.6), and the events the receiver got more than once.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from houdini_pay import HoudiniPay, new_id, utcnow
from houdini_pay.delivery import endpoints
from houdini_pay.delivery.models import Delivery
from houdini_pay.store._models import OutboxEvent
from houdini_pay.testing.databases import postgres_base_url, temporary_postgres_database

EXECUTABLE = Path(sys.executable).parent / "houdini-pay"


def receiver(latency: float) -> tuple[ThreadingHTTPServer, Counter[str]]:
    """A local webhook receiver counting the event ids it accepted."""
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(latency)
            with lock:
                seen[json.loads(body)["id"]] += 1
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def run(
    workers: int, events: int, concurrency: int, latency: float, base_url: str
) -> dict[str, Any]:
    """One measured run with ``workers`` worker processes."""
    server, seen = receiver(latency)
    with temporary_postgres_database(base_url, prefix="houdini_pay_bench_") as url:
        app = HoudiniPay.from_env(
            {"HOUDINI_PAY_WEBHOOKS_ALLOW_LOOPBACK_HTTP": "1"}, database_url=url
        )
        app.upgrade_database()  # the worker refuses a database whose migrations are not recorded
        nonprofit = app.create_nonprofit("Bench", "USD")
        endpoints.create_endpoint(
            app, nonprofit.id, f"http://127.0.0.1:{server.server_address[1]}/hooks"
        )
        environ = {
            **os.environ,
            "HOUDINI_PAY_DATABASE_URL": url,
            "HOUDINI_PAY_WEBHOOKS_ALLOW_LOOPBACK_HTTP": "1",
        }
        processes = [
            subprocess.Popen(
                [str(EXECUTABLE), "worker", "--concurrency", str(concurrency), "--poll", "0.05"],
                env=environ,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(workers)
        ]
        for process in processes:
            assert process.stderr is not None
            line = process.stderr.readline()  # "worker ... started": start-up is not measured
            if "started" not in line:
                raise RuntimeError(f"the worker did not start: {line}{process.stderr.read()}")
        now = utcnow()
        rows = [
            {
                "id": new_id("evt"),
                "nonprofit_id": nonprofit.id,
                "event": "payment_completed",
                "payload": {
                    "payment": {"id": f"pay_{n}", "attempt_id": f"att_{n}", "amount": 2500}
                },
                "created_at": now,
            }
            for n in range(events)
        ]
        started = time.perf_counter()
        with app.unit_of_work() as uow:
            uow.session.execute(insert(OutboxEvent), rows)
        while True:
            with app.session() as session:
                done = session.scalar(select(func.count()).where(Delivery.status == "succeeded"))
            if done == events:
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.communicate(timeout=60)
        app.dispose()
    server.shutdown()
    return {
        "workers": workers,
        "deliveries_per_second": round(events / elapsed, 1),
        "seconds": round(elapsed, 2),
        "delivered_twice": sum(1 for count in seen.values() if count > 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--latency-ms", type=float, default=20)
    parser.add_argument("--postgres-url", default=postgres_base_url())
    options = parser.parse_args()
    results = [
        run(
            count,
            options.events,
            options.concurrency,
            options.latency_ms / 1000,
            options.postgres_url,
        )
        for count in (1, 2)
    ]
    for result in results:
        print(json.dumps(result))
    speedup = results[1]["deliveries_per_second"] / results[0]["deliveries_per_second"]
    print(json.dumps({"speedup_two_workers": round(speedup, 2), "goal": 1.6}))


if __name__ == "__main__":
    main()
