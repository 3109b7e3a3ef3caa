"""What a test pays before its body runs: emptying PostgreSQL, and building the HTTP API.

    python bench/setup_costs.py [--rounds 15] [--partitioned]

Two costs every test of the suite paid, each timed against the way it was done before
(kept here as the baseline), alternately, on the same machine and database:

* **emptying**: after a typical test's writes (a nonprofit, a supporter, three payments and
  a refund, with every installed plugin's tables present), the kit empties the session's
  PostgreSQL database for the next test. Before: ``TRUNCATE`` of every table. Now: one
  query finds the tables holding rows, and those are emptied with ``DELETE``
  (``houdini_pay.testing.pytest_plugin._empty_tables``). ``--partitioned`` creates the
  tenant tables hash-partitioned, as ``HOUDINI_PAY_TEST_PARTITIONED=1`` does.
* **create_api** and one request: before, the route collision check built the OpenAPI
  schema to read its paths; now it reads the routes.

Prints the median seconds of each, per round.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from houdini_pay import ALL_NONPROFITS, HoudiniPay, PaymentRequest
from houdini_pay.api import ApiSettings, create_api, factory
from houdini_pay.store._models import Base
from houdini_pay.testing import FakeGiftPaymentType, FakeProcessor, FakeSourceType, TestPlugin
from houdini_pay.testing import pytest_plugin as kit
from houdini_pay.testing.databases import postgres_base_url, temporary_postgres_database

ADMIN_KEY = "bench-admin-key-0123456789abcdef0123"


def _truncate_all(app: HoudiniPay) -> None:
    """The kit's emptying before: every table, whether the test wrote to it or not."""
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with app.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} CASCADE"))


def _write_a_test(app: HoudiniPay) -> None:
    """What a typical pipeline test leaves behind."""
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD", country="US")
    supporter = app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")
    paid = []
    for amount in (2500, 1000, 700):
        outcome = app.pay(
            PaymentRequest(
                nonprofit_id=nonprofit.id,
                supporter_id=supporter.id,
                amount=amount,
                currency="USD",
                processor="fake",
                payment_type="gift",
            )
        )
        assert outcome.payment is not None
        paid.append(outcome.payment.id)
    app.refund(paid[0], nonprofit_id=ALL_NONPROFITS)


def bench_emptying(url: str, rounds: int) -> dict[str, list[float]]:
    plugin = TestPlugin(
        processors=[FakeProcessor()],
        source_types=[FakeSourceType()],
        payment_types=[FakeGiftPaymentType()],
    )
    app = kit.make_test_app(url, plugin, entry_points=True)
    times: dict[str, list[float]] = {"TRUNCATE every table": [], "DELETE what was written": []}
    try:
        for _ in range(rounds):
            for name, empty in (
                ("TRUNCATE every table", lambda: _truncate_all(app)),
                ("DELETE what was written", lambda: kit._empty_tables(app.engine)),
            ):
                _write_a_test(app)
                start = time.perf_counter()
                empty()
                times[name].append(time.perf_counter() - start)
    finally:
        app.dispose()
    return times


def _operations_from_the_schema(api: FastAPI) -> set[tuple[str, str]]:
    """The collision check's reading of the routes before: from the OpenAPI schema."""
    paths = api.openapi()["paths"]
    api.openapi_schema = None
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def bench_create_api(rounds: int) -> dict[str, list[float]]:
    directory = tempfile.mkdtemp()
    app = kit.make_test_app(f"sqlite:///{directory}/bench.db", entry_points=True)
    current = factory._operations
    times: dict[str, list[float]] = {"schema": [], "routes": []}
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    try:
        for _ in range(rounds):
            for name, operations in (("schema", _operations_from_the_schema), ("routes", current)):
                factory._operations = operations
                start = time.perf_counter()
                api = create_api(app, settings=ApiSettings(admin_key=ADMIN_KEY))
                with TestClient(api) as client:
                    assert client.get("/api/v1/nonprofits", headers=headers).status_code == 200
                times[name].append(time.perf_counter() - start)
    finally:
        factory._operations = current
        app.dispose()
    return times


def _report(title: str, times: dict[str, Any]) -> None:
    print(title)
    for name, values in times.items():
        print(f"  {name:<26} median {statistics.median(values):.3f} s  (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--partitioned", action="store_true")
    options = parser.parse_args()
    if options.partitioned:
        os.environ[kit.PARTITIONED_ENV] = "1"
    with temporary_postgres_database(postgres_base_url()) as url:
        _report("emptying PostgreSQL after a test", bench_emptying(url, options.rounds))
    _report("create_api and one request", bench_create_api(options.rounds))


if __name__ == "__main__":
    main()
