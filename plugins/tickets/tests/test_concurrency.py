"""Never oversell: 50 buyers in 5 processes race for 10 seats, 20 rounds, on both databases.

Each process has its own engine and connections, like separate web workers or machines;
the buyers of one round start at the same moment (a barrier per process, one write to every
process). After each round exactly 10 seats are issued, 40 buyers were told ``sold_out`` and
``issued + held <= limit`` holds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from houdini_pay_tickets import create_event, create_level, list_levels, list_tickets

from houdini_pay import HoudiniPay, NonprofitRecord, SupporterRecord

PROCESSES = 5
BUYERS_PER_PROCESS = 10
SEATS = 10
ROUNDS = 20
TIMEOUT = 120


class BuyerProcesses:
    """Long-lived buyer processes (``buyers.py``), started once for all rounds."""

    def __init__(self, url: str) -> None:
        script = Path(__file__).with_name("buyers.py")
        self.processes = [
            subprocess.Popen(
                [sys.executable, str(script), url, str(BUYERS_PER_PROCESS)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(PROCESSES)
        ]
        self.pool = ThreadPoolExecutor(PROCESSES)
        for line in self._read_all():
            assert line == "ready"

    def _read_all(self) -> list[str]:
        futures = [
            self.pool.submit(lambda p=p: p.stdout.readline().strip())  # type: ignore[union-attr]
            for p in self.processes
        ]
        return [future.result(timeout=TIMEOUT) for future in futures]

    def race(self, order: dict[str, str | int]) -> Counter[str]:
        """Send one round to every process at once; add up what the buyers got."""
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write(json.dumps(order) + "\n")
            process.stdin.flush()
        total: Counter[str] = Counter()
        for line in self._read_all():
            total.update(json.loads(line))
        return total

    def close(self) -> None:
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.close()
        for process in self.processes:
            assert process.wait(timeout=TIMEOUT) == 0
            assert process.stdout is not None
            process.stdout.close()
        self.pool.shutdown()


@pytest.fixture
def buyers(app: HoudiniPay) -> Iterator[BuyerProcesses]:
    """Five processes of ten buyers each, on the test's database."""
    processes = BuyerProcesses(app.settings.database_url)
    try:
        yield processes
    finally:
        processes.close()


def test_fifty_concurrent_buyers_never_get_more_than_ten_seats(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    supporter: SupporterRecord,
    buyers: BuyerProcesses,
) -> None:
    event = create_event(app, nonprofit.id, "Concert")
    for round_number in range(ROUNDS):
        level = create_level(app, event.id, f"Round {round_number}", 4000, limit=SEATS)
        got = buyers.race(
            {
                "nonprofit_id": nonprofit.id,
                "supporter_id": supporter.id,
                "level_id": level.id,
                "amount": 4000,
            }
        )
        assert got == {"succeeded": SEATS, "sold_out": 50 - SEATS}, f"round {round_number}"
        (counts,) = [lv for lv in list_levels(app, event.id) if lv.id == level.id]
        assert counts.sold + counts.held <= SEATS
        assert (counts.sold, counts.held, counts.remaining) == (SEATS, 0, 0)
        issued = sum(t.quantity for t in list_tickets(app, event.id) if t.level_id == level.id)
        assert issued == SEATS
