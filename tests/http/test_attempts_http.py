"""A return page polls the payment attempt instead of sending the payment again."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from houdini_pay import ALL_NONPROFITS, ChargeStatus, HoudiniPay
from houdini_pay.errors import NotFound
from houdini_pay.store._models import PaymentAttempt
from houdini_pay.testing import FakeProcessor
from tests.helpers import count
from tests.http.conftest import Tenant
from tests.http.test_payments_http import pay


def attempt(client: TestClient, tenant: Tenant, attempt_id: str) -> Any:
    """GET the attempt with ``tenant``'s key."""
    return client.get(
        f"/api/v1/nonprofits/{tenant.nonprofit.id}/attempts/{attempt_id}", headers=tenant.headers
    )


def test_a_redirected_payment_is_polled_until_its_webhook_settles_it(
    client: TestClient, app: HoudiniPay, tenant: Tenant, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "requires_action"
    paid = pay(client, tenant).json()
    assert paid["next_action"]["type"] == "redirect"
    waiting = attempt(client, tenant, paid["attempt_id"])
    assert waiting.status_code == 200
    assert waiting.json() == {**paid, "replayed": True}
    attempts = count(app, PaymentAttempt)
    fake_processor.complete(paid["attempt_id"])
    body = fake_processor.webhook("evt_return", paid["attempt_id"], ChargeStatus.SUCCEEDED)
    app.handle_webhook("fake", {"x-fake-signature": fake_processor.sign(body)}, body)
    settled = attempt(client, tenant, paid["attempt_id"]).json()
    assert settled["status"] == "succeeded"
    assert settled["payment"]["amount"] == 2500
    assert settled["attempt_id"] == paid["attempt_id"]
    # Polling changes nothing and charges nothing.
    assert count(app, PaymentAttempt) == attempts
    assert fake_processor.charge_count == 1


def test_a_failed_payment_reads_as_it_answered(
    client: TestClient, tenant: Tenant, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "decline"
    paid = pay(client, tenant).json()
    assert attempt(client, tenant, paid["attempt_id"]).json() == {**paid, "replayed": True}


def test_only_payment_attempts_of_the_key_s_nonprofit_are_found(
    client: TestClient, app: HoudiniPay, tenant: Tenant, other_tenant: Tenant
) -> None:
    paid = pay(client, tenant).json()
    refunded = client.post(
        f"/api/v1/nonprofits/{tenant.nonprofit.id}/payments/{paid['payment']['id']}/refunds",
        json={"amount": 100},
        headers={**tenant.headers, "Idempotency-Key": "refund-1"},
    ).json()
    cases = [
        (other_tenant, paid["attempt_id"]),  # another nonprofit's key, its own path
        (tenant, refunded["attempt_id"]),  # a refund's attempt is no payment attempt
        (tenant, "att_missing"),
    ]
    for caller, attempt_id in cases:
        answer = attempt(client, caller, attempt_id)
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "attempt_not_found"
    crossed = client.get(
        f"/api/v1/nonprofits/{tenant.nonprofit.id}/attempts/{paid['attempt_id']}",
        headers=other_tenant.headers,
    )
    assert crossed.status_code == 404
    with pytest.raises(NotFound):
        app.get_attempt(paid["attempt_id"], nonprofit_id=other_tenant.nonprofit.id)
    everywhere = app.get_attempt(paid["attempt_id"], nonprofit_id=ALL_NONPROFITS)
    assert everywhere.status.value == "succeeded"
    with pytest.raises(TypeError):
        app.get_attempt(paid["attempt_id"], nonprofit_id=None)  # type: ignore[arg-type]
