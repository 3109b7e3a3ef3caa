"""The API as deployers run it: ``houdini-pay serve`` in its own process, over real HTTP.

SQLite with one worker, and PostgreSQL with two worker processes.
"""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import select

from houdini_pay import ALL_NONPROFITS
from houdini_pay.store._models import Payment, PaymentAttempt
from tests.http.conftest import ADMIN_KEY, Served
from tests.http.served import HOUDINI_PAY
from tests.http.tenancy import TenantRecords, assert_tenants_apart


def check_donation(tenant: TenantRecords, **overrides: Any) -> dict[str, Any]:
    """A 25.00 USD check donation, recorded at once."""
    return {
        "supporter_id": tenant.supporter_id,
        "amount": 2500,
        "currency": "USD",
        "payment_processor": "offsite",
        "payment_processing_object": {"method": "check", "check_number": "1042"},
        "payment_type": "donation",
        "payment_type_object": {"designation": "Winter meals"},
        **overrides,
    }


def test_a_payment_over_http_from_pay_to_refund(served: Served) -> None:
    a = served.a
    base = f"/api/v1/nonprofits/{a.nonprofit_id}"
    with served.client() as client:
        paid = client.post(
            f"{base}/payment",
            json=check_donation(a),
            headers={**a.headers, "Idempotency-Key": "check-1042"},
        )
        assert paid.status_code == 201, paid.text
        payment = paid.json()["payment"]
        assert (payment["status"], payment["kind"]) == ("succeeded", "offsite")
        assert payment["description"] == "Donation to Winter meals"
        listed = client.get(f"{base}/payments", headers=a.headers).json()["payments"]
        assert payment["id"] in [p["id"] for p in listed]
        refund = client.post(
            f"{base}/payments/{payment['id']}/refunds",
            json={"amount": 500, "reason": "pledged twice"},
            headers={**a.headers, "Idempotency-Key": "refund-1042"},
        )
        assert refund.status_code == 201
        assert refund.json()["payment"]["amount_refunded"] == 500
        approved = client.post(f"{base}/payments/{a.payment_id}/approve", headers=a.headers)
        assert approved.json()["payment"]["status"] == "succeeded"
    assert served.app.get_payment(payment["id"], nonprofit_id=ALL_NONPROFITS).amount_refunded == 500


def test_twenty_concurrent_requests_with_one_key_make_one_payment(served: Served) -> None:
    a = served.a
    key = f"concurrent-{served.base_url}"
    start = threading.Barrier(20)

    def pay_once(_: int) -> httpx2.Response:
        with served.client() as client:
            start.wait()
            return client.post(
                f"/api/v1/nonprofits/{a.nonprofit_id}/payment",
                json=check_donation(a, amount=777),
                headers={**a.headers, "Idempotency-Key": key},
            )

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(pay_once, range(20)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, statuses
    created = [r.json() for r in responses if r.status_code == 201]
    assert created
    assert len({body["payment"]["id"] for body in created}) == 1
    conflicts = [r.json()["error"]["code"] for r in responses if r.status_code == 409]
    assert set(conflicts) <= {"idempotency_in_flight"}
    with served.app.session() as session:
        attempts = session.scalars(
            select(PaymentAttempt).where(PaymentAttempt.idempotency_key == key)
        ).all()
        assert len(attempts) == 1
        payments = session.scalars(
            select(Payment).where(Payment.attempt_id == attempts[0].id)
        ).all()
    assert [p.amount for p in payments] == [777]


def test_tenants_are_kept_apart_over_http(served: Served) -> None:
    with served.client() as client:
        assert_tenants_apart(client, served.app, served.a, served.b)


def test_the_server_log_names_requests_but_never_secrets(served: Served) -> None:
    a = served.a
    card, signature = "4242424242424242", "t=1,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e7"
    with served.client() as client:
        client.post(
            f"/api/v1/supporters/{a.supporter_id}/sources",
            json={
                "payment_processor_source_type": "offsite",
                "payment_processor_source_object": {"number": card},
            },
            headers=a.headers,
        )
        client.post(
            "/webhooks/paypal",  # no such processor: answered 404, still logged
            content=f'{{"card": "{card}"}}',
            headers={"Stripe-Signature": signature},
        )
        client.get(
            f"/api/v1/nonprofits/{a.nonprofit_id}/payments",
            params={"cursor": card},
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )
    # The access line is written once the response has gone out: wait for the last one.
    deadline = time.monotonic() + 10
    log = served.log_path.read_text()
    while "key=admin" not in log and time.monotonic() < deadline:
        time.sleep(0.05)
        log = served.log_path.read_text()
    assert f"POST /api/v1/supporters/{a.supporter_id}/sources 422" in log
    assert "POST /webhooks/paypal 404" in log
    assert "key=admin" in log
    for secret in (a.key, ADMIN_KEY, card, signature):
        assert secret not in log


def test_serve_refuses_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "new.db").close()  # exists, but was never upgraded
    result = subprocess.run(
        [str(HOUDINI_PAY), "--database-url", f"sqlite:///{tmp_path / 'new.db'}", "serve"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: database_not_migrated: ")
    assert "houdini-pay db upgrade" in result.stderr
