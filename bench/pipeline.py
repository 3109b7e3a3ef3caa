"""Benchmark: offsite donations through the pipeline against a floor of the same SQL.

    python bench/pipeline.py [--payments 3000] [--rounds 6] [--sqlite-only] [--postgres-url URL]
                             [--partitioned]

For each database (a SQLite file in WAL mode, and PostgreSQL) it:

1. records every SQL statement and transaction boundary of one payment made through the
   Python entry point (``HoudiniPay.pay``: offsite processor, donation payment type);
2. times N payments through ``HoudiniPay.pay``;
3. times the floor: the recorded statements of one payment replayed N times with
   SQLAlchemy Core (``Connection.execute`` of the same statement objects, reading the rows
   of those that return any), in the same transactions and commits, with fresh ids and keys
   substituted, and nothing else: no ORM session, no validation, no plugins.

``--partitioned`` measures PostgreSQL twice, on plain tables and on tenant tables
hash-partitioned by ``nonprofit_id`` (8 partitions, as the partitioned test mode makes them):
the cost of partitioning, the closest a single server comes to a sharded database.

The two alternate in rounds, so a busy machine slows both alike; it prints the median
payments per second of each and the median ratio floor-time / pipeline-time (the target is
at least 0.7: the pipeline adds at most 30 % to the bare cost of its SQL).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

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


def measure(url: str, payments: int, rounds: int, *, partitioned: bool = False) -> dict[str, Any]:
    """Time the pipeline and the floor on one database (``partitioned``: tenant tables
    hash-partitioned by nonprofit_id instead of migrated plain)."""
    app = HoudiniPay(url, plugin_manager=build_plugin_manager(blocked=()))
    try:
        if partitioned:
            create_partitioned_schema(app.engine, Base.metadata)
        else:
            app.upgrade_database()
        nonprofit = app.create_nonprofit("Bench", "USD")
        supporter = app.create_supporter(nonprofit.id, "Bench Supporter")
        for _ in range(50):  # warm up caches and the connection pool
            app.pay(request(nonprofit.id, supporter.id, new_id("warm")))
        key = new_id("key")
        with recording(app.engine) as template:
            outcome = app.pay(request(nonprofit.id, supporter.id, key))
        assert outcome.status.value == "succeeded", outcome
        for _ in range(50):
            replay(app.engine, fresh_copy(template, key))

        # Alternate rounds of both so a busy machine slows each alike; report medians.
        pipeline_rates, floor_rates, ratios = [], [], []
        per_round = max(payments // rounds, 1)
        for _ in range(rounds):
            requests = [
                request(nonprofit.id, supporter.id, new_id("key")) for _ in range(per_round)
            ]
            started = time.perf_counter()
            for payment_request in requests:
                app.pay(payment_request)
            pipeline_seconds = time.perf_counter() - started

            prepared = [fresh_copy(template, key) for _ in range(per_round)]
            started = time.perf_counter()
            for transactions in prepared:
                replay(app.engine, transactions)
            floor_seconds = time.perf_counter() - started
            pipeline_rates.append(per_round / pipeline_seconds)
            floor_rates.append(per_round / floor_seconds)
            ratios.append(floor_seconds / pipeline_seconds)
    finally:
        app.dispose()
    writes = sum(1 for t in template if not t.read_only)
    return {
        "database": app.engine.dialect.name + (" partitioned" if partitioned else ""),
        "payments": per_round * rounds,
        "rounds": rounds,
        "statements_per_payment": sum(len(t.statements) for t in template),
        "transactions_per_payment": len(template),
        "commits_per_payment": writes,
        "pipeline_per_second": round(statistics.median(pipeline_rates), 1),
        "floor_per_second": round(statistics.median(floor_rates), 1),
        "ratio": round(statistics.median(ratios), 3),
        "ratio_min": round(min(ratios), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-url", default=postgres_base_url())
    parser.add_argument(
        "--partitioned", action="store_true", help="PostgreSQL on hash partitions too"
    )
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as directory:
        results.append(
            measure(f"sqlite:///{Path(directory) / 'bench.db'}", args.payments, args.rounds)
        )
    if not args.sqlite_only:
        with temporary_postgres_database(args.postgres_url) as url:
            results.append(measure(url, args.payments, args.rounds))
        if args.partitioned:
            with temporary_postgres_database(args.postgres_url) as url:
                results.append(measure(url, args.payments, args.rounds, partitioned=True))
    for result in results:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
