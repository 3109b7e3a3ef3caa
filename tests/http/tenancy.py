"""Tenancy checks shared by the test client's tests and the served process's.

Two nonprofits, each with a supporter, a source, an address and a payment pending approval
(offsite and donation, the plugins shipped with the core). Nonprofit A's key then tries every
route of the API with B's ids; each must answer 404 and change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx2
from sqlalchemy import func, select

from houdini_pay import HoudiniPay, PaymentRequest
from houdini_pay.api_keys import create_api_key
from houdini_pay.delivery import endpoints, history
from houdini_pay.store._models import Base

_SUBMISSION = "/public/v1/nonprofits/{nonprofit_id}/submissions/{key}"
PUBLIC_OPERATIONS = {
    ("POST", "/webhooks/{processor}"),
    ("GET", "/healthz"),
    ("POST", _SUBMISSION),
    ("GET", _SUBMISSION),
    ("POST", _SUBMISSION + "/prepare"),
    ("POST", _SUBMISSION + "/source"),
    ("POST", _SUBMISSION + "/payment"),
}
"""Routes that take no API key: webhooks, health, and the donor pages' endpoints (whose
submissions are reached only through their own nonprofit: tests/web checks that)."""

LISTING_OPERATIONS = {("GET", "/api/v1/nonprofits")}
"""Routes naming no id, whose answer must hold only the key's own records."""


@dataclass(frozen=True)
class TenantRecords:
    """A nonprofit's ids and its key."""

    nonprofit_id: str
    supporter_id: str
    source_id: str
    address_id: str
    payment_id: str
    attempt_id: str
    key: str
    endpoint_id: str
    event_id: str
    invoice_id: str = ""
    credit_note_id: str = ""
    accounts: bool = False

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header of this tenant's key."""
        return {"Authorization": f"Bearer {self.key}"}


def make_tenant(app: HoudiniPay, name: str) -> TenantRecords:
    """A nonprofit with one record of each kind, made through the Python API."""
    nonprofit = app.create_nonprofit(name, "USD", country="US")
    supporter = app.create_supporter(nonprofit.id, f"Supporter of {name}")
    source = app.create_source(
        supporter.id, "offsite", {"method": "bank_transfer"}, nonprofit_id=supporter.nonprofit_id
    )
    address = app.create_address(
        supporter.id, line1="1 Main St", nonprofit_id=supporter.nonprofit_id
    )
    outcome = app.pay(
        PaymentRequest(
            nonprofit_id=nonprofit.id,
            supporter_id=supporter.id,
            amount=5000,
            currency="USD",
            payment_type="donation",
            source_id=source.id,
            processing_object={"reference": f"TX-{name}", "pending_approval": True},
            idempotency_key=f"setup-{name}",
        )
    )
    assert outcome.payment is not None
    key = create_api_key(app, nonprofit.id).key
    endpoint = endpoints.create_endpoint(app, nonprofit.id, f"https://{name.lower()}.example/hook")
    event_id = history.list_events(app, nonprofit.id, limit=1)[0]["id"]
    invoice_id, credit_note_id = _invoice_records(app, nonprofit.id, supporter.id)
    return TenantRecords(
        nonprofit.id,
        supporter.id,
        source.id,
        address.id,
        outcome.payment.id,
        outcome.attempt_id,
        key,
        endpoint.id,
        event_id,
        invoice_id,
        credit_note_id,
        "account_top_up" in app.registry.payment_types,
    )


def _invoice_records(app: HoudiniPay, nonprofit_id: str, supporter_id: str) -> tuple[str, str]:
    """An open invoice and a credit note of the supporter, when the invoices plugin is loaded."""
    if "invoice" not in app.registry.payment_types:
        return "", ""
    from houdini_pay_invoices import ledger

    line = ledger.LineInput("Dues", 4000)
    invoice = ledger.create_invoice(app, nonprofit_id, supporter_id, [line])
    note = ledger.create_credit_note(app, nonprofit_id, supporter_id, 1000, reason="goodwill")
    return str(invoice["id"]), str(note["id"])


