"""Payments over HTTP: pay, replay, decline, list, show, refund, approve, reject."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from houdini_pay import ChargeRequest, ChargeResult, HoudiniPay
from houdini_pay.api_keys import create_api_key, list_api_keys, revoke_api_key
from houdini_pay.store._models import Payment, PaymentAttempt
from houdini_pay.testing import FakeProcessor
from tests.helpers import count, recording_events
from tests.http.conftest import ADMIN_KEY, Tenant


def payment_body(tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    """A 2500 USD gift through the fake processor; keywords override fields."""
    body: dict[str, Any] = {
        "supporter_id": tenant.supporter.id,
        "amount": 2500,
        "currency": "USD",
        "payment_processor": "fake",
        "payment_type": "gift",
        "payment_type_object": {"note": "for the winter"},
    }
    body.update(overrides)
    return body


def pay(client: TestClient, tenant: Tenant, key: str = "order-1", **overrides: Any) -> Any:
    """POST a payment for ``tenant`` with the Idempotency-Key ``key``."""
    return client.post(
        f"/api/v1/nonprofits/{tenant.nonprofit.id}/payment",
        json=payment_body(tenant, **overrides),
        headers={**tenant.headers, "Idempotency-Key": key},
    )


def test_a_payment_answers_201_with_the_outcome_the_cli_prints(
    client: TestClient, app: HoudiniPay, tenant: Tenant
) -> None:
    response = pay(client, tenant)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["replayed"] is False
    assert body["payment"]["amount"] == 2500
    assert body["payment"]["supporter_id"] == tenant.supporter.id
    stored = app.get_payment(body["payment"]["id"], nonprofit_id=tenant.nonprofit.id)
    assert body["payment"] == stored.to_dict()
    shown = client.get(
        f"/api/v1/nonprofits/{tenant.nonprofit.id}/payments/{stored.id}", headers=tenant.headers
    )
    assert shown.status_code == 200
    assert shown.json() == stored.to_dict()


def _thread_hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions sent to a worker thread from now on, in order."""
    sent: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def noting(function: Callable[[], Any], *args: Any, **kwargs: Any) -> Any:
        inner = function.func if isinstance(function, functools.partial) else function
        sent.append(getattr(inner, "__name__", repr(inner)))
        return await run_sync(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", noting)
    return sent


def test_a_payment_sends_the_key_and_the_pipeline_to_one_worker_thread(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each thread hop costs the server more CPU than anything else outside the pipeline
    # (docs/performance.md): the key's look-up and the pipeline share one.
    sent = _thread_hops(monkeypatch)
    assert pay(client, tenant, key="one-hop").status_code == 201
    assert sent == ["_pay_with_key"]


def test_the_one_hop_answer_is_the_declared_routes_byte_for_byte(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A replay answers the same outcome twice: once on the one-hop path, once through
    # FastAPI's handler of the declared route (which a charset in the Content-Type takes).
    assert pay(client, tenant, key="bytes").status_code == 201
    sent = _thread_hops(monkeypatch)
    url = f"/api/v1/nonprofits/{tenant.nonprofit.id}/payment"
    content = json.dumps(payment_body(tenant))
    answers = [
        client.post(
            url,
            content=content,
            headers={**tenant.headers, "Idempotency-Key": "bytes", "Content-Type": media_type},
        )
        for media_type in ("application/json", "application/json; charset=utf-8")
    ]
    assert sent == ["_pay_with_key", "find_api_key", "pay"]
    one_hop, declared = answers
    assert one_hop.status_code == declared.status_code == 201
    assert one_hop.headers.raw == declared.headers.raw
    assert one_hop.content == declared.content
    assert one_hop.json()["replayed"] is True


@pytest.mark.parametrize(
    ("authorization", "overrides", "query", "status", "code"),
    [
        (None, {"amount": "25"}, "", 401, "api_key_required"),
        ("Basic abc", {}, "", 401, "api_key_required"),
        ("Bearer hpk_unknown", {}, "", 401, "invalid_api_key"),
        ("Bearer hpk_unknown", {"amount": "25"}, "", 401, "invalid_api_key"),
        ("Bearer hpk_unknown", {}, "?expand=1", 422, "unknown_parameter"),
        ("other", {}, "", 404, "nonprofit_not_found"),
        ("other", {"amount": "25"}, "", 404, "nonprofit_not_found"),
        ("tenant", {"amount": "25"}, "", 422, "invalid_amount"),
        ("tenant", {"surprise": 1}, "", 422, "invalid_request"),
        ("tenant", {}, "?expand=1", 422, "unknown_parameter"),
        ("admin", {}, "", 201, None),
    ],
)
def test_a_payment_is_checked_in_the_declared_routes_order(
    client: TestClient,
    app: HoudiniPay,
    tenant: Tenant,
    other_tenant: Tenant,
    authorization: str | None,
    overrides: dict[str, Any],
    query: str,
    status: int,
    code: str | None,
) -> None:
    # The key first (401, then 404 for another nonprofit's), the body after it (422); an
    # unknown query parameter before anything else.
    named = {
        "tenant": tenant.headers["Authorization"],
        "other": other_tenant.headers["Authorization"],
        "admin": f"Bearer {ADMIN_KEY}",
    }
    headers = {"Idempotency-Key": "order"}
    if authorization is not None:
        headers["Authorization"] = named.get(authorization, authorization)
    response = client.post(
        f"/api/v1/nonprofits/{tenant.nonprofit.id}/payment{query}",
        json=payment_body(tenant, **overrides),
        headers=headers,
    )
    assert response.status_code == status
    if code is not None:
        assert response.json()["error"]["code"] == code
        assert count(app, PaymentAttempt) == 0
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_key_cannot_pay_from_the_next_request_on(
    client: TestClient, app: HoudiniPay, tenant: Tenant
) -> None:
    new = create_api_key(app, tenant.nonprofit.id, name="till")
    headers = {"Authorization": f"Bearer {new.key}"}
    url = f"/api/v1/nonprofits/{tenant.nonprofit.id}/payment"
    body = payment_body(tenant)
    paid = client.post(url, json=body, headers={**headers, "Idempotency-Key": "before"})
    assert paid.status_code == 201
    revoke_api_key(app, new.record.id)
    refused = client.post(url, json=body, headers={**headers, "Idempotency-Key": "after"})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_api_key"
    assert count(app, PaymentAttempt) == 1


def test_the_access_log_names_the_key_of_a_payment_that_fails_too(
    client: TestClient, app: HoudiniPay, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    key_id = app_key_id(app, tenant)
    caplog.set_level(logging.INFO, logger="houdini_pay.api.access")
    assert pay(client, tenant, key="logged").status_code == 201
    assert pay(client, tenant, key="no-such", supporter_id="sup_missing").status_code == 404
    lines = [r.getMessage() for r in caplog.records if r.name == "houdini_pay.api.access"]
    assert [line.split()[2] for line in lines] == ["201", "404"]
    assert all(line.endswith(f"key={key_id}") for line in lines)


def app_key_id(app: HoudiniPay, tenant: Tenant) -> str:
    """The id of ``tenant``'s key."""
    (record,) = list_api_keys(app, tenant.nonprofit.id)
    return record.id


def test_a_payment_over_http_is_of_the_api_channel_whatever_its_key(
    client: TestClient, app: HoudiniPay, tenant: Tenant
) -> None:
    # A key that looks like a donor page's asks for no donor receipt: only the channel does.
    with recording_events() as log:
        response = pay(client, tenant, key="web-looks-like-a-page")
    assert response.status_code == 201
    assert response.json()["payment"]["channel"] == "api"
    assert "payment_completed" in log.names()
    assert log.of("receipt_email_requested") == []
    with app.session() as session:
        assert session.query(PaymentAttempt).one().channel == "api"
    # The body cannot claim another channel: the API sets it.
    claimed = pay(client, tenant, key="claims-page", channel="page")
    assert claimed.status_code == 422


def test_a_retry_with_the_same_key_replays_and_charges_once(
    client: TestClient, app: HoudiniPay, tenant: Tenant, fake_processor: FakeProcessor
) -> None:
    first = pay(client, tenant, key="order-2").json()
    again = pay(client, tenant, key="order-2")
    assert again.status_code == 201
    assert again.json()["replayed"] is True
    assert again.json()["payment"] == first["payment"]
    assert fake_processor.charge_count == 1
    assert count(app, Payment) == 1


def test_the_same_key_with_another_body_is_a_409_and_writes_nothing(
    client: TestClient, app: HoudiniPay, tenant: Tenant
) -> None:
    pay(client, tenant, key="order-3")
    conflict = pay(client, tenant, key="order-3", amount=9999)
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "idempotency_conflict"
    assert count(app, PaymentAttempt) == 1


def test_a_key_whose_payment_is_still_running_is_a_409(
    client: TestClient, app: HoudiniPay, tenant: Tenant, fake_processor: FakeProcessor
) -> None:
    answers: list[Any] = []
    charge = fake_processor.charge

    def charge_while_retried(request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        answers.append(pay(client, tenant, key="order-4"))
        return charge(request, idempotency_key=idempotency_key)

    fake_processor.charge = charge_while_retried  # type: ignore[method-assign]
    assert pay(client, tenant, key="order-4").status_code == 201
    assert [a.status_code for a in answers] == [409]
    assert answers[0].json()["error"]["code"] == "idempotency_in_flight"
    assert count(app, Payment) == 1


def test_a_declined_payment_is_a_402_with_the_outcome(
    client: TestClient, app: HoudiniPay, tenant: Tenant, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "decline"
    response = pay(client, tenant)
    assert response.status_code == 402
    body = response.json()
    assert body["status"] == "failed"
    assert body["error"]["code"]
    assert "declined" in body["error"]["message"]
    assert count(app, Payment, status="succeeded") == 0


def test_requires_action_answers_what_the_front_end_needs(
    client: TestClient, tenant: Tenant, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "requires_action"
    response = pay(client, tenant)
    assert response.status_code == 201
    assert response.json()["status"] == "requires_action"
    assert response.json()["next_action"]["client_secret"].endswith("_secret")


def test_an_unknown_outcome_is_a_202_left_for_reconcile(
    client: TestClient, tenant: Tenant, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "timeout"
    response = pay(client, tenant)
    assert response.status_code == 202
    assert response.json()["status"] == "unknown"


def test_the_idempotency_key_header_is_required(
    client: TestClient, app: HoudiniPay, tenant: Tenant
) -> None:
    response = client.post(
        f"/api/v1/nonprofits/{tenant.nonprofit.id}/payment",
        json=payment_body(tenant),
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assert count(app, PaymentAttempt) == 0


def test_payments_are_listed_newest_first_a_page_at_a_time(
    client: TestClient, tenant: Tenant, fake_processor: FakeProcessor
) -> None:
    ids = [pay(client, tenant, key=f"list-{n}").json()["payment"]["id"] for n in range(3)]
    url = f"/api/v1/nonprofits/{tenant.nonprofit.id}/payments"
    first = client.get(url, params={"limit": 2}, headers=tenant.headers).json()
    assert [p["id"] for p in first["payments"]] == ids[:0:-1]
    second = client.get(
        url, params={"limit": 2, "cursor": first["next_cursor"]}, headers=tenant.headers
    ).json()
    assert [p["id"] for p in second["payments"]] == ids[:1]
    assert second["next_cursor"] is None
    filtered = client.get(
        url,
        params={"status": "succeeded", "kind": "charge", "supporter_id": tenant.supporter.id},
        headers=tenant.headers,
    ).json()
    assert len(filtered["payments"]) == 3
    assert client.get(url, params={"status": "refunded"}, headers=tenant.headers).json() == {
        "payments": [],
        "next_cursor": None,
    }


def test_the_created_range_needs_a_time_zone_and_a_date_in_range(
    client: TestClient, tenant: Tenant
) -> None:
    pay(client, tenant)
    url = f"/api/v1/nonprofits/{tenant.nonprofit.id}/payments"
    since_2000 = client.get(
        url, params={"created_from": "2000-01-01T00:00:00+00:00"}, headers=tenant.headers
    )
    assert len(since_2000.json()["payments"]) == 1
    before_2000 = client.get(
        url, params={"created_to": "2000-01-01T00:00:00Z"}, headers=tenant.headers
    )
    assert before_2000.json()["payments"] == []
    naive = client.get(url, params={"created_from": "2000-01-01T00:00:00"}, headers=tenant.headers)
    assert naive.status_code == 422
    overflowing = client.get(
        url, params={"created_to": "9999-12-31T23:59:59-05:00"}, headers=tenant.headers
    )
    assert overflowing.status_code == 422
    assert overflowing.json()["error"]["code"] == "invalid_date"


def test_a_partial_refund_then_one_too_large(
    client: TestClient, app: HoudiniPay, tenant: Tenant
) -> None:
    payment_id = pay(client, tenant).json()["payment"]["id"]
    url = f"/api/v1/nonprofits/{tenant.nonprofit.id}/payments/{payment_id}/refunds"
    headers = {**tenant.headers, "Idempotency-Key": "refund-1"}
    refunded = client.post(url, json={"amount": 1000, "reason": "duplicate"}, headers=headers)
    assert refunded.status_code == 201
    assert refunded.json()["status"] == "succeeded"
    assert refunded.json()["refund"]["amount"] == -1000
    assert refunded.json()["refund"]["channel"] == "api"
    assert refunded.json()["payment"]["status"] == "partially_refunded"
    replayed = client.post(url, json={"amount": 1000, "reason": "duplicate"}, headers=headers)
    assert replayed.json()["replayed"] is True
    too_much = client.post(
        url, json={"amount": 2000}, headers={**tenant.headers, "Idempotency-Key": "refund-2"}
    )
    assert too_much.status_code == 422
    assert too_much.json()["error"]["code"] == "refund_exceeds_payment"
    assert app.get_payment(payment_id, nonprofit_id=tenant.nonprofit.id).amount_refunded == 1000


def test_a_refund_without_a_body_refunds_everything_and_needs_a_key(
    client: TestClient, tenant: Tenant
) -> None:
    payment_id = pay(client, tenant).json()["payment"]["id"]
    url = f"/api/v1/nonprofits/{tenant.nonprofit.id}/payments/{payment_id}/refunds"
    assert client.post(url, headers=tenant.headers).status_code == 422
    refunded = client.post(url, headers={**tenant.headers, "Idempotency-Key": "all"})
    assert refunded.status_code == 201
    assert refunded.json()["payment"]["status"] == "refunded"


def test_payments_pending_approval_are_approved_or_rejected(
    client: TestClient, tenant: Tenant, fake_processor: FakeProcessor
) -> None:
    fake_processor.then("pending_approval", "pending_approval")
    base = f"/api/v1/nonprofits/{tenant.nonprofit.id}/payments"
    first = pay(client, tenant, key="transfer-1").json()["payment"]
    second = pay(client, tenant, key="transfer-2").json()["payment"]
    assert first["status"] == second["status"] == "pending_approval"
    approved = client.post(f"{base}/{first['id']}/approve", headers=tenant.headers)
    assert approved.status_code == 200
    assert approved.json()["payment"]["status"] == "succeeded"
    rejected = client.post(
        f"{base}/{second['id']}/reject", json={"reason": "never arrived"}, headers=tenant.headers
    )
    assert rejected.status_code == 200
    assert rejected.json()["payment"]["status"] == "cancelled"
    again = client.post(f"{base}/{first['id']}/approve", headers=tenant.headers)
    assert again.status_code == 409


def test_the_one_hop_path_stands_aside_for_a_dependency_it_does_not_make(
    app: HoudiniPay, tenant: Tenant
) -> None:
    """Mounted with a dependency of someone else's (an audit, a rate limit), the payment
    route is answered by FastAPI's handler alone, which runs it."""
    from fastapi import Depends

    from houdini_pay.api import ApiSettings, auth, create_api, payments

    audited: list[str] = []

    async def audit(request: Request) -> None:
        audited.append(request.url.path)

    api = create_api(app, settings=ApiSettings(admin_key=ADMIN_KEY))
    api.include_router(
        payments.router,
        prefix="/audited",
        dependencies=[Depends(auth.authenticate), Depends(audit)],
    )
    with TestClient(api) as client:
        plain = pay(client, tenant, key="plain")
        path = f"/audited/nonprofits/{tenant.nonprofit.id}/payment"
        watched = client.post(
            path,
            json=payment_body(tenant),
            headers={**tenant.headers, "Idempotency-Key": "audited"},
        )
    assert (plain.status_code, watched.status_code) == (201, 201)
    assert audited == [path]
