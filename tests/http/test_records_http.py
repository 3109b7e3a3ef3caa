"""Supporters, sources, addresses, the nonprofit and its payment methods over HTTP."""

from __future__ import annotations

from typing import Any, ClassVar

from fastapi.testclient import TestClient

from houdini_pay import ChargeRequest, ChargeResult, HoudiniPay, Processor
from houdini_pay.api_keys import create_api_key
from houdini_pay.store._models import Source
from houdini_pay.testing import TestPlugin
from tests.helpers import count
from tests.http.conftest import Tenant
from tests.http.test_payments_http import pay


def test_a_supporter_is_created_then_shown(client: TestClient, tenant: Tenant) -> None:
    url = f"/api/v1/nonprofits/{tenant.nonprofit.id}/supporters"
    created = client.post(
        url, json={"name": "Katherine Johnson", "email": "kj@example.org"}, headers=tenant.headers
    )
    assert created.status_code == 201
    supporter = created.json()
    assert supporter["nonprofit_id"] == tenant.nonprofit.id
    shown = client.get(f"{url}/{supporter['id']}", headers=tenant.headers)
    assert shown.json() == supporter
    bad_email = client.post(url, json={"name": "X", "email": "nope"}, headers=tenant.headers)
    assert bad_email.status_code == 422
    assert bad_email.json()["error"]["code"] == "invalid_email"


def test_a_source_and_an_address_are_stored_then_paid_with(
    client: TestClient, app: HoudiniPay, tenant: Tenant
) -> None:
    base = f"/api/v1/supporters/{tenant.supporter.id}"
    source = client.post(
        f"{base}/sources",
        json={
            "payment_processor_source_type": "fake_card",
            "payment_processor_source_object": {"token": "tok_visa4242"},
            "name": "Visa ending 4242",
        },
        headers=tenant.headers,
    )
    assert source.status_code == 201
    assert source.json()["processor"] == "fake"
    assert source.json()["processor_reference"] == "tok_visa4242"
    address = client.post(
        f"{base}/addresses",
        json={"line1": "1 Main St", "city": "Springfield", "country": "US"},
        headers=tenant.headers,
    )
    assert address.status_code == 201
    assert address.json()["supporter_id"] == tenant.supporter.id
    paid = pay(
        client,
        tenant,
        payment_processor=None,
        source_id=source.json()["id"],
        address_id=address.json()["id"],
    )
    assert paid.status_code == 201
    assert paid.json()["payment"]["source_id"] == source.json()["id"]


def test_a_source_object_the_plugin_refuses_answers_422_and_stores_nothing(
    client: TestClient, app: HoudiniPay, tenant: Tenant
) -> None:
    response = client.post(
        f"/api/v1/supporters/{tenant.supporter.id}/sources",
        json={
            "payment_processor_source_type": "fake_card",
            "payment_processor_source_object": {"number": "4242424242424242"},
        },
        headers=tenant.headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_source_object"
    assert count(app, Source) == 0


def test_the_nonprofit_shows_what_it_has_enabled(
    client: TestClient, app: HoudiniPay, tenant: Tenant
) -> None:
    app.set_enabled(tenant.nonprofit.id, "payment_type", "limited", False)
    response = client.get(f"/api/v1/nonprofits/{tenant.nonprofit.id}", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json()["currency"] == "USD"
    assert response.json()["enabled"] == {"processors": ["fake"], "payment_types": ["gift"]}


class EuroBank(Processor):
    """A processor for supporters in France and Germany only, charging euros."""

    symbol = "eurobank"
    display_name = "Euro bank transfer"
    currencies = frozenset({"EUR"})
    countries = frozenset({"FR", "DE"})
    processing_object_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["iban_reference"],
        "properties": {"iban_reference": {"type": "string"}},
    }

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Accept every transfer."""
        return ChargeResult.succeeded(idempotency_key)


class AnywhereCard(Processor):
    """A card processor for any country and currency."""

    symbol = "anywhere"

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Accept every charge."""
        return ChargeResult.succeeded(idempotency_key)


def test_payment_methods_follow_currency_country_and_what_is_enabled(
    client: TestClient, app: HoudiniPay, tenant: Tenant
) -> None:
    app.register_plugin(TestPlugin(processors=[EuroBank(), AnywhereCard()]))
    euro = app.create_nonprofit("Les Restos", "EUR", country="FR")
    headers = {"Authorization": f"Bearer {create_api_key(app, euro.id).key}"}
    url = f"/api/v1/nonprofits/{euro.id}/payment-methods/available"

    def processors(**params: str) -> list[str]:
        response = client.get(url, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [method["processor"] for method in response.json()["methods"]]

    assert processors() == ["anywhere", "eurobank", "fake"]
    assert processors(country="de") == ["anywhere", "eurobank", "fake"]
    assert processors(country="US") == ["anywhere", "fake"]
    app.set_enabled(euro.id, "processor", "anywhere", False)
    assert processors(country="FR") == ["eurobank", "fake"]

    answer = client.get(url, headers=headers).json()
    assert answer["country"] == "FR"
    assert answer["currency"] == "EUR"
    eurobank = next(m for m in answer["methods"] if m["processor"] == "eurobank")
    assert eurobank["countries"] == ["DE", "FR"]
    assert eurobank["processing_object_schema"]["required"] == ["iban_reference"]
    fake = next(m for m in answer["methods"] if m["processor"] == "fake")
    assert [kind["symbol"] for kind in fake["source_types"]] == ["fake_card"]
    # Dollars only: the USD nonprofit never sees the euro processor.
    usd = client.get(
        f"/api/v1/nonprofits/{tenant.nonprofit.id}/payment-methods/available",
        headers=tenant.headers,
    ).json()
    assert [m["processor"] for m in usd["methods"]] == ["anywhere", "fake"]
    assert [t["symbol"] for t in usd["payment_types"]] == ["gift", "limited"]
    bad = client.get(url, params={"country": "FRA"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_country"
