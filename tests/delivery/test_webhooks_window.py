"""An endpoint that never answers well: retried with backoff, given up, disabled."""

from __future__ import annotations

import pytest

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.delivery import endpoints
from houdini_pay.delivery.history import list_deliveries, resend_event
from houdini_pay.delivery.worker import Worker
from houdini_pay.errors import Conflict
from houdini_pay.testing import ManualClock
from tests.conftest import PayFunction
from tests.delivery.receiver import Receiver, serve


@pytest.fixture
def delivery_env() -> dict[str, str]:
    """A one-hour retry window, so a test can outlast it."""
    return {
        "HOUDINI_PAY_WEBHOOKS_ALLOW_LOOPBACK_HTTP": "1",
        "HOUDINI_PAY_WEBHOOK_TIMEOUT_SECONDS": "0.5",
        "HOUDINI_PAY_DELIVERY_RETRY_HOURS": "1",
    }


def test_an_endpoint_failing_for_the_whole_window_is_given_up_and_disabled(
    app: HoudiniPay, nonprofit: NonprofitRecord, pay: PayFunction, clock: ManualClock
) -> None:
    down = Receiver(default=503)
    with serve(down):
        endpoint = endpoints.create_endpoint(app, nonprofit.id, down.url)
        pay()
        worker = Worker(app, concurrency=1, rng=lambda: 0.5)
        waits = []
        for _ in range(30):
            worker.run_once()
            owed = list_deliveries(app, endpoint.id)
            if owed[0].next_attempt_at is not None:
                waits.append(owed[0].next_attempt_at - clock.now)
            clock.advance(minutes=5)
        worker.close()
    [delivery] = list_deliveries(app, endpoint.id)
    assert delivery.status == "failed"
    assert delivery.last_status_code == 503
    assert [t["status_code"] for t in delivery.tries] == [503] * delivery.attempts
    # The first retry about 5 seconds later (jitter fixed at the middle), then doubling.
    assert waits[0].total_seconds() == pytest.approx(5)
    [listed] = endpoints.list_endpoints(app, nonprofit.id)
    assert not listed.enabled
    assert listed.disabled_reason is not None
    assert listed.disabled_reason.startswith("every delivery failed since")
    with pytest.raises(Conflict, match="disabled"):
        resend_event(app, delivery.event_id, endpoint_id=endpoint.id)