def _invoice_requests(a: TenantRecords, b: TenantRecords) -> list[CrossRequest]:
    """The invoices plugin's routes with B's ids (none when the plugin is not loaded)."""
    if not b.invoice_id:
        return []
    np_a, np_b = f"/api/v1/nonprofits/{a.nonprofit_id}", f"/api/v1/nonprofits/{b.nonprofit_id}"
    base = "/api/v1/nonprofits/{nonprofit_id}"
    invoice = f"{base}/invoices/{{invoice_id}}"
    notes = f"{base}/supporters/{{supporter_id}}/credit-notes"
    body = {"supporter_id": b.supporter_id, "lines": [{"description": "X", "unit_amount": 100}]}
    manual = {"payment_method": "cash", "transaction_reference": "R-1"}
    apply = (f"{notes}/{{credit_note_id}}/apply", {"invoice_id": b.invoice_id})
    requests = [
        CrossRequest(("GET", f"{base}/invoices"), "GET", f"{np_b}/invoices"),
        CrossRequest(("POST", f"{base}/invoices"), "POST", f"{np_b}/invoices", body),
        CrossRequest(("POST", f"{base}/invoices"), "POST", f"{np_a}/invoices", body),
        CrossRequest(
            ("POST", apply[0]),
            "POST",
            f"{np_a}/supporters/{a.supporter_id}/credit-notes/{a.credit_note_id}/apply",
            apply[1],
        ),
    ]
    for np in (np_a, np_b):
        url = f"{np}/invoices/{b.invoice_id}"
        note_url = f"{np}/supporters/{b.supporter_id}/credit-notes"
        requests += [
            CrossRequest(("GET", invoice), "GET", url),
            CrossRequest(("POST", f"{invoice}/void"), "POST", f"{url}/void"),
            CrossRequest(
                ("POST", f"{invoice}/manual-payments"), "POST", f"{url}/manual-payments", manual
            ),
            CrossRequest(("GET", notes), "GET", note_url),
            CrossRequest(
                ("POST", apply[0]), "POST", f"{note_url}/{b.credit_note_id}/apply", apply[1]
            ),
        ]
    return requests


def _account_requests(a: TenantRecords, b: TenantRecords) -> list[CrossRequest]:
    """The accounts plugin's routes with B's ids (none when the plugin is not loaded)."""
    if not b.accounts:
        return []
    account = "/api/v1/nonprofits/{nonprofit_id}/supporters/{supporter_id}/account"
    top_up = {"amount": 100, "processor": "offsite", "processing_object": {"method": "cash"}}
    requests = [
        CrossRequest(
            ("POST", f"{account}/transfers"),
            "POST",
            f"/api/v1/nonprofits/{a.nonprofit_id}/supporters/{a.supporter_id}/account/transfers",
            {"to_supporter_id": b.supporter_id, "amount": 100},
        ),
        CrossRequest(
            ("PUT", f"{account}/auto-top-up"),
            "PUT",
            f"/api/v1/nonprofits/{a.nonprofit_id}/supporters/{a.supporter_id}/account/auto-top-up",
            {"threshold": 100, "amount": 500, "source_id": b.source_id},
        ),
    ]
    for np in (a.nonprofit_id, b.nonprofit_id):
        url = f"/api/v1/nonprofits/{np}/supporters/{b.supporter_id}/account"
        auto = {"threshold": 100, "amount": 500, "source_id": b.source_id}
        requests += [
            CrossRequest(("GET", account), "GET", url),
            CrossRequest(("POST", f"{account}/top-ups"), "POST", f"{url}/top-ups", top_up),
            CrossRequest(
                ("POST", f"{account}/transfers"),
                "POST",
                f"{url}/transfers",
                {"to_supporter_id": a.supporter_id, "amount": 100},
            ),
            CrossRequest(("PUT", f"{account}/auto-top-up"), "PUT", f"{url}/auto-top-up", auto),
            CrossRequest(("GET", f"{account}/statement"), "GET", f"{url}/statement"),
        ]
    return requests


@dataclass(frozen=True)
class CrossRequest:
    """One request of A's key naming a record of B."""

    operation: tuple[str, str]
    method: str
    url: str
    json: Any = None
    params: dict[str, str] = field(default_factory=dict)


