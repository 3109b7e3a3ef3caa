"""Outbound webhooks delivered over real HTTP to a receiver on 127.0.0.1."""

from __future__ import annotations

import pytest

from houdini_pay import HoudiniPay, NonprofitRecord, signals, webhooks_out
from houdini_pay.delivery import endpoints
from houdini_pay.delivery.worker import Worker
from houdini_pay.testing import ManualClock
from tests.conftest import PayFunction
from tests.delivery.receiver import Receiver, serve


def _worker(app: HoudiniPay) -> Worker:
    return Worker(app, concurrency=1, name="test-worker", rng=lambda: 0.5)


def test_flaky_endpoint_gets_every_event_once_in_order_and_the_gone_one_is_disabled(
    app: HoudiniPay, nonprofit: NonprofitRecord, pay: PayFunction, clock: ManualClock
) -> None:
    flaky = Receiver(script=[500, 500, "hang"])
    gone = Receiver(default=410)
    disabled: list[str] = []

    def heard(_: object, *, endpoint: endpoints.EndpointRecord) -> None:
        disabled.append(endpoint.id)

    signals.webhook_endpoint_disabled.connect(heard)
    try:
        with serve(flaky), serve(gone):
            first = endpoints.create_endpoint(app, nonprofit.id, flaky.url)
            second = endpoints.create_endpoint(app, nonprofit.id, gone.url, ["payment.*"])
            assert first.secret is not None
            assert first.secret.startswith("whsec_")
            payments = [pay().payment for _ in range(3)]
            assert all(p is not None for p in payments)
            app.refund(payments[0].id, nonprofit_id=nonprofit.id, amount=500)  # type: ignore[union-attr]
            worker = _worker(app)
            for _ in range(8):  # each round: what is due now, then an hour later
                worker.run_once()
                clock.advance(hours=1)
            worker.close()
    finally:
        signals.webhook_endpoint_disabled.disconnect(heard)

    # Every event reached the flaky endpoint, each accepted exactly once, signed.
    accepted = flaky.succeeded()
    ids = [r.event["id"] for r in accepted]
    assert len(ids) == len(set(ids))
    types = [r.event["type"] for r in accepted]
    assert types.count("payment.completed") == 3
    assert types.count("payment.refunded") == 1
    assert "webhook_endpoint.disabled" in types
    for request in flaky.received:
        event = webhooks_out.verify(
            request.body, request.headers["HoudiniPay-Signature"], first.secret, tolerance=10**9
        )
        assert event["nonprofit_id"] == nonprofit.id
    # The refund of the first payment came after its completion.
    first_payment = payments[0].id  # type: ignore[union-attr]
    about_first = [
        r.event["type"]
        for r in accepted
        if r.event["type"].startswith("payment.")
        and first_payment in (r.event["data"]["payment"]["id"],)
    ]
    assert about_first == ["payment.completed", "payment.refunded"]
    # Two failures and a timeout (answered 503 after the worker gave up waiting).
    assert sorted(r.status for r in flaky.received if r.status != 200) == [500, 500, 503]
    # The gone endpoint was tried once, disabled, and reported.
    assert len(gone.received) == 1
    assert disabled == [second.id]
    listed = {e.id: e for e in endpoints.list_endpoints(app, nonprofit.id)}
    assert not listed[second.id].enabled
    assert listed[second.id].disabled_reason == "the endpoint answered 410 Gone"
    assert listed[first.id].enabled
    assert listed[first.id].failing_since is None


def test_a_private_address_is_refused_when_made_and_when_sent(
    app: HoudiniPay, nonprofit: NonprofitRecord
) -> None:
    from houdini_pay.errors import InvalidRequest

    for url in ("https://10.0.0.5/hook", "https://169.254.169.254/latest", "ftp://example.org"):
        with pytest.raises(InvalidRequest) as refused:
            endpoints.create_endpoint(app, nonprofit.id, url)
        assert refused.value.code == "invalid_webhook_url"
