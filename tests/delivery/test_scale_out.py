"""Two worker processes on PostgreSQL, one killed with SIGKILL midway: nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import IO

import pytest
from alembic import command
from sqlalchemy import func, select

from houdini_pay import HoudiniPay, NonprofitRecord, utcnow
from houdini_pay.db.migrate import alembic_config
from houdini_pay.delivery import endpoints
from houdini_pay.delivery.models import Delivery
from houdini_pay.store._models import OutboxEvent
from tests.conftest import PayFunction
from tests.delivery.receiver import Receiver, serve

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
            for number in range(PAYMENTS):
                pay(idempotency_key=f"load-{number}")
                if not killed and len(receiver.received) >= PAYMENTS // 4:
                    workers[0].send_signal(signal.SIGKILL)
                    killed = True
            assert killed, "the workers delivered too little to be killed midway"
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