def cross_tenant_requests(a: TenantRecords, b: TenantRecords) -> list[CrossRequest]:
    """Every route, with B's ids in the path, and in the body or query where A's path is."""
    np_a, np_b = f"/api/v1/nonprofits/{a.nonprofit_id}", f"/api/v1/nonprofits/{b.nonprofit_id}"
    base = "/api/v1/nonprofits/{nonprofit_id}"
    pay_body = {
        "supporter_id": a.supporter_id,
        "amount": 100,
        "currency": "USD",
        "payment_type": "donation",
        "payment_processor": "offsite",
        "payment_processing_object": {"method": "cash"},
    }
    source_body = {
        "payment_processor_source_type": "offsite",
        "payment_processor_source_object": {"method": "cash"},
    }
    payment = f"{base}/payments/{{payment_id}}"
    requests = [
        CrossRequest(("GET", base), "GET", np_b),
        CrossRequest(
            ("GET", f"{base}/payment-methods/available"), "GET", f"{np_b}/payment-methods/available"
        ),
        CrossRequest(("GET", f"{base}/page-settings"), "GET", f"{np_b}/page-settings"),
        CrossRequest(
            ("PUT", f"{base}/page-settings"),
            "PUT",
            f"{np_b}/page-settings",
            {"headline": "Eve's appeal", "frame_ancestors": ["https://eve.example"]},
        ),
        CrossRequest(("POST", f"{base}/supporters"), "POST", f"{np_b}/supporters", {"name": "Eve"}),
        CrossRequest(("GET", f"{base}/supporters"), "GET", f"{np_b}/supporters"),
        CrossRequest(
            ("GET", f"{base}/supporters/{{supporter_id}}"),
            "GET",
            f"{np_b}/supporters/{b.supporter_id}",
        ),
        CrossRequest(
            ("GET", f"{base}/supporters/{{supporter_id}}"),
            "GET",
            f"{np_a}/supporters/{b.supporter_id}",
        ),
        *(
            CrossRequest(
                ("GET", f"{base}/supporters/{{supporter_id}}/statement"),
                "GET",
                f"{np}/supporters/{b.supporter_id}/statement",
                params={"year": "2025", "format": "csv"},
            )
            for np in (np_a, np_b)
        ),
        CrossRequest(
            ("POST", "/api/v1/supporters/{supporter_id}/sources"),
            "POST",
            f"/api/v1/supporters/{b.supporter_id}/sources",
            source_body,
        ),
        CrossRequest(
            ("POST", "/api/v1/supporters/{supporter_id}/addresses"),
            "POST",
            f"/api/v1/supporters/{b.supporter_id}/addresses",
            {"line1": "2 Side St"},
        ),
        CrossRequest(("POST", f"{base}/payment"), "POST", f"{np_b}/payment", pay_body),
        CrossRequest(("GET", f"{base}/payments"), "GET", f"{np_b}/payments"),
        CrossRequest(
            ("GET", f"{base}/payments"),
            "GET",
            f"{np_a}/payments",
            params={"supporter_id": b.supporter_id},
        ),
    ]
    for field_name, value in (
        ("supporter_id", b.supporter_id),
        ("source_id", b.source_id),
        ("address_id", b.address_id),
    ):
        requests.append(
            CrossRequest(
                ("POST", f"{base}/payment"),
                "POST",
                f"{np_a}/payment",
                {**pay_body, field_name: value},
            )
        )
    hooks, hook = f"{base}/webhook-endpoints", f"{base}/webhook-endpoints/{{endpoint_id}}"
    resend = f"{base}/events/{{event_id}}/resend"
    requests += [
        CrossRequest(
            ("POST", hooks), "POST", f"{np_b}/webhook-endpoints", {"url": "https://x.example"}
        ),
        CrossRequest(("GET", hooks), "GET", f"{np_b}/webhook-endpoints"),
        CrossRequest(("GET", f"{base}/events"), "GET", f"{np_b}/events"),
    ]
    for np in (np_a, np_b):
        requests += [
            CrossRequest(("DELETE", hook), "DELETE", f"{np}/webhook-endpoints/{b.endpoint_id}"),
            CrossRequest(
                ("GET", f"{hook}/deliveries"),
                "GET",
                f"{np}/webhook-endpoints/{b.endpoint_id}/deliveries",
            ),
            CrossRequest(("POST", resend), "POST", f"{np}/events/{b.event_id}/resend"),
            CrossRequest(
                ("POST", f"{payment}/receipt"), "POST", f"{np}/payments/{b.payment_id}/receipt"
            ),
        ]
    for np in (np_a, np_b):
        attempt = f"{base}/attempts/{{attempt_id}}"
        requests.append(CrossRequest(("GET", attempt), "GET", f"{np}/attempts/{b.attempt_id}"))
        url = f"{np}/payments/{b.payment_id}"
        requests += [
            CrossRequest(("GET", payment), "GET", url),
            CrossRequest(("POST", f"{payment}/refunds"), "POST", f"{url}/refunds", {}),
            CrossRequest(("POST", f"{payment}/approve"), "POST", f"{url}/approve"),
            CrossRequest(("POST", f"{payment}/reject"), "POST", f"{url}/reject", {}),
        ]
    return requests + _invoice_requests(a, b) + _account_requests(a, b)


def row_counts(app: HoudiniPay) -> dict[str, int]:
    """The number of rows of every table."""
    with app.session() as session:
        return {
            table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def assert_tenants_apart(
    client: httpx2.Client, app: HoudiniPay, a: TenantRecords, b: TenantRecords
) -> None:
    """A's key on every route with B's ids: 404 each time, no row added, B's payment as it was."""
    before = row_counts(app)
    payment_before = app.get_payment(b.payment_id, nonprofit_id=b.nonprofit_id)
    schema = client.get("/openapi.json").json()
    served = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    requests = cross_tenant_requests(a, b)
    tested = {r.operation for r in requests} | LISTING_OPERATIONS
    assert served - PUBLIC_OPERATIONS == tested, "a route is untested"
    listed = client.get("/api/v1/nonprofits", headers=a.headers, params={"limit": "500"})
    assert [n["id"] for n in listed.json()["nonprofits"]] == [a.nonprofit_id]
    for number, request in enumerate(requests):
        response = client.request(
            request.method,
            request.url,
            json=request.json,
            params=request.params,
            headers={**a.headers, "Idempotency-Key": f"cross-{number}"},
        )
        assert response.status_code == 404, (request, response.text)
        assert response.json()["error"]["code"].endswith("_not_found"), request
    assert row_counts(app) == before
    assert app.get_payment(b.payment_id, nonprofit_id=b.nonprofit_id) == payment_before
