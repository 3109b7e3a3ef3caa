"""Webhook endpoints, events and resends over HTTP, on the served process."""

from __future__ import annotations

from tests.http.conftest import Served


def test_a_platform_manages_its_endpoints_and_reads_its_events(served: Served) -> None:
    a, b = served.a, served.b
    base = f"/api/v1/nonprofits/{a.nonprofit_id}"
    with served.client() as http:
        made = http.post(
            f"{base}/webhook-endpoints",
            json={"url": "https://hooks.example.org/houdini", "events": ["payment.*"]},
            headers=a.headers,
        )
        assert made.status_code == 201, made.text
        endpoint = made.json()
        assert endpoint["secret"].startswith("whsec_")
        listed = http.get(f"{base}/webhook-endpoints", headers=a.headers).json()
        mine = next(e for e in listed if e["id"] == endpoint["id"])
        assert mine["secret"] is None
        assert endpoint["secret"].startswith(mine["secret_prefix"])

        events = http.get(f"{base}/events", params={"type": "payment.pending"}, headers=a.headers)
        assert events.status_code == 200
        completed = [e for e in events.json() if e["data"]["payment"]["id"] == a.payment_id]
        assert len(completed) == 1
        event_id = completed[0]["id"]

        resent = http.post(
            f"{base}/events/{event_id}/resend",
            params={"endpoint": endpoint["id"]},
            headers=a.headers,
        )
        assert resent.status_code == 202, resent.text
        owed = http.get(
            f"{base}/webhook-endpoints/{endpoint['id']}/deliveries",
            params={"status": "pending"},
            headers=a.headers,
        ).json()
        assert [d["event_id"] for d in owed] == [event_id]

        # Another nonprofit's key reaches none of it.
        other = f"/api/v1/nonprofits/{b.nonprofit_id}"
        hidden = http.get(
            f"{other}/webhook-endpoints/{endpoint['id']}/deliveries", headers=b.headers
        )
        assert hidden.status_code == 404
        assert http.post(f"{other}/events/{event_id}/resend", headers=b.headers).status_code == 404

        refused = http.post(
            f"{base}/webhook-endpoints", json={"url": "https://10.1.2.3/x"}, headers=a.headers
        )
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "invalid_webhook_url"
        unmailed = http.post(f"{base}/payments/{a.payment_id}/receipt", headers=a.headers)
        assert unmailed.status_code == 409
        assert unmailed.json()["error"]["code"] == "mailer_not_configured"

        deleted = http.delete(f"{base}/webhook-endpoints/{endpoint['id']}", headers=a.headers)
        assert deleted.status_code == 200
        assert deleted.json()["enabled"] is False
