"""Webhooks over HTTP in any order and any number of copies.

Copies of one event delivered at the same time: one applies, the rest are answered
``duplicate`` (the API runs under uvicorn on a loopback port in this process). A refund
reported before the charge's success is answered ``pending`` and recorded with it.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import httpx2
import pytest
import uvicorn
from fastapi.testclient import TestClient

from houdini_pay import (
    ChargeStatus,
    HoudiniPay,
    PaymentRequest,
    ProcessorEvent,
    RefundObservation,
    RefundResult,
    SupporterRecord,
)
from houdini_pay.api import ApiSettings, create_api
from houdini_pay.errors import WebhookVerificationError
from houdini_pay.store._models import Payment, WebhookEvent
from houdini_pay.testing import FakeProcessor
from tests.helpers import count, deliver_concurrently
from tests.http.conftest import Tenant
from tests.http.served import free_port
from tests.http.test_payments_http import pay


class RefundingFakeProcessor(FakeProcessor):
    """The fake processor, whose webhooks also report refunds made in its dashboard."""

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ProcessorEvent]:
        """A body with ``refunded`` reports a dashboard refund of that charge."""
        data = json.loads(body)
        if "refunded" not in data:
            return super().parse_webhook(headers, body)
        if not hmac.compare_digest(headers.get("x-fake-signature", ""), self.sign(body)):
            raise WebhookVerificationError("bad signature")
        refund = RefundObservation(
            result=RefundResult.succeeded(f"re_{data['id']}"),
            payment_reference=data["refunded"],
            amount=data["amount"],
        )
        return [ProcessorEvent(id=data["id"], type="charge.refunded", observations=[refund])]


@pytest.fixture
def fake_processor() -> FakeProcessor:
    """A fake processor that can report dashboard refunds."""
    return RefundingFakeProcessor()


def signed(fake_processor: FakeProcessor, data: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a genuine webhook of the fake processor."""
    body = json.dumps(data).encode()
    return body, {"X-Fake-Signature": fake_processor.sign(body)}


def test_a_refund_reported_before_the_success_answers_pending_then_is_recorded(
    client: TestClient, app: HoudiniPay, tenant: Tenant, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "requires_action"
    outcome = pay(client, tenant).json()
    attempt_id = outcome["attempt_id"]
    assert outcome["status"] == "requires_action"
    fake_processor.complete(attempt_id)
    refunded = {
        "id": "evt_refund",
        "attempt_id": attempt_id,
        "refunded": f"ch_{attempt_id}",
        "amount": 2500,
    }
    body, headers = signed(fake_processor, refunded)
    response = client.post("/webhooks/fake", content=body, headers=headers)
    assert response.status_code == 200
    assert response.json()["events"][0]["result"] == "pending"
    body = fake_processor.webhook("evt_paid", attempt_id, ChargeStatus.SUCCEEDED)
    headers = {"X-Fake-Signature": fake_processor.sign(body)}
    response = client.post("/webhooks/fake", content=body, headers=headers)
    assert response.json()["events"][0]["result"] == "applied"
    payment_id = attempt_id.replace("att_", "pay_", 1)
    payment = app.get_payment(payment_id, nonprofit_id=tenant.nonprofit.id)
    assert (payment.status, payment.amount_refunded) == ("refunded", 2500)


@contextmanager
def uvicorn_serving(app: HoudiniPay) -> Iterator[str]:
    """The HTTP API of ``app`` under uvicorn in a thread; yield its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_api(app, settings=ApiSettings()), host="127.0.0.1", port=port, log_level="error"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_concurrent_http_copies_of_one_event_answer_applied_once(
    app: HoudiniPay, supporter: SupporterRecord, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "pending"
    outcome = app.pay(
        PaymentRequest(
            nonprofit_id=supporter.nonprofit_id,
            supporter_id=supporter.id,
            amount=2500,
            currency="USD",
            processor="fake",
            payment_type="gift",
        )
    )
    fake_processor.complete(outcome.attempt_id)
    body = fake_processor.webhook("evt_1", outcome.attempt_id, ChargeStatus.SUCCEEDED)
    headers = {"X-Fake-Signature": fake_processor.sign(body), "Content-Type": "application/json"}
    copies = 3
    with uvicorn_serving(app) as base_url, httpx2.Client(base_url=base_url, timeout=30) as client:

        def post() -> str:
            response = client.post("/webhooks/fake", content=body, headers=headers)
            assert response.status_code == 200, response.text
            return str(response.json()["events"][0]["result"])

        answers = deliver_concurrently(copies, post)
    assert sorted(answers) == ["applied"] + ["duplicate"] * (copies - 1)
    assert count(app, Payment, status="succeeded") == 1
    assert count(app, WebhookEvent) == 1
