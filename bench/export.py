"""Benchmark: `payments export` of 100,000 payments: rows per second and peak memory growth.

    python bench/export.py                      # SQLite, and PostgreSQL if it is reachable
    python bench/export.py --payments 200000    # a bigger table
    python bench/export.py --sqlite-only

Fills a throwaway database with one nonprofit's payments spread evenly over 2025 (rows are
inserted in bulk, not through the pipeline: this measures the export), then exports a tenth
of the year and the whole year, as CSV and as JSON Lines, each in a fresh child process.
The child reports:

* rows/s: rows written per second of wall-clock time, to a file on disk;
* RSS growth: the process's peak resident memory during the export less its resident
  memory just before it (Linux ``ru_maxrss`` and ``/proc/self/statm``);
* heap peak: the largest Python heap growth tracemalloc saw (a separate run: tracing
  slows the export down, so it is not timed).

The target is a memory growth under 50 MB that does not grow with the number of rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from houdini_pay import HoudiniPay
from houdini_pay.contract._plugins import build_plugin_manager
from houdini_pay.statements import Period, export_payments
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import Payment, Supporter
from houdini_pay.testing import temporary_postgres_database
from houdini_pay.testing.databases import postgres_base_url

BATCH = 5_000
SUPPORTERS = 2_000
YEAR = 2025


def _app(url: str) -> HoudiniPay:
    return HoudiniPay(url, plugin_manager=build_plugin_manager(load_entry_points=False))


def fill(url: str, payments: int) -> str:
    """Create the tables and ``payments`` rows of one nonprofit; return its id."""
    app = _app(url)
    app.create_schema()
    nonprofit = app.create_nonprofit("Bench Food Bank", "USD", country="US")
    supporters = [new_id("sup") for _ in range(SUPPORTERS)]
    start = dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC)
    step = dt.timedelta(days=365) / payments
    with app.engine.begin() as connection:
        connection.execute(
            insert(Supporter),
            [
                {"id": sid, "nonprofit_id": nonprofit.id, "name": f"Supporter {i}", "email": None}
                for i, sid in enumerate(supporters)
            ],
        )
        for first in range(0, payments, BATCH):
            rows: list[dict[str, Any]] = []
            for index in range(first, min(first + BATCH, payments)):
                amount = 500 + index % 50_000
                when = start + step * index
                rows.append(
                    {
                        "id": new_id("pay"),
                        "nonprofit_id": nonprofit.id,
                        "supporter_id": supporters[index % SUPPORTERS],
                        "attempt_id": new_id("att"),
                        "kind": "charge",
                        "status": "succeeded",
                        "amount": amount,
                        "currency": "USD",
                        "gross": amount,
                        "fee": amount * 3 // 100,
                        "net": amount - amount * 3 // 100,
                        "amount_refunded": 0,
                        "processor": "stripe",
                        "processor_reference": f"ch_{index:012d}",
                        "payment_type": "donation",
                        "description": "Donation to Winter meals",
                        "details": {},
                        "created_at": when,
                        "updated_at": when,
                    }
                )
            connection.execute(insert(Payment), rows)
    app.dispose()
    return nonprofit.id


def _rss_bytes() -> int:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def child(url: str, nonprofit_id: str, days: int, file_format: str, trace: bool) -> None:
    """Export once and print the figures as JSON (runs in a fresh process)."""
    app = _app(url)
    app.get_nonprofit(nonprofit_id)  # connect and warm up before measuring
    first = dt.date(YEAR, 1, 1)
    period = Period.between(first, first + dt.timedelta(days=days - 1))
    with tempfile.TemporaryDirectory() as directory:
        target = Path(directory) / f"export.{file_format}"
        before = _rss_bytes()
        if trace:
            tracemalloc.start()
        began = time.perf_counter()
        with target.open("w", encoding="utf-8", newline="") as stream:
            rows = export_payments(app, nonprofit_id, period, file_format, stream)
        seconds = time.perf_counter() - began
        heap_peak = tracemalloc.get_traced_memory()[1] if trace else None
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        size = target.stat().st_size
    app.dispose()
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "rss_growth": max(0, peak - before),
                "heap_peak": heap_peak,
                "bytes": size,
            }
        )
    )


def measure(url: str, nonprofit_id: str, days: int, file_format: str, trace: bool) -> Any:
    command = [sys.executable, __file__, "--child", url, nonprofit_id, str(days), file_format]
    if trace:
        command.append("--trace")
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def report(label: str, url: str, payments: int) -> None:
    began = time.perf_counter()
    nonprofit_id = fill(url, payments)
    print(f"\n{label}: {payments:,} payments inserted in {time.perf_counter() - began:.1f} s")
    print(f"{'export':<22}{'rows':>9}{'rows/s':>10}{'RSS growth':>13}{'heap peak':>12}{'file':>10}")
    for days in (37, 365):
        for file_format in ("csv", "jsonl"):
            timed = measure(url, nonprofit_id, days, file_format, trace=False)
            traced = measure(url, nonprofit_id, days, file_format, trace=True)
            print(
                f"{f'{days} days, {file_format}':<22}{timed['rows']:>9,}"
                f"{timed['rows'] / timed['seconds']:>10,.0f}"
                f"{timed['rss_growth'] / 2**20:>10.1f} MB"
                f"{traced['heap_peak'] / 2**20:>9.1f} MB"
                f"{timed['bytes'] / 2**20:>7.1f} MB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--child", nargs=4, metavar=("URL", "NONPROFIT", "DAYS", "FORMAT"))
    parser.add_argument("--trace", action="store_true")
    arguments = parser.parse_args()
    if arguments.child:
        url, nonprofit_id, days, file_format = arguments.child
        child(url, nonprofit_id, int(days), file_format, arguments.trace)
        return
    with tempfile.TemporaryDirectory() as directory:
        report("SQLite", f"sqlite:///{directory}/bench.db", arguments.payments)
    if not arguments.sqlite_only:
        with temporary_postgres_database(postgres_base_url()) as url:
            report("PostgreSQL", url, arguments.payments)


if __name__ == "__main__":
    main()
