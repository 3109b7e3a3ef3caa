"""Finding a lost id again: the key's nonprofits, and a nonprofit's supporters by email."""

from __future__ import annotations

from fastapi.testclient import TestClient

from houdini_pay import HoudiniPay
from tests.http.conftest import ADMIN_KEY, Tenant

ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def test_a_key_lists_only_its_own_nonprofit(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    listed = client.get("/api/v1/nonprofits", headers=tenant.headers)
    assert listed.status_code == 200
    assert listed.json() == {"nonprofits": [tenant.nonprofit.to_dict()], "next_cursor": None}
    # Even when asked to page past another tenant's id.
    after = client.get(
        "/api/v1/nonprofits", params={"cursor": "np_" + "Z" * 26}, headers=tenant.headers
    )
    assert [n["id"] for n in after.json()["nonprofits"]] == [tenant.nonprofit.id]


def test_the_admin_key_pages_through_every_nonprofit(
    client: TestClient, app: HoudiniPay, tenant: Tenant, other_tenant: Tenant
) -> None:
    third = app.create_nonprofit("Lakeside Library", "EUR")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/nonprofits", params=params, headers=ADMIN).json()
        seen += [n["id"] for n in page["nonprofits"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [third.id, other_tenant.nonprofit.id, tenant.nonprofit.id]  # newest first


def test_supporters_are_found_by_email_in_any_case(
    client: TestClient, app: HoudiniPay, tenant: Tenant, other_tenant: Tenant
) -> None:
    np = tenant.nonprofit.id
    twin = app.create_supporter(np, "Ada L.", email="ADA@Example.ORG")
    app.create_supporter(np, "Grace", email="grace@example.org")
    app.create_supporter(other_tenant.nonprofit.id, "Ada elsewhere", email="ada@example.org")
    url = f"/api/v1/nonprofits/{np}/supporters"
    found = client.get(url, params={"email": "Ada@example.org"}, headers=tenant.headers).json()
    assert [s["id"] for s in found["supporters"]] == [twin.id, tenant.supporter.id]
    assert found["next_cursor"] is None
    nobody = client.get(url, params={"email": "eve@example.org"}, headers=tenant.headers)
    assert nobody.json() == {"supporters": [], "next_cursor": None}
    everyone = client.get(url, params={"limit": "2"}, headers=tenant.headers).json()
    assert len(everyone["supporters"]) == 2
    rest = client.get(
        url, params={"cursor": everyone["next_cursor"]}, headers=tenant.headers
    ).json()
    assert [s["id"] for s in rest["supporters"]] == [tenant.supporter.id]


def test_another_nonprofits_supporters_answer_404(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    response = client.get(
        f"/api/v1/nonprofits/{other_tenant.nonprofit.id}/supporters", headers=tenant.headers
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "nonprofit_not_found"


def test_list_parameters_are_checked(client: TestClient, tenant: Tenant) -> None:
    url = f"/api/v1/nonprofits/{tenant.nonprofit.id}/supporters"
    for params, code in (
        ({"limit": "0"}, "invalid_request"),
        ({"limit": "501"}, "invalid_request"),
        ({"email": "x" * 321}, "invalid_request"),
        ({"cursor": tenant.nonprofit.id}, "invalid_cursor"),
    ):
        response = client.get(url, params=params, headers=tenant.headers)
        assert response.status_code == 422, params
        assert response.json()["error"]["code"] == code, params
