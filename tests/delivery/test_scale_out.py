"""Worker processes on PostgreSQL, one killed with SIGKILL midway: nothing is lost.

The second test is the whole deployment: three ``serve`` processes taking payments over HTTP
from a load client and two workers delivering their events.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import IO

import httpx2
import pytest
from alembic import command
from sqlalchemy import func, select

from houdini_pay import HoudiniPay, NonprofitRecord, utcnow
from houdini_pay.api_keys import create_api_key
from houdini_pay.db.migrate import alembic_config
from houdini_pay.delivery import endpoints
from houdini_pay.delivery.models import Delivery
from houdini_pay.store._models import OutboxEvent, Payment
from houdini_pay.testing.databases import require_postgres, temporary_postgres_database
from tests.conftest import PayFunction
from tests.delivery.receiver import Receiver, serve
from tests.http.served import houdini_pay, serving

EXECUTABLE = Path(sys.executable).parent / "houdini-pay"
PAYMENTS = 300


def _start_worker(database_url: str, log: IO[bytes]) -> subprocess.Popen[bytes]:
    environ = {
        **os.environ,
        "HOUDINI_PAY_DATABASE_URL": database_url,
        "HOUDINI_PAY_WEBHOOKS_ALLOW_LOOPBACK_HTTP": "1",
        "HOUDINI_PAY_DELIVERY_CLAIM_SECONDS": "3",
        "HOUDINI_PAY_DELIVERY_FIRST_RETRY_SECONDS": "1",
    }
    return subprocess.Popen(
        [str(EXECUTABLE), "worker", "--concurrency", "4", "--poll", "0.2"],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("houdini_database_url", ["postgresql"], indirect=True)
def test_a_worker_killed_midway_loses_nothing(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    pay: PayFunction,
    houdini_database_url: str,
    tmp_path: Path,
) -> None:
    app.clock = utcnow  # real time: the worker processes use it too
    # The fixture made the tables from the models; a worker refuses a database whose
    # migrations are not recorded, so record them as applied.
    # (with every installed plugin's branch, as the worker processes load them all).
    installed = HoudiniPay.from_env({}, database_url=houdini_database_url)
    try:
        command.stamp(alembic_config(installed), "heads")
    finally:
        installed.dispose()
    with serve(Receiver()) as receiver:
        endpoints.create_endpoint(app, nonprofit.id, receiver.url)
        logs = [(tmp_path / f"w{i}.log").open("wb") for i in (1, 2)]
        workers = [_start_worker(houdini_database_url, log) for log in logs]
        try:
            killed = False

            def kill_the_first_once_a_quarter_is_delivered() -> bool:
                nonlocal killed
                if not killed and len(receiver.received) >= PAYMENTS // 4:
                    workers[0].send_signal(signal.SIGKILL)
                    killed = True
                return killed

            for number in range(PAYMENTS):
                pay(idempotency_key=f"load-{number}")
                kill_the_first_once_a_quarter_is_delivered()
            # Payments can outrun workers still starting on a busy machine: then the first
            # is killed once a quarter is delivered, three quarters still owed.
            started = time.monotonic()
            while not kill_the_first_once_a_quarter_is_delivered():
                if time.monotonic() - started > 240:
                    break
                time.sleep(0.01)
            assert killed, "the workers delivered too little to be killed midway"
            assert len(receiver.received) < PAYMENTS, "nothing was left to deliver"
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                with app.session() as session:
                    owed = session.scalar(
                        select(func.count()).where(Delivery.status != "succeeded")
                    )
                    undispatched = session.scalar(
                        select(func.count()).where(OutboxEvent.dispatched_at.is_(None))
                    )
                if owed == 0 and undispatched == 0:
                    break
                time.sleep(0.5)
            workers[1].send_signal(signal.SIGTERM)
            assert workers[1].wait(timeout=60) == 0
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()
            for log in logs:
                log.close()
        with app.session() as session:
            event_ids = set(session.scalars(select(OutboxEvent.id)))
    assert len(event_ids) == PAYMENTS
    accepted = Counter(r.event["id"] for r in receiver.succeeded())
    assert set(accepted) == event_ids  # every event delivered, none lost
    # Duplicates are only whole retries of the same event id (the killed worker's claims).
    assert all(r.event["id"] in event_ids for r in receiver.received)
    assert "SIGTERM, finishing" in (tmp_path / "w2.log").read_text()


SERVED_PAYMENTS = 2000
"""Payments the load client sends through the three ``serve`` processes."""


def _donation(supporter_id: str) -> dict[str, object]:
    """The body of one payment: a 25.00 USD check donation, recorded as received."""
    return {
        "supporter_id": supporter_id,
        "amount": 2500,
        "currency": "USD",
        "payment_processor": "offsite",
        "payment_processing_object": {"method": "check", "check_number": "1042"},
        "payment_type": "donation",
        "payment_type_object": {"designation": "Scale-out"},
    }


def _send_payments(
    bases: list[str], path: str, key: str, body: dict[str, object], on_each: Callable[[], None]
) -> list[int]:
    """Post ``SERVED_PAYMENTS`` payments round-robin to ``bases`` from 12 clients at once."""

    def send(number: int) -> int:
        response = httpx2.post(
            bases[number % len(bases)] + path,
            json=body,
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"served-{number}"},
            timeout=120,
        )
        on_each()
        return response.status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        return list(pool.map(send, range(SERVED_PAYMENTS)))


@pytest.mark.slow
@pytest.mark.postgres
def test_three_servers_and_two_workers_one_killed_deliver_every_event(tmp_path: Path) -> None:
    environ = {"HOUDINI_PAY_WEBHOOKS_ALLOW_LOOPBACK_HTTP": "1"}
    with temporary_postgres_database(require_postgres()) as url:
        houdini_pay(url, "db", "upgrade")
        app = HoudiniPay.from_env(environ, database_url=url)
        try:
            nonprofit = app.create_nonprofit("Scale-out", "USD", country="US")
            supporter = app.create_supporter(nonprofit.id, "Ada Lovelace")
            key = create_api_key(app, nonprofit.id).key
            with serve(Receiver()) as receiver, ExitStack() as stack:
                endpoints.create_endpoint(app, nonprofit.id, receiver.url)
                bases = [
                    stack.enter_context(serving(url, tmp_path / f"serve{i}.log", environ=environ))
                    for i in range(3)
                ]
                logs = [stack.enter_context((tmp_path / f"w{i}.log").open("wb")) for i in (1, 2)]
                workers = [_start_worker(url, log) for log in logs]
                stack.callback(_stop_all, workers)
                killed = threading.Event()

                def kill_the_first_worker_midway() -> None:
                    if not killed.is_set() and len(receiver.received) >= SERVED_PAYMENTS // 4:
                        killed.set()
                        workers[0].send_signal(signal.SIGKILL)

                statuses = _send_payments(
                    bases,
                    f"/api/v1/nonprofits/{nonprofit.id}/payment",
                    key,
                    _donation(supporter.id),
                    kill_the_first_worker_midway,
                )
                assert Counter(statuses) == {201: SERVED_PAYMENTS}
                assert killed.is_set(), "the workers delivered too little to be killed midway"
                _wait_until_delivered(app)
                workers[1].send_signal(signal.SIGTERM)
                assert workers[1].wait(timeout=60) == 0
            with app.session() as session:
                event_ids = set(session.scalars(select(OutboxEvent.id)))
                payments = session.scalar(select(func.count()).select_from(Payment))
        finally:
            app.dispose()
    assert payments == SERVED_PAYMENTS
    assert len(event_ids) == SERVED_PAYMENTS
    accepted = Counter(r.event["id"] for r in receiver.succeeded())
    assert set(accepted) == event_ids  # every event delivered at least once, none lost
    # Duplicates are only retries of the same event id (claims the killed worker held).
    assert {r.event["id"] for r in receiver.received} == event_ids


def _wait_until_delivered(app: HoudiniPay, seconds: float = 300) -> None:
    """Wait until every event is dispatched and every delivery succeeded."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.session() as session:
            owed = session.scalar(select(func.count()).where(Delivery.status != "succeeded"))
            undispatched = session.scalar(
                select(func.count()).where(OutboxEvent.dispatched_at.is_(None))
            )
        if owed == 0 and undispatched == 0:
            return
        time.sleep(0.5)
    raise AssertionError(f"after {seconds} s, {owed} deliveries owed, {undispatched} undispatched")


def _stop_all(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
