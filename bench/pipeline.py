"""Benchmark: offsite donations through the pipeline against a floor of the same SQL.

    python bench/pipeline.py [--payments 3000] [--rounds 6] [--sqlite-only] [--postgres-only]
                             [--threads 8] [--postgres-url URL] [--partitioned]

For each database (a SQLite file in WAL mode, and PostgreSQL) it:

1. records every SQL statement and transaction boundary of one payment made through the
   Python entry point (``HoudiniPay.pay``: offsite processor, donation payment type);
2. times N payments through ``HoudiniPay.pay``;
3. times the floor: the recorded statements of one payment replayed N times with
   SQLAlchemy Core (``Connection.execute`` of the same statement objects, reading the rows
   of those that return any), in the same transactions and commits, with fresh ids and keys
   substituted, and nothing else: no ORM session, no validation, no plugins;
4. times the *minimal floor*: the minimal durable write set of one offsite donation, written
   with SQLAlchemy Core on the same engine (so the same settings: SQLite in WAL mode with
   ``synchronous=NORMAL`` and ``BEGIN IMMEDIATE``, PostgreSQL on loopback). Commit 1 inserts
   the attempt (before any money moves); commit 2 inserts the payment and the donation,
   updates the attempt and inserts the outbox row. The column values are those the pipeline
   wrote, with fresh ids. Unlike the replay floor it does not grow when the pipeline adds
   work, so it shows the cost of the design itself (goal: the pipeline at 0.85 of it or more).

``--threads 8`` (PostgreSQL only) runs the pipeline and both floors from 8 threads at once,
each with its own supporter and its own payments: the rate is all payments over the wall time.

``--partitioned`` measures PostgreSQL twice, on plain tables and on tenant tables
hash-partitioned by ``nonprofit_id`` (8 partitions, as the partitioned test mode makes them):
the cost of partitioning, the closest a single server comes to a sharded database.

The three alternate in rounds, so a busy machine slows each alike; it prints the median
payments per second of each and the median ratios floor-time / pipeline-time (``ratio`` for
the replay floor, whose target is at least 0.7; ``minimal_ratio`` for the minimal floor).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, event, update

from houdini_pay import HoudiniPay, PaymentRequest
from houdini_pay.contract._plugins import build_plugin_manager
from houdini_pay.db.engine import READ_ONLY
from houdini_pay.db.sharding import create_partitioned_schema
from houdini_pay.store import Base
from houdini_pay.store._ids import new_id
from houdini_pay.testing.databases import postgres_base_url, temporary_postgres_database

# Ids of the rows one payment creates; the nonprofit and supporter stay the same.
ID_PATTERN = re.compile(r"\b(att|pay|don|evt|res|key)_[0-9A-Z]{26}\b")


@dataclass
class Transaction:
    """The statements of one transaction, as the driver received them."""

    read_only: bool
    statements: list[tuple[Any, Any]] = field(default_factory=list)


@contextmanager
def recording(engine: Engine) -> Iterator[list[Transaction]]:
    """Record every transaction and statement executed on ``engine`` inside the block."""
    transactions: list[Transaction] = []

    def on_begin(connection: Any) -> None:
        read_only = bool(connection.get_execution_options().get(READ_ONLY, False))
        transactions.append(Transaction(read_only))

    def on_execute(
        connection: Any, element: Any, multiparams: Any, params: Any, execution_options: Any
    ) -> None:
        if isinstance(element, str):
            return  # BEGIN, issued by the begin event; the replay's begin issues it again
        parameters = multiparams[0] if multiparams else params
        transactions[-1].statements.append((element, parameters))

    event.listen(engine, "begin", on_begin)
    event.listen(engine, "before_execute", on_execute)
    try:
        yield transactions
    finally:
        event.remove(engine, "begin", on_begin)
        event.remove(engine, "before_execute", on_execute)


def _fresh(value: Any, mapping: dict[str, str], key: str) -> Any:
    """``value`` with every id (and the idempotency key) replaced by a fresh one."""
    if isinstance(value, str):
        if value == key:
            return mapping.setdefault(value, new_id("key"))
        return ID_PATTERN.sub(lambda m: mapping.setdefault(m.group(0), new_id(m.group(1))), value)
    return value


def _substituted(parameters: Any, mapping: dict[str, str], key: str) -> Any:
    if isinstance(parameters, dict):
        return {
            k: _substituted(v, mapping, key)
            if isinstance(v, dict | list)
            else _fresh(v, mapping, key)
            for k, v in parameters.items()
        }
    if isinstance(parameters, list | tuple):
        return type(parameters)(_fresh(v, mapping, key) for v in parameters)
    return parameters


def fresh_copy(template: list[Transaction], key: str) -> list[Transaction]:
    """The recorded transactions with fresh ids, prepared before the clock starts."""
    mapping: dict[str, str] = {}
    return [
        Transaction(
            t.read_only,
            [
                (statement, _substituted(parameters, mapping, key))
                for statement, parameters in t.statements
            ],
        )
        for t in template
    ]


def replay(engine: Engine, transactions: list[Transaction]) -> None:
    """Run prepared transactions once through SQLAlchemy Core."""
    for transaction in transactions:
        with engine.connect() as connection:
            if transaction.read_only:
                connection = connection.execution_options(**{READ_ONLY: True})
            with connection.begin():
                for statement, parameters in transaction.statements:
                    result = connection.execute(statement, parameters)
                    if result.returns_rows:
                        result.all()  # a query is only done once its rows are read


# -- the minimal durable write set -------------------------------------------------------

WRITE_SET = ("payment_attempts", "payments", "donations", "outbox")
"""The tables one offsite donation must write to: the attempt, its payment, the donation, the
event announcing it."""


@dataclass
class WriteSet:
    """The minimal durable write set of one payment: Core statements and their values."""

    tables: dict[str, Table]
    values: dict[str, dict[str, Any]]

    @classmethod
    def from_recording(cls, template: list[Transaction]) -> WriteSet:
        """The values the pipeline inserted into each table of ``WRITE_SET``."""
        tables: dict[str, Table] = {}
        values: dict[str, dict[str, Any]] = {}
        for transaction in template:
            for statement, parameters in transaction.statements:
                table = getattr(statement, "table", None)
                if isinstance(table, Table) and statement.is_insert and table.name in WRITE_SET:
                    tables[table.name] = table
                    values[table.name] = dict(parameters)
                elif isinstance(parameters, dict) and "outbox_id" in parameters:
                    # On PostgreSQL the outbox row rides on the attempt's UPDATE (a CTE).
                    tables["outbox"] = Base.metadata.tables["outbox"]
                    values["outbox"] = {
                        name.removeprefix("outbox_"): value
                        for name, value in parameters.items()
                        if name.startswith("outbox_")
                    }
        missing = set(WRITE_SET) - set(tables)
        assert not missing, f"the pipeline wrote no row to {missing}"
        return cls(tables, values)

    def fresh(self, key: str) -> dict[str, dict[str, Any]]:
        """The values with fresh ids, prepared before the clock starts."""
        mapping: dict[str, str] = {}
        return {name: _substituted(row, mapping, key) for name, row in self.values.items()}

    def write(self, engine: Engine, rows: dict[str, dict[str, Any]]) -> None:
        """Commit 1: the attempt. Commit 2: payment, donation, attempt update, outbox row."""
        attempts = self.tables["payment_attempts"]
        attempt, payment = rows["payment_attempts"], rows["payments"]
        with engine.begin() as connection:
            connection.execute(attempts.insert(), attempt)
        with engine.begin() as connection:
            connection.execute(self.tables["payments"].insert(), payment)
            connection.execute(self.tables["donations"].insert(), rows["donations"])
            connection.execute(
                update(attempts)
                .where(
                    attempts.c.nonprofit_id == attempt["nonprofit_id"],
                    attempts.c.id == attempt["id"],
                )
                .values(
                    state="succeeded",
                    payment_id=payment["id"],
                    processor_reference=payment["processor_reference"],
                    updated_at=payment["updated_at"],
                )
            )
            connection.execute(self.tables["outbox"].insert(), rows["outbox"])


def request(nonprofit_id: str, supporter_id: str, key: str) -> PaymentRequest:
    """One offsite check donation."""
    return PaymentRequest(
        nonprofit_id=nonprofit_id,
        supporter_id=supporter_id,
        amount=2500,
        currency="USD",
        processor="offsite",
        payment_type="donation",
        type_object={"designation": "Meals"},
        processing_object={"method": "check", "check_number": "1042"},
        idempotency_key=key,
    )


def _run_all(jobs: Sequence[Callable[[], object]]) -> None:
    for job in jobs:
        job()


def timed(jobs: Sequence[Sequence[Callable[[], object]]]) -> float:
    """Seconds to run each list of jobs in a thread of its own (one list: this thread)."""
    started = time.perf_counter()
    if len(jobs) == 1:
        _run_all(jobs[0])
    else:
        with ThreadPoolExecutor(len(jobs)) as pool:
            for future in [pool.submit(_run_all, js) for js in jobs]:
                future.result()
    return time.perf_counter() - started


def _prepare(app: HoudiniPay, threads: int) -> list[tuple[str, str]]:
    """The database, one nonprofit and a supporter per thread; 50 warm-up payments each."""
    nonprofit = app.create_nonprofit("Bench", "USD")
    parties = [
        (nonprofit.id, app.create_supporter(nonprofit.id, f"Bench Supporter {n}").id)
        for n in range(threads)
    ]
    for nonprofit_id, supporter_id in parties:
        for _ in range(50):  # warm up caches and the connection pool
            app.pay(request(nonprofit_id, supporter_id, new_id("warm")))
    return parties


def _round(
    app: HoudiniPay,
    parties: list[tuple[str, str]],
    per_thread: int,
    template: list[Transaction],
    write_set: WriteSet,
    key: str,
) -> tuple[float, float, float]:
    """Seconds of one round: the pipeline, the replay floor, the minimal floor."""
    engine = app.engine
    payments = [
        [partial(app.pay, request(n, s, new_id("key"))) for _ in range(per_thread)]
        for n, s in parties
    ]
    replays = [
        [partial(replay, engine, fresh_copy(template, key)) for _ in range(per_thread)]
        for _ in parties
    ]
    writes = [
        [partial(write_set.write, engine, write_set.fresh(key)) for _ in range(per_thread)]
        for _ in parties
    ]
    return timed(payments), timed(replays), timed(writes)


def measure(
    url: str, payments: int, rounds: int, *, partitioned: bool = False, threads: int = 1
) -> dict[str, Any]:
    """Time the pipeline and both floors on one database (``partitioned``: tenant tables
    hash-partitioned by nonprofit_id instead of migrated plain; ``threads``: callers at once)."""
    app = HoudiniPay(url, plugin_manager=build_plugin_manager(blocked=()))
    try:
        if partitioned:
            create_partitioned_schema(app.engine, Base.metadata)
        else:
            app.upgrade_database()
        parties = _prepare(app, threads)
        key = new_id("key")
        with recording(app.engine) as template:
            outcome = app.pay(request(*parties[0], key))
        assert outcome.status.value == "succeeded", outcome
        write_set = WriteSet.from_recording(template)
        for _ in range(50):
            replay(app.engine, fresh_copy(template, key))
            write_set.write(app.engine, write_set.fresh(key))

        # Alternate rounds of all three so a busy machine slows each alike; report medians.
        seconds: list[tuple[float, float, float]] = []
        per_thread = max(payments // rounds // threads, 1)
        for _ in range(rounds):
            seconds.append(_round(app, parties, per_thread, template, write_set, key))
    finally:
        app.dispose()
    per_round = per_thread * threads
    writes = sum(1 for t in template if not t.read_only)
    return {
        "database": app.engine.dialect.name + (" partitioned" if partitioned else ""),
        "threads": threads,
        "payments": per_round * rounds,
        "rounds": rounds,
        "statements_per_payment": sum(len(t.statements) for t in template),
        "transactions_per_payment": len(template),
        "commits_per_payment": writes,
        "pipeline_per_second": _median_rate(per_round, [s[0] for s in seconds]),
        "floor_per_second": _median_rate(per_round, [s[1] for s in seconds]),
        "minimal_per_second": _median_rate(per_round, [s[2] for s in seconds]),
        "ratio": round(statistics.median(f / p for p, f, _ in seconds), 3),
        "ratio_min": round(min(f / p for p, f, _ in seconds), 3),
        "minimal_ratio": round(statistics.median(m / p for p, _, m in seconds), 3),
        "minimal_ratio_min": round(min(m / p for p, _, m in seconds), 3),
    }


def _median_rate(count: int, seconds: list[float]) -> float:
    return round(statistics.median(count / s for s in seconds), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument(
        "--threads", type=int, default=1, help="callers at once, on PostgreSQL (8: eight)"
    )
    parser.add_argument("--postgres-url", default=postgres_base_url())
    parser.add_argument(
        "--partitioned", action="store_true", help="PostgreSQL on hash partitions too"
    )
    args = parser.parse_args()
    if not args.postgres_only:
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite:///{Path(directory) / 'bench.db'}"
            print(json.dumps(measure(url, args.payments, args.rounds)), flush=True)
    if not args.sqlite_only:
        with temporary_postgres_database(args.postgres_url) as url:
            result = measure(url, args.payments, args.rounds, threads=args.threads)
            print(json.dumps(result), flush=True)
        if args.partitioned:
            with temporary_postgres_database(args.postgres_url) as url:
                result = measure(
                    url, args.payments, args.rounds, partitioned=True, threads=args.threads
                )
                print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
