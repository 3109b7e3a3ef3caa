"""What the API refuses before a route runs: bad keys, bad bodies, big bodies, odd text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from houdini_pay import HoudiniPay
from houdini_pay.api_keys import create_api_key, revoke_api_key
from houdini_pay.store._models import PaymentAttempt, Supporter
from tests.helpers import count
from tests.http.conftest import ADMIN_KEY, Tenant
from tests.http.test_payments_http import payment_body


def post_payment(client: TestClient, tenant: Tenant, content: bytes | str) -> Any:
    """POST raw ``content`` as a payment body."""
    return client.post(
        f"/api/v1/nonprofits/{tenant.nonprofit.id}/payment",
        content=content,
        headers={**tenant.headers, "Idempotency-Key": "k", "Content-Type": "application/json"},
    )


INVALID_FIELDS: list[tuple[dict[str, Any], str]] = [
    ({"amount": 25.0}, "invalid_amount"),
    ({"amount": 25.5}, "invalid_amount"),
    ({"amount": "2500"}, "invalid_amount"),
    ({"amount": True}, "invalid_amount"),
    ({"amount": 0}, "invalid_amount"),
    ({"amount": -5}, "invalid_amount"),
    ({"amount": 2**53}, "invalid_amount"),
    ({"amount": 10**40}, "invalid_amount"),
    ({"amount": None}, "invalid_amount"),
    ({"currency": 840}, "invalid_currency"),
    ({"currency": "US"}, "invalid_currency"),
    ({"currency": "ZZZ"}, "invalid_currency"),
    ({"surprise": 1}, "invalid_request"),
    ({"supporter_id": 7}, "invalid_request"),
    ({"payment_type_object": ["a list"]}, "invalid_request"),
    ({"payment_type": "nope"}, "unknown_payment_type"),
    ({"payment_type_object": {"note": "a\x00b"}}, "invalid_text"),
    ({"payment_type_object": {"\x00": 1}}, "invalid_text"),
    ({"payment_type_object": {"deep": json.loads("[" * 40 + "]" * 40)}}, "too_deeply_nested"),
]

MALFORMED_BODIES = [
    ("{not json", "invalid_json"),
    ('["a", "list"]', "invalid_request"),
    ('{"amount": 1e400}', "invalid_amount"),
    ('{"note": "\\ud800"}', "invalid_text"),
    # Unfinished, but the parser gives up on the depth before it reaches the end.
    ("[" * 50_000, "too_deeply_nested"),
]


def test_invalid_payments_answer_422_with_a_code_and_write_nothing(
    client: TestClient, app: HoudiniPay, tenant: Tenant
) -> None:
    bodies = [(json.dumps(payment_body(tenant, **o)), code) for o, code in INVALID_FIELDS]
    for content, code in [*bodies, *MALFORMED_BODIES]:
        response = post_payment(client, tenant, content)
        assert response.status_code == 422, (content[:80], response.text)
        error = response.json()["error"]
        assert (content[:80], error["code"]) == (content[:80], code)
        assert error["message"]
    assert count(app, PaymentAttempt) == 0


def test_a_body_not_sent_as_json_is_told_so(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        f"/api/v1/nonprofits/{tenant.nonprofit.id}/payment",
        content=json.dumps(payment_body(tenant)),
        headers={
            **tenant.headers,
            "Idempotency-Key": "k",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_json"
    assert "Content-Type: application/json" in response.json()["error"]["message"]


def test_validation_errors_never_echo_what_was_sent(client: TestClient, tenant: Tenant) -> None:
    card = "4242424242424242"
    response = post_payment(
        client, tenant, json.dumps(payment_body(tenant, amount=card, card_number=card))
    )
    assert response.status_code == 422
    assert card not in response.text


def test_a_body_over_the_limit_answers_413_unread(
    client: TestClient, app: HoudiniPay, tenant: Tenant
) -> None:
    big = json.dumps(payment_body(tenant, payment_type_object={"note": "x" * 70_000}))
    declared = post_payment(client, tenant, big)
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "request_too_large"

    def chunks() -> Iterator[bytes]:
        # No Content-Length: the limit must hold while the body streams in.
        yield big.encode()[:40_000]
        yield big.encode()[40_000:]

    streamed = post_payment(client, tenant, chunks())  # type: ignore[arg-type]
    assert streamed.status_code == 413
    assert streamed.json()["error"]["code"] == "request_too_large"
    assert count(app, PaymentAttempt) == 0


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/nonprofits/np%00x/payments",
        "/api/v1/nonprofits/{np}/payments?cursor=%00",
        "/api/v1/nonprofits/{np}/supporters/sup%00",
    ],
)
def test_nul_characters_in_paths_and_queries_answer_422(
    client: TestClient, tenant: Tenant, url: str
) -> None:
    response = client.get(url.format(np=tenant.nonprofit.id), headers=tenant.headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_text"


def test_supporter_fields_longer_than_the_columns_answer_422(
    client: TestClient, app: HoudiniPay, tenant: Tenant
) -> None:
    url = f"/api/v1/nonprofits/{tenant.nonprofit.id}/supporters"
    for body in ({"name": "n" * 201}, {"name": "Ada", "email": "a" * 320 + "@example.org"}):
        assert client.post(url, json=body, headers=tenant.headers).status_code == 422
    assert count(app, Supporter) == 1


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "api_key_required"),
        ("Basic dXNlcjpwYXNz", "api_key_required"),
        ("Bearer hpk_not-a-key", "invalid_api_key"),
        ("Bearer not-even-our-prefix", "invalid_api_key"),
    ],
)
def test_requests_without_a_valid_key_answer_401(
    client: TestClient, tenant: Tenant, authorization: str | None, code: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get(f"/api/v1/nonprofits/{tenant.nonprofit.id}", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_revoked_key_answers_401_at_once(
    client: TestClient, app: HoudiniPay, tenant: Tenant
) -> None:
    new = create_api_key(app, tenant.nonprofit.id, name="till")
    headers = {"Authorization": f"Bearer {new.key}"}
    url = f"/api/v1/nonprofits/{tenant.nonprofit.id}"
    assert client.get(url, headers=headers).status_code == 200
    revoke_api_key(app, new.record.id)
    assert client.get(url, headers=headers).status_code == 401
    assert client.get(url, headers=tenant.headers).status_code == 200


def test_the_admin_key_acts_for_any_nonprofit_that_exists(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    for someone in (tenant, other_tenant):
        response = client.get(f"/api/v1/nonprofits/{someone.nonprofit.id}", headers=admin)
        assert response.status_code == 200
        assert response.json()["id"] == someone.nonprofit.id
    missing = client.get("/api/v1/nonprofits/np_missing", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "nonprofit_not_found"
    source = client.post(
        f"/api/v1/supporters/{other_tenant.supporter.id}/sources",
        json={
            "payment_processor_source_type": "fake_card",
            "payment_processor_source_object": {"token": "tok_admin"},
        },
        headers=admin,
    )
    assert source.status_code == 201


def test_unknown_routes_and_methods_answer_the_error_body(client: TestClient) -> None:
    missing = client.get("/api/v2/anything")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "route_not_found"
    wrong_method = client.delete("/healthz")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
