"""A ``recurring run`` worker in its own process (test helper).

``python recurring_worker.py DATABASE_URL AS_OF [KILL_BEFORE]`` runs the charging job with the
real plugins and a fake card processor (which keeps its ledger in this process), then prints
one JSON line: the run's report and the idempotency keys of the charges that moved money.

KILL_BEFORE is a fault hook for crash tests: the process kills itself with SIGKILL just
before charging its KILL_BEFORE-th claimed row, that is after claiming and before charging.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys

from houdini_pay_donation.recurring_job import ClaimedCharge, RecurringSettings, run_due

from houdini_pay import HoudiniPay
from houdini_pay.testing import FakeProcessor, FakeSourceType, TestPlugin


def main(url: str, as_of: str, kill_before: int) -> None:
    processor = FakeProcessor()
    app = HoudiniPay.from_env(
        database_url=url,
        plugins=[TestPlugin(processors=[processor], source_types=[FakeSourceType()])],
    )
    claimed: list[str] = []

    def before_charge(charge: ClaimedCharge) -> None:
        claimed.append(charge.id)
        if len(claimed) == kill_before:
            os.kill(os.getpid(), signal.SIGKILL)

    report = run_due(
        app,
        as_of=dt.date.fromisoformat(as_of),
        settings=RecurringSettings(batch_size=5),
        before_charge=before_charge,
    )
    moved = sorted(key for key, entry in processor.ledger.items() if entry.status == "succeeded")
    print(json.dumps({"report": report.to_dict(), "moved": moved}), flush=True)
    app.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
