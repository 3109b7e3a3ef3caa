"""Webhooks, health, the schema and the docs page: the routes that need no API key."""

from __future__ import annotations

from fastapi.testclient import TestClient

from houdini_pay import ALL_NONPROFITS, ChargeStatus, HoudiniPay
from houdini_pay.api import ApiSettings, create_api
from houdini_pay.store._models import WebhookEvent
from houdini_pay.testing import FakeProcessor
from tests.helpers import count
from tests.http.conftest import Tenant
from tests.http.test_payments_http import pay


def test_a_signed_webhook_settles_a_payment_once(
    client: TestClient, app: HoudiniPay, tenant: Tenant, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "pending"
    outcome = pay(client, tenant).json()
    attempt_id = outcome["attempt_id"]
    assert outcome["payment"]["status"] == "pending"
    fake_processor.complete(attempt_id)
    body = fake_processor.webhook("evt_1", attempt_id, ChargeStatus.SUCCEEDED)
    headers = {"X-Fake-Signature": fake_processor.sign(body), "Content-Type": "application/json"}

    first = client.post("/webhooks/fake", content=body, headers=headers)
    assert first.status_code == 200
    assert first.json() == {
        "received": 1,
        "events": [{"id": "evt_1", "type": "charge.succeeded", "result": "applied"}],
    }
    assert (
        app.get_payment(outcome["payment"]["id"], nonprofit_id=ALL_NONPROFITS).status == "succeeded"
    )
    again = client.post("/webhooks/fake", content=body, headers=headers)
    assert again.json()["events"][0]["result"] == "duplicate"
    assert count(app, WebhookEvent) == 1


def test_the_signature_covers_the_raw_body(
    client: TestClient, app: HoudiniPay, fake_processor: FakeProcessor
) -> None:
    body = fake_processor.webhook("evt_2", "att_x", ChargeStatus.SUCCEEDED)
    # The same JSON re-encoded with other whitespace no longer matches its signature.
    tampered = body.replace(b'", "', b'","')
    response = client.post(
        "/webhooks/fake", content=tampered, headers={"X-Fake-Signature": fake_processor.sign(body)}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_webhook"
    assert count(app, WebhookEvent) == 0


def test_a_processor_without_webhooks_answers_404(client: TestClient) -> None:
    response = client.post("/webhooks/paypal", content=b"{}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "webhook_not_found"


def test_healthz_answers_ok_then_503_when_the_database_is_gone(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    unreachable = HoudiniPay("sqlite:////nonexistent-directory/houdini.db")
    with TestClient(create_api(unreachable, settings=ApiSettings())) as down:
        response = down.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_the_schema_and_the_docs_page_are_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "houdini-pay"
    assert "/api/v1/nonprofits/{nonprofit_id}/payment" in schema["paths"]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/openapi.json" in docs.text
