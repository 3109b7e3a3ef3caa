"""A process of concurrent ticket buyers, driven line by line over stdin (test helper).

Started by ``test_concurrency.py`` as ``python buyers.py DATABASE_URL THREADS``. It builds its
own application (its own engine and connection pool), prints ``ready``, then for each line
``{"nonprofit_id", "supporter_id", "level_id", "amount"}`` lets THREADS buyers try to buy one
seat at the same moment and prints one JSON line: how many succeeded and how many were told
``sold_out``, plus anything else that happened (which the test treats as a failure).
"""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter

from houdini_pay import HoudiniPay, PaymentRequest
from houdini_pay.errors import HoudiniPayError
from houdini_pay.testing import FakeProcessor, FakeSourceType, TestPlugin


def buy_round(app: HoudiniPay, order: dict[str, str], threads: int) -> dict[str, object]:
    start = threading.Barrier(threads)
    results: Counter[str] = Counter()
    lock = threading.Lock()

    def buyer(number: int) -> None:
        start.wait()
        try:
            outcome = app.pay(
                PaymentRequest(
                    nonprofit_id=order["nonprofit_id"],
                    supporter_id=order["supporter_id"],
                    amount=int(order["amount"]),
                    currency="USD",
                    processor="fake",
                    payment_type="ticket",
                    type_object={"ticket_level_id": order["level_id"], "quantity": 1},
                )
            )
            result = outcome.status.value
        except HoudiniPayError as error:
            result = error.code
        except Exception as error:  # reported to the test, which fails on it
            result = f"crash: {type(error).__name__}: {error}"
        with lock:
            results[result] += 1

    workers = [threading.Thread(target=buyer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return dict(results)


def main(url: str, threads: int) -> None:
    app = HoudiniPay.from_env(
        database_url=url,
        plugins=[TestPlugin(processors=[FakeProcessor()], source_types=[FakeSourceType()])],
    )
    app.registry  # load the plugins before the first round, not during it  # noqa: B018
    print("ready", flush=True)
    for line in sys.stdin:
        print(json.dumps(buy_round(app, json.loads(line), threads)), flush=True)
    app.dispose()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
